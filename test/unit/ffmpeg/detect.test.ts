import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { CommandResult, CommandRunner } from '../../../src/ffmpeg/command.js';
import { detectEncoders } from '../../../src/ffmpeg/detect.js';
import { isListed, lastLine, orderEncoders, renderNodesOf, testEncodes, vmafModels } from '../../../src/ffmpeg/detect-plan.js';
import { encoderSpec, softwareEncoder } from '../../../src/ffmpeg/encoders.js';

const SRC = ['-f', 'lavfi', '-i', 'color=c=black:s=256x256:d=0.1'];
const HEAD = ['-hide_banner', '-nostdin', '-v', 'error'];
const out = (enc: string) => ['-frames:v', '1', '-c:v', enc, '-f', 'null', '-'];

describe('test encodes per encoder (upstream §5.4)', () => {
  const nodes = ['/dev/dri/renderD128', '/dev/dri/renderD129'];

  it('software and VideoToolbox: one plain encode', () => {
    for (const [accel, enc] of [['none', 'libx265'], ['videotoolbox', 'hevc_videotoolbox']] as const) {
      const list = testEncodes(encoderSpec(accel, 'hevc'), nodes, 'linux');
      assert.deepEqual(list.map((v) => [v.variant, v.args]), [['plain', [...HEAD, ...SRC, ...out(enc)]]]);
    }
  });

  it('NVENC: simple, then an explicit CUDA device', () => {
    const list = testEncodes(encoderSpec('nvenc', 'av1'), [], 'linux');
    const cuda = ['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda'];
    assert.deepEqual(list.map((v) => v.args), [
      [...HEAD, ...cuda, ...SRC, ...out('av1_nvenc')],
      [...HEAD, '-init_hw_device', 'cuda=cu:0', '-filter_hw_device', 'cu', ...cuda, ...SRC, ...out('av1_nvenc')],
    ]);
    assert.deepEqual(list.map((v) => v.info.nvencMode), ['simple', 'explicit']);
  });

  it('QSV on Linux: direct, then derived from VAAPI on each render node', () => {
    const list = testEncodes(encoderSpec('qsv', 'hevc'), nodes, 'linux');
    const vf = ['-vf', 'format=nv12,hwupload=extra_hw_frames=64'];
    assert.deepEqual(list.map((v) => v.args), [
      [...HEAD, '-init_hw_device', 'qsv=qsv', '-filter_hw_device', 'qsv', ...SRC, ...vf, ...out('hevc_qsv')],
      [...HEAD, '-init_hw_device', 'vaapi=va:/dev/dri/renderD128', '-init_hw_device', 'qsv=qs@va', '-filter_hw_device', 'qs', ...SRC, ...vf, ...out('hevc_qsv')],
      [...HEAD, '-init_hw_device', 'vaapi=va:/dev/dri/renderD129', '-init_hw_device', 'qsv=qs@va', '-filter_hw_device', 'qs', ...SRC, ...vf, ...out('hevc_qsv')],
    ]);
    assert.deepEqual(list.map((v) => [v.info.qsvMode, v.info.vaapiDevice]), [
      ['direct', undefined],
      ['vaapi-derived', '/dev/dri/renderD128'],
      ['vaapi-derived', '/dev/dri/renderD129'],
    ]);
  });

  it('QSV elsewhere: a plain encode', () => {
    assert.deepEqual(testEncodes(encoderSpec('qsv', 'av1'), nodes, 'win32').map((v) => v.args), [[...HEAD, ...SRC, ...out('av1_qsv')]]);
  });

  it('VAAPI: each render node, none without one (upstream example command)', () => {
    const list = testEncodes(encoderSpec('vaapi', 'hevc'), nodes.slice(0, 1), 'linux');
    assert.deepEqual(list.map((v) => v.args), [
      [...HEAD, '-init_hw_device', 'vaapi=va:/dev/dri/renderD128', '-filter_hw_device', 'va', ...SRC, '-vf', 'format=nv12,hwupload', ...out('hevc_vaapi')],
    ]);
    assert.equal(list[0]?.info.vaapiDevice, '/dev/dri/renderD128');
    assert.deepEqual(testEncodes(encoderSpec('vaapi', 'av1'), [], 'linux'), []);
  });
});

describe('detection helpers', () => {
  it('render nodes: only renderD*, in number order', () => {
    assert.deepEqual(renderNodesOf('/dev/dri', ['renderD129', 'card0', 'renderD1000', 'by-path', 'renderD128', 'renderDx']), [
      '/dev/dri/renderD128',
      '/dev/dri/renderD129',
      '/dev/dri/renderD1000',
    ]);
  });

  it('an encoder is listed as a whole word only', () => {
    const listing = ' V....D libx265              libx265 H.265 / HEVC (codec hevc)\n V....D hevc_nvenc_old       x\n';
    assert.equal(isListed(listing, 'libx265'), true);
    assert.equal(isListed(listing, 'hevc_nvenc'), false);
  });

  it('VMAF models (§5.5)', () => {
    assert.equal(vmafModels(' ... vmafmotion  V->V', ''), null);
    assert.deepEqual(vmafModels(' ... libvmaf  VV->V', 'model ...'), ['vmaf_v0.6.1']);
    assert.deepEqual(vmafModels(' ... libvmaf  VV->V', 'vmaf_4k_v0.6.1'), ['vmaf_v0.6.1', 'vmaf_4k_v0.6.1']);
  });

  it('lastLine skips blanks and "Conversion failed!"', () => {
    assert.equal(lastLine('Device creation failed: -1.\nConversion failed!\n\n'), 'Device creation failed: -1.');
    assert.equal(lastLine(''), '');
  });

  it('orders HEVC first, then AV1, each in priority order', () => {
    const list = [softwareEncoder('av1'), softwareEncoder('hevc'), { ...softwareEncoder('hevc'), accel: 'vaapi' as const, encoder: 'hevc_vaapi' }];
    assert.deepEqual(orderEncoders(list).map((e) => e.encoder), ['hevc_vaapi', 'libx265', 'libsvtav1']);
  });
});

describe('detectEncoders with a scripted ffmpeg', () => {
  const ok = (stdout = ''): CommandResult => ({ ok: true, stdout, stderr: '', timedOut: false });
  const fail = (stderr: string, timedOut = false): CommandResult => ({ ok: false, stdout: '', stderr, timedOut });
  const LISTING = ['libx265', 'libsvtav1', 'hevc_nvenc', 'hevc_vaapi', 'hevc_qsv'].map((n) => ` V....D ${n}  x`).join('\n');

  function script(answer: (args: readonly string[]) => CommandResult) {
    const calls: string[][] = [];
    const run: CommandRunner = async (_file, args) => {
      calls.push([...args]);
      return answer(args);
    };
    return { calls, run };
  }

  it('reports every encoder, the working variant and the reasons', async () => {
    const { run } = script((args) => {
      if (args.includes('-encoders')) return ok(LISTING);
      if (args.includes('-filters')) return ok(' ... scale  V->V');
      const enc = args[args.indexOf('-c:v') + 1];
      if (enc === 'libx265' || enc === 'libsvtav1') return ok();
      if (enc === 'hevc_nvenc') return fail('Cannot load libcuda.so.1\n', false);
      if (enc === 'hevc_qsv') return args.includes('qsv=qs@va') ? ok() : fail('Error creating a MFX session: -9.');
      return fail('', true);
    });
    const d = await detectEncoders({
      ffmpeg: 'ffmpeg',
      run,
      renderNodes: async () => ['/dev/dri/renderD128'],
      platform: 'linux',
      clock: () => new Date('2026-01-01T00:00:00Z'),
    });
    assert.equal(d.listed, true);
    assert.equal(d.detected_at, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(d.available.map((e) => e.encoder), ['hevc_qsv', 'libx265', 'libsvtav1']);
    assert.deepEqual(d.available[0], {
      accel: 'qsv',
      codec: 'hevc',
      encoder: 'hevc_qsv',
      description: 'Intel Quick Sync HEVC',
      qsvMode: 'vaapi-derived',
      vaapiDevice: '/dev/dri/renderD128',
    });
    const detail = Object.fromEntries(d.results.map((r) => [r.info.encoder, r.detail]));
    assert.deepEqual(detail, {
      libx265: 'test encode passed (plain)',
      libsvtav1: 'test encode passed (plain)',
      hevc_nvenc: 'test encode failed: simple: Cannot load libcuda.so.1; explicit: Cannot load libcuda.so.1',
      av1_nvenc: 'not listed by ffmpeg -encoders',
      hevc_qsv: 'test encode passed (vaapi-derived /dev/dri/renderD128)',
      av1_qsv: 'not listed by ffmpeg -encoders',
      hevc_vaapi: 'test encode failed: timed out',
      av1_vaapi: 'not listed by ffmpeg -encoders',
      hevc_videotoolbox: 'not listed by ffmpeg -encoders',
      av1_videotoolbox: 'not listed by ffmpeg -encoders',
    });
    assert.deepEqual(d.vmaf, { available: false, models: null });
  });

  it('shares one time budget between the variants of an encoder', async () => {
    let now = 0;
    const { calls, run } = script((args) => {
      if (args.includes('-encoders')) return ok(' V....D hevc_nvenc x');
      if (args.includes('-c:v') && args.includes('hevc_nvenc')) {
        now += 10_000; // the first variant hangs until its timeout
        return fail('', true);
      }
      return ok();
    });
    const d = await detectEncoders({ ffmpeg: 'ffmpeg', run, renderNodes: async () => [], platform: 'linux', now: () => now });
    const nvenc = d.results.find((r) => r.info.encoder === 'hevc_nvenc');
    assert.equal(nvenc?.detail, 'test encode failed: simple: timed out; explicit: not tried, out of time');
    assert.equal(calls.filter((c) => c.includes('hevc_nvenc')).length, 1);
  });

  it('a failed listing marks everything unavailable with the reason', async () => {
    const { calls, run } = script(() => fail('ffmpeg: not found'));
    const d = await detectEncoders({ ffmpeg: 'ffmpeg', run, renderNodes: async () => [], platform: 'linux' });
    assert.equal(d.listed, false);
    assert.deepEqual(d.available, []);
    assert.ok(d.results.every((r) => !r.available && r.detail === 'ffmpeg -encoders failed: ffmpeg: not found'));
    assert.equal(calls.length, 1);
  });

  it('libvmaf with the 4K model', async () => {
    const { run } = script((args) => {
      if (args.includes('-filters')) return ok(' ... libvmaf   VV->V   Calculate the VMAF');
      if (args.includes('filter=libvmaf')) return ok('model_path ... vmaf_4k_v0.6.1');
      return ok('');
    });
    const d = await detectEncoders({ ffmpeg: 'ffmpeg', run, renderNodes: async () => [], platform: 'linux' });
    assert.deepEqual(d.vmaf, { available: true, models: ['vmaf_v0.6.1', 'vmaf_4k_v0.6.1'] });
  });
});
