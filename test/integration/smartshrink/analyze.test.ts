import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTranscodeCommand } from '../../../src/ffmpeg/args.js';
import type { Attempt } from '../../../src/ffmpeg/attempts.js';
import { runCommand } from '../../../src/ffmpeg/command.js';
import { softwareEncoder } from '../../../src/ffmpeg/encoders.js';
import { detectVmaf } from '../../../src/ffmpeg/vmaf-detect.js';
import { type AnalysisDeps, analyze } from '../../../src/smartshrink/analyze.js';
import { requireVmaf, SmartClips, VMAF_FFMPEG, VMAF_MODEL } from './vmaf-env.js';

const SOFTWARE: Attempt = { encoder: softwareEncoder('hevc'), softwareDecode: true };
/** A VAAPI attempt on a device that does not exist: its sample encodes fail like a broken GPU's. */
const BROKEN_GPU: Attempt = { encoder: { accel: 'vaapi', codec: 'hevc', encoder: 'hevc_vaapi', description: 'VAAPI HEVC', vaapiDevice: '/nonexistent/renderD128' }, softwareDecode: false };

describe('SmartShrink analysis with real ffmpeg and libvmaf', function () {
  this.timeout(180_000);
  const clips = new SmartClips();
  let temp: string;
  let deps: Omit<AnalysisDeps, 'signal'>;

  before(async function () {
    requireVmaf(this);
    const vmaf = await detectVmaf({ ffmpeg: 'ffmpeg', vmafFfmpeg: VMAF_FFMPEG, vmafModel: VMAF_MODEL, run: runCommand });
    assert.equal(vmaf.available, true, vmaf.detail);
    deps = {
      ffmpeg: 'ffmpeg',
      scorer: vmaf.scorer,
      plan: [SOFTWARE],
      encodeArgs: (a, input, output, setting) =>
        buildTranscodeCommand({ input, output, encoder: a.encoder, maxHeight: 0, source: { height: 180 }, ...setting, softwareDecode: a.softwareDecode, tonemap: null, outputFormat: 'mkv', streams: { subtitles: [], attachments: [] } }).args,
      run: runCommand,
      tempDir: '',
      instance: 'test1234',
      cpus: 2,
      timeoutMs: 120_000,
    };
  });
  beforeEach(async () => {
    temp = await mkdtemp(join(tmpdir(), 'shrinkray-analysis-test-'));
  });
  afterEach(() => rm(temp, { recursive: true, force: true }));
  after(() => clips.dispose());

  const source = async (kind: 'detail' | 'motion') => {
    const input = await clips.clip(kind);
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(input));
    return { input, videoMap: '0:v:0', durationMs: 6_000, height: 180, frameRate: 24, size };
  };

  it('falls back to the next encoder when the first fails on a sample (D12), and says why', async () => {
    const failures: string[] = [];
    const result = await analyze(await source('motion'), 'acceptable', 'hevc', {
      ...deps,
      plan: [BROKEN_GPU, SOFTWARE],
      tempDir: temp,
      signal: new AbortController().signal,
      onFallback: (f) => failures.push(`${f.attempt.encoder.encoder}: ${f.message}`),
    });
    assert.equal(result.kind, 'ok', JSON.stringify(result));
    if (result.kind !== 'ok') return;
    assert.equal(result.attemptIndex, 1);
    assert.equal(failures.length, 1);
    assert.match(failures[0] ?? '', /^hevc_vaapi: encoding the samples at CRF \d+: /);
    assert.deepEqual(await readdir(temp), []);
  });

  it('stops at once when the job is stopped, and removes the working folder', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = analyze(await source('detail'), 'excellent', 'hevc', {
      ...deps,
      tempDir: temp,
      signal: controller.signal,
      // Stop in the middle of the first round's encodes.
      run: (file, args, opts) => {
        if (args.includes('libx265')) setTimeout(() => controller.abort(new Error('requeued')), 50);
        return runCommand(file, args, opts);
      },
    });
    await assert.rejects(run, /requeued/);
    assert.ok(Date.now() - started < 20_000, 'no waiting for the round to end');
    assert.deepEqual(await readdir(temp), []);
  });

  it('fails with a readable reason when scoring does not work', async () => {
    await assert.rejects(
      analyze(await source('detail'), 'good', 'hevc', { ...deps, scorer: null, scorerProblem: 'ffmpeg (ffmpeg) has no libvmaf filter', tempDir: temp, signal: new AbortController().signal }),
      { message: 'VMAF analysis failed: VMAF not available (ffmpeg (ffmpeg) has no libvmaf filter)' },
    );
    const broken = { ...deps.scorer!, modelOption: 'model_path=/nonexistent/vmaf.pkl' };
    await assert.rejects(analyze(await source('detail'), 'good', 'hevc', { ...deps, scorer: broken, tempDir: temp, signal: new AbortController().signal }), /^AnalysisError: VMAF analysis failed: search: scoring the samples at CRF 23: Input model at \/nonexistent\/vmaf.pkl cannot be read/);
    assert.deepEqual(await readdir(temp), []);
  });
});
