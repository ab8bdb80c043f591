import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ffprobeJson } from '../../helpers/clips.js';
import type { FakeCall, FakeRule } from '../../helpers/fake-ffmpeg.js';
import { SseRecorder } from '../../helpers/sse.js';
import { type EngineApp, runJobs, startEngineApp } from './engine-app.js';
import { EngineClips } from './engine-clips.js';

const clips = new EngineClips();

/** hevc_nvenc works (explicit CUDA device), and so does hevc_qsv (direct): the chain is nvenc → qsv → libx265. */
const GPUS: FakeRule[] = [
  { kind: 'test', encoder: 'hevc_nvenc', has: ['cuda=cu:0'], action: 'ok' },
  { kind: 'test', encoder: 'hevc_qsv', has: ['qsv=qsv'], action: 'ok' },
];
const LISTING = { add: ['hevc_nvenc', 'hevc_qsv'] };
const HWACCEL_FAILED = [
  '[h264 @ 0x55d0c8] Failed setup for format cuda: hwaccel initialisation returned error.',
  'Error while decoding stream #0:0: Function not implemented',
];

interface JobLike {
  id: string;
  input_path: string;
  status: string;
  encoder: string;
  is_hardware: boolean;
  encoder_name?: string;
  fallback_reason?: string;
  error?: string;
  output_path?: string;
  progress: number;
}

const transcodes = (calls: FakeCall[], input?: string) => calls.filter((c) => c.kind === 'transcode' && (!input || c.input?.includes(input)));
const describeCall = (c: FakeCall) => `${c.encoder} ${c.args.includes('-hwaccel') ? 'hw' : 'sw'} ${c.action}`;

describe('fallback chain and watchdog through the real queue (fake ffmpeg)', function () {
  this.timeout(40_000);
  let t: EngineApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });
  after(() => clips.dispose());

  const start = async (rules: FakeRule[], overrides: Record<string, unknown> = {}) => {
    t = await startEngineApp({ fake: { listing: LISTING, rules: [...rules, ...GPUS] }, overrides });
    return t;
  };
  const media = async (name: string) => {
    const dest = join(t!.media, name);
    await copyFile(await clips.small(), dest);
    return dest;
  };

  it('an encoder that exits 0 but leaves no usable output fails its check and the chain goes on (D11, D12)', async () => {
    // hevc_nvenc "succeeds" without writing anything, both decode paths; hevc_qsv then does the job.
    const tt = await start([{ kind: 'transcode', encoder: 'hevc_nvenc', action: 'ok' }]);
    const input = await media('checked.mkv');
    const [job] = (await runJobs(tt, [input])) as unknown as JobLike[];
    assert.ok(job);
    assert.equal(job.status, 'complete', job.error);
    assert.equal(job.encoder_name, 'hevc_qsv');
    assert.match(job.fallback_reason ?? '', /^hevc_nvenc with hardware decode failed: output check failed: .*; hevc_nvenc with software decode failed: output check failed: /);
    assert.deepEqual(transcodes(await tt.fake!.calls()).map(describeCall), ['hevc_nvenc hw ok', 'hevc_nvenc sw ok', 'hevc_qsv hw delegate']);
  });

  it('a failed hardware decode is retried with software decode on the same encoder, which then made the output', async () => {
    const tt = await start([{ kind: 'transcode', encoder: 'hevc_nvenc', has: ['-hwaccel'], action: 'fail', stderr: HWACCEL_FAILED, progressFrames: 5 }]);
    const input = await media('movie.mkv');
    const [job] = (await runJobs(tt, [input])) as unknown as JobLike[];
    assert.ok(job);
    assert.equal(job.status, 'complete', job.error);
    assert.equal(job.encoder, 'nvenc');
    assert.equal(job.is_hardware, true);
    assert.equal(job.encoder_name, 'hevc_nvenc');
    assert.equal(
      job.fallback_reason,
      'hevc_nvenc with hardware decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed',
    );
    const calls = transcodes(await tt.fake!.calls());
    assert.deepEqual(calls.map(describeCall), ['hevc_nvenc hw fail', 'hevc_nvenc sw delegate']);
    // Explicit CUDA mode keeps its device for the software-decode retry; only the decoder changes.
    const retry = calls[1]!.args;
    assert.deepEqual(retry.slice(0, 4), ['-init_hw_device', 'cuda=cu:0', '-filter_hw_device', 'cu']);
    assert.equal(retry[4], '-i');
    const out = await ffprobeJson(String(job.output_path));
    assert.equal(out.streams[0]?.codec_name, 'hevc');
  });

  it('every GPU attempt failing ends on software, and the job says so with every reason', async () => {
    const tt = await start([
      { kind: 'transcode', encoder: 'hevc_nvenc', has: ['-hwaccel'], action: 'fail', stderr: HWACCEL_FAILED, progressFrames: 8 },
      { kind: 'transcode', encoder: 'hevc_nvenc', action: 'fail', stderr: ['[hevc_nvenc @ 0x5612] OpenEncodeSessionEx failed: out of memory (10): (no details)'] },
      { kind: 'transcode', encoder: 'hevc_qsv', action: 'fail', stderr: ['[hevc_qsv @ 0x5612] Error initializing an internal MFX session: unsupported (-3)'] },
    ]);
    const sse = new SseRecorder(`${tt.url}/api/jobs/stream`);
    try {
      await sse.waitFor((e) => e.type === 'init', 'init');
      const input = await media('show.mkv');
      const [job] = (await runJobs(tt, [input])) as unknown as JobLike[];
      assert.ok(job);
      assert.equal(job.status, 'complete', job.error);
      assert.equal(job.encoder, 'none');
      assert.equal(job.is_hardware, false);
      assert.equal(job.encoder_name, 'libx265');
      const reasons = String(job.fallback_reason).split('; ');
      assert.deepEqual(reasons, [
        'hevc_nvenc with hardware decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed',
        'hevc_nvenc with software decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed',
        'hevc_qsv with hardware decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed',
        'hevc_qsv with software decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed',
      ]);
      assert.deepEqual(transcodes(await tt.fake!.calls()).map(describeCall), [
        'hevc_nvenc hw fail',
        'hevc_nvenc sw fail',
        'hevc_qsv hw fail',
        'hevc_qsv sw fail',
        'libx265 sw delegate',
      ]);
      // Never silent (D15): a warning names the encoder that was used in the end.
      const warning = tt.logs.find((l) => l.msg === 'job fell back to libx265 with software');
      assert.ok(warning);
      assert.match(String(warning.why), /hevc_qsv with software decode failed/);

      // Progress: the failed first attempt moved, each new attempt restarts at 0 with the new encoder, the end is 100.
      await sse.waitFor((e) => e.type === 'complete', 'complete');
      const mine = sse.events.filter((e) => e.job?.id === job.id);
      const progress = mine.filter((e) => e.type === 'progress').map((e) => ({ p: e.job.progress as number, enc: e.job.encoder_name as string }));
      for (const p of progress) assert.ok(p.p >= 0 && p.p <= 100, `progress ${p.p}`);
      assert.ok(progress.some((p) => p.enc === 'hevc_nvenc' && p.p > 0), JSON.stringify(progress));
      const reset = progress.findIndex((p) => p.enc === 'libx265');
      assert.ok(reset >= 0, JSON.stringify(progress));
      assert.equal(progress[reset]!.p, 0);
      const last = progress.slice(reset).map((p) => p.p);
      assert.deepEqual(last, [...last].sort((a, b) => a - b), 'the last attempt never goes backwards');
      assert.equal(mine.at(-1)?.type, 'complete');
      assert.equal(mine.at(-1)?.job.progress, 100);
    } finally {
      await sse.close();
    }
  });

  it('the watchdog kills a hardware decode with no first frame and a transcode that stops moving, then falls back', async () => {
    const tt = await start(
      [
        { kind: 'transcode', encoder: 'hevc_nvenc', has: ['-hwaccel'], action: 'stall', afterFrames: 0 },
        { kind: 'transcode', encoder: 'hevc_nvenc', action: 'stall', afterFrames: 6 },
        { kind: 'transcode', encoder: 'hevc_qsv', action: 'fail', stderr: ['[hevc_qsv @ 0x5612] Error initializing an internal MFX session: unsupported (-3)'] },
      ],
      { first_frame_timeout_secs: 1, stall_timeout_secs: 5 },
    );
    const input = await media('stuck.mkv');
    const began = Date.now();
    const [job] = (await runJobs(tt, [input])) as unknown as JobLike[];
    const took = Date.now() - began;
    assert.ok(job);
    assert.equal(job.status, 'complete', job.error);
    assert.equal(job.encoder_name, 'libx265');
    const reasons = String(job.fallback_reason).split('; ');
    assert.equal(reasons[0], 'hevc_nvenc with hardware decode failed: ffmpeg stalled (no first frame within 1 s)');
    assert.equal(reasons[1], 'hevc_nvenc with software decode failed: ffmpeg stalled (no progress for 5 s)');
    assert.ok(took >= 6000, `took ${took} ms`);
    assert.ok(took < 20_000, `took ${took} ms`);
    // Killed means gone: no fake ffmpeg is left streaming progress.
    const ps = await new Promise<string>((resolve) => execFile('ps', ['-eo', 'args'], (_e, out) => resolve(String(out))));
    assert.doesNotMatch(ps, new RegExp(`fake-ffmpeg.mjs emulate .*${tt.media}`));
  });

  it('each failure gets a readable error from the stderr tail; a full disk stops the chain', async () => {
    const tt = await start([
      {
        kind: 'transcode',
        input: 'disk',
        action: 'fail',
        progressFrames: 3,
        stderr: ['[matroska @ 0x55d0c8] Error writing packet: No space left on device', 'av_interleaved_write_frame(): No space left on device', 'Conversion failed!'],
      },
      { kind: 'transcode', input: 'codec', action: 'fail', stderr: ['Decoder (codec vvc) not found for input stream #0:0'] },
      { kind: 'transcode', input: 'killed', action: 'kill' },
    ]);
    const paths = [await media('disk.mkv'), await media('codec.mkv'), await media('killed.mkv')];
    const jobs = (await runJobs(tt, paths)) as unknown as JobLike[];
    const errorOf = (name: string) => {
      const job = jobs.find((j) => j.input_path.endsWith(name));
      assert.ok(job, name);
      assert.equal(job.status, 'failed');
      return String(job.error);
    };
    assert.match(
      errorOf('disk.mkv'),
      /^hevc_nvenc with hardware decode failed: ffmpeg failed \(exit code 1\): the disk is full — .*No space left on device/,
    );
    assert.match(
      errorOf('codec.mkv'),
      /^all 5 attempts failed; last: libx265 with software failed: ffmpeg failed \(exit code 1\): the video codec cannot be decoded by this ffmpeg — .*Decoder \(codec vvc\) not found/,
    );
    assert.match(errorOf('killed.mkv'), /^all 5 attempts failed; last: libx265 with software failed: ffmpeg was killed by SIGKILL \(the out-of-memory killer or another process\)/);
    const calls = await tt.fake!.calls();
    assert.equal(transcodes(calls, 'disk').length, 1, 'a full disk is not retried with other encoders');
    assert.equal(transcodes(calls, 'codec').length, 5);
    // Nothing is left behind: no temp file, and the originals are still there.
    const temp = await readdir(join(tt.root, 'temp')).catch(() => []);
    assert.deepEqual(temp, []);
    for (const p of paths) assert.ok((await stat(p)).size > 0);
  });
});
