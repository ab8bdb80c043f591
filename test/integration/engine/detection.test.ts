import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FakeControl, FakeRule } from '../../helpers/fake-ffmpeg.js';
import { get, post } from '../../helpers/http.js';
import { type EngineApp, startEngineApp } from './engine-app.js';

const HARDWARE = ['hevc_nvenc', 'av1_nvenc', 'hevc_qsv', 'av1_qsv', 'hevc_vaapi', 'av1_vaapi', 'hevc_videotoolbox'];
const TEST_INPUT = ['-f', 'lavfi', '-i', 'color=c=black:s=256x256:d=0.1'];

/** A machine with an NVIDIA card that needs an explicit CUDA device and cannot encode AV1, and an Intel iGPU on the second render node. */
const MIXED_RULES: FakeRule[] = [
  { kind: 'test', encoder: 'hevc_nvenc', has: ['cuda=cu:0'], action: 'ok' },
  { kind: 'test', encoder: 'av1_nvenc', action: 'fail', stderr: ['[av1_nvenc @ 0x5611] OpenEncodeSessionEx failed: unsupported device (2): (no details)'] },
  { kind: 'test', encoder: 'hevc_qsv', has: ['qsv=qs@va'], hasText: ['renderD129'], action: 'ok' },
  { kind: 'test', encoder: 'av1_qsv', has: ['qsv=qsv'], action: 'ok' },
  { kind: 'test', encoder: 'hevc_vaapi', hasText: ['renderD129'], action: 'ok' },
];
const MIXED: FakeControl = { listing: { add: HARDWARE }, vmaf: '4k', rules: MIXED_RULES };

describe('encoder detection (fake ffmpeg, fake /dev/dri)', function () {
  this.timeout(30_000);
  let t: EngineApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('proves each encoder with a one-frame test encode and remembers the init variant that worked', async () => {
    t = await startEngineApp({ fake: MIXED, dri: ['card0', 'renderD129', 'renderD128', 'by-path'] });
    const dri = join(t.root, 'dri');
    const res = await get(t.url, '/api/encoders');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['encoders', 'best', 'vmaf_available', 'vmaf_models']);
    assert.deepEqual(
      res.body.encoders.map((e: { encoder: string }) => e.encoder),
      ['hevc_nvenc', 'hevc_qsv', 'hevc_vaapi', 'libx265', 'av1_qsv', 'libsvtav1'],
    );
    for (const e of res.body.encoders) {
      assert.deepEqual(Object.keys(e), ['accel', 'codec', 'name', 'description', 'encoder', 'available']);
      assert.equal(e.available, true);
    }
    assert.deepEqual(res.body.best, {
      accel: 'nvenc',
      codec: 'hevc',
      name: 'NVIDIA NVENC HEVC',
      description: 'NVIDIA GPU hardware encoding (hevc_nvenc)',
      encoder: 'hevc_nvenc',
      available: true,
    });
    // The fake lists libvmaf but cannot score a frame: a listing alone is not VMAF (issue 9).
    assert.equal(res.body.vmaf_available, false);
    assert.equal(res.body.vmaf_models, null);

    // The modes the transcodes will use.
    const byName = new Map(t.app.encoders.available().map((e) => [e.encoder, e]));
    assert.equal(byName.get('hevc_nvenc')?.nvencMode, 'explicit');
    assert.equal(byName.get('hevc_qsv')?.qsvMode, 'vaapi-derived');
    assert.equal(byName.get('hevc_qsv')?.vaapiDevice, join(dri, 'renderD129'));
    assert.equal(byName.get('av1_qsv')?.qsvMode, 'direct');
    assert.equal(byName.get('hevc_vaapi')?.vaapiDevice, join(dri, 'renderD129'));

    // The test encodes ffmpeg really received, in order.
    const tests = (await t.fake!.calls()).filter((c) => c.kind === 'test');
    const of = (encoder: string) => tests.filter((c) => c.encoder === encoder).map((c) => c.args);
    const tail = (encoder: string, vf?: string) => [...TEST_INPUT, ...(vf ? ['-vf', vf] : []), '-frames:v', '1', '-c:v', encoder, '-f', 'null', '-'];
    const head = ['-hide_banner', '-nostdin', '-v', 'error'];
    const cuda = ['-hwaccel', 'cuda', '-hwaccel_output_format', 'cuda'];
    assert.deepEqual(of('hevc_nvenc'), [
      [...head, ...cuda, ...tail('hevc_nvenc')],
      [...head, '-init_hw_device', 'cuda=cu:0', '-filter_hw_device', 'cu', ...cuda, ...tail('hevc_nvenc')],
    ]);
    const qsvVf = 'format=nv12,hwupload=extra_hw_frames=64';
    const derived = (node: string) => ['-init_hw_device', `vaapi=va:${join(dri, node)}`, '-init_hw_device', 'qsv=qs@va', '-filter_hw_device', 'qs'];
    assert.deepEqual(of('hevc_qsv'), [
      [...head, '-init_hw_device', 'qsv=qsv', '-filter_hw_device', 'qsv', ...tail('hevc_qsv', qsvVf)],
      [...head, ...derived('renderD128'), ...tail('hevc_qsv', qsvVf)],
      [...head, ...derived('renderD129'), ...tail('hevc_qsv', qsvVf)],
    ]);
    assert.deepEqual(of('hevc_vaapi'), [
      [...head, '-init_hw_device', `vaapi=va:${join(dri, 'renderD128')}`, '-filter_hw_device', 'va', ...tail('hevc_vaapi', 'format=nv12,hwupload')],
      [...head, '-init_hw_device', `vaapi=va:${join(dri, 'renderD129')}`, '-filter_hw_device', 'va', ...tail('hevc_vaapi', 'format=nv12,hwupload')],
    ]);
    assert.deepEqual(of('hevc_videotoolbox'), [[...head, ...tail('hevc_videotoolbox')]]);
    assert.deepEqual(of('libx265'), [[...head, ...tail('libx265')]]);
    assert.deepEqual(of('libsvtav1'), [[...head, ...tail('libsvtav1')]]);
    assert.deepEqual(of('av1_videotoolbox'), [], 'an encoder ffmpeg does not list is not tried');

    // Every result is logged, with the reason.
    const line = (encoder: string) => t!.logs.find((l) => l.encoder === encoder && l.msg.startsWith(`encoder ${encoder}:`));
    assert.equal(line('hevc_nvenc')?.msg, 'encoder hevc_nvenc: available');
    assert.equal(line('hevc_nvenc')?.detail, 'test encode passed (explicit)');
    assert.equal(line('av1_nvenc')?.msg, 'encoder av1_nvenc: not available');
    assert.match(String(line('av1_nvenc')?.detail), /simple: .*OpenEncodeSessionEx failed.*; explicit: .*OpenEncodeSessionEx failed/);
    assert.match(String(line('av1_videotoolbox')?.detail), /not listed by ffmpeg -encoders/);
    const summary = t.logs.find((l) => l.msg === 'encoder detection finished');
    assert.equal(summary?.hevc, 'hevc_nvenc');
    assert.equal(summary?.av1, 'av1_qsv');
  });

  it('serves presets named [HW]/[SW] after the best encoder of their codec', async () => {
    t = await startEngineApp({ fake: { listing: { add: HARDWARE }, rules: [{ kind: 'test', encoder: 'av1_qsv', action: 'ok' }] } });
    const res = await get(t.url, '/api/presets');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, [
      { id: 'compress-hevc', name: 'Compress (HEVC) [SW]', description: 'Reduce size with HEVC encoding', encoder: 'none', codec: 'hevc', max_height: 0, is_smart_shrink: false },
      { id: 'compress-av1', name: 'Compress (AV1) [HW]', description: 'Maximum compression with AV1 encoding', encoder: 'qsv', codec: 'av1', max_height: 0, is_smart_shrink: false },
      { id: '1080p', name: 'Downscale to 1080p [SW]', description: 'Downscale to 1080p max (HEVC)', encoder: 'none', codec: 'hevc', max_height: 1080, is_smart_shrink: false },
      { id: '720p', name: 'Downscale to 720p [SW]', description: 'Downscale to 720p (big savings)', encoder: 'none', codec: 'hevc', max_height: 720, is_smart_shrink: false },
    ]);
  });

  it('re-runs on POST /api/encoders/detect and reports every encoder with the reason', async () => {
    t = await startEngineApp({ fake: MIXED, dri: ['renderD128', 'renderD129'] });
    assert.equal((await get(t.url, '/api/encoders')).body.best.encoder, 'hevc_nvenc');
    const before = t.app.encoders.lastDetection();

    // The NVIDIA driver went away.
    await t.fake!.set({ ...MIXED, rules: MIXED_RULES.filter((r) => r.encoder !== 'hevc_nvenc') });
    const res = await post(t.url, '/api/encoders/detect');
    assert.equal(res.status, 200);
    assert.equal(res.body.best.encoder, 'hevc_qsv');
    assert.ok(res.body.detected_at > String(before));
    assert.equal(typeof res.body.duration_ms, 'number');
    assert.deepEqual(
      res.body.results.map((r: { encoder: string; available: boolean }) => `${r.encoder}:${r.available}`),
      ['libx265:true', 'libsvtav1:true', 'hevc_nvenc:false', 'av1_nvenc:false', 'hevc_qsv:true', 'av1_qsv:true', 'hevc_vaapi:true', 'av1_vaapi:false', 'hevc_videotoolbox:false', 'av1_videotoolbox:false'],
    );
    const nvenc = res.body.results.find((r: { encoder: string }) => r.encoder === 'hevc_nvenc');
    assert.match(nvenc.detail, /^test encode failed: simple: Failed to set value .*; explicit: /);
    const vt = res.body.results.find((r: { encoder: string }) => r.encoder === 'av1_videotoolbox');
    assert.equal(vt.detail, 'not listed by ffmpeg -encoders');

    // Everything else follows the new detection.
    assert.equal((await get(t.url, '/api/encoders')).body.best.encoder, 'hevc_qsv');
    const presets = (await get(t.url, '/api/presets')).body;
    assert.equal(presets[0].encoder, 'qsv');
    assert.equal(presets[0].name, 'Compress (HEVC) [HW]');
  });

  it('without a render node VAAPI is unavailable and QSV tries only the direct route', async () => {
    t = await startEngineApp({ fake: { listing: { add: HARDWARE } }, dri: ['card0'] });
    const res = await post(t.url, '/api/encoders/detect');
    const detail = (encoder: string) => res.body.results.find((r: { encoder: string }) => r.encoder === encoder).detail;
    assert.equal(detail('hevc_vaapi'), 'no VAAPI render node (/dev/dri/renderD*) found');
    assert.match(detail('hevc_qsv'), /^test encode failed: Failed to set value for option init_hw_device/);
    assert.deepEqual(res.body.encoders.map((e: { encoder: string }) => e.encoder), ['libx265', 'libsvtav1']);
    assert.equal(res.body.best.encoder, 'libx265');
    assert.equal(res.body.vmaf_available, false);
    assert.equal(res.body.vmaf_models, null);
    const calls = await t.fake!.calls();
    assert.equal(calls.filter((c) => c.encoder === 'hevc_vaapi').length, 0);
  });

  it('when ffmpeg cannot list its encoders, says so and still has software as the last resort', async () => {
    t = await startEngineApp({ fake: { listing: { fail: true } } });
    const res = await get(t.url, '/api/encoders');
    assert.deepEqual(res.body.encoders, []);
    assert.equal(res.body.best.encoder, 'libx265');
    const error = t.logs.find((l) => l.level === 50 && /did not list its encoders/.test(l.msg));
    assert.match(String(error?.why), /ffmpeg -encoders failed: .*libavdevice/);
  });
});
