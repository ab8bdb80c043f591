import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Attempt } from '../../../src/ffmpeg/attempts.js';
import { softwareEncoder } from '../../../src/ffmpeg/encoders.js';
import { FfmpegError, reasonFromStderr } from '../../../src/ffmpeg/failure.js';
import { fallbackReason, finalError, runWithFallback } from '../../../src/ffmpeg/fallback.js';

describe('readable reasons from the stderr tail (D12)', () => {
  const cases: Array<[string, string[], string | undefined]> = [
    ['disk full', ['av_interleaved_write_frame(): No space left on device'], 'the disk is full'],
    ['corrupt input', ['[matroska,webm @ 0x1] EBML header parsing failed', 'x.mkv: Invalid data found when processing input'], 'the input file is corrupt or not a video'],
    ['unsupported codec', ['Decoder (codec vvc) not found for input stream #0:0'], 'the video codec cannot be decoded by this ffmpeg'],
    ['GPU decode', ['[h264 @ 0x1] Failed setup for format cuda: hwaccel initialisation returned error.', 'Error while decoding stream #0:0: Function not implemented'], 'the hardware encoder or decoder failed'],
    ['missing render node', ['[AVHWDeviceContext @ 0x1] No VA display found for device /dev/dri/renderD128.', '/dev/dri/renderD128: No such file or directory'], 'the hardware encoder or decoder failed'],
    ['no encoder', ["Unknown encoder 'libsvtav1'"], 'the encoder is not available in this ffmpeg'],
    ['nothing known', ['something odd'], undefined],
  ];
  for (const [name, lines, reason] of cases) {
    it(name, () => assert.equal(reasonFromStderr(lines), reason));
  }

  it('FfmpegError: summary without, message with the last five stderr lines; a full disk is fatal', () => {
    const tail = ['1', '2', '3', '4', '5', 'No space left on device'];
    const e = new FfmpegError('exit', 'ffmpeg failed (exit code 1)', tail);
    assert.equal(e.summary, 'ffmpeg failed (exit code 1): the disk is full');
    assert.equal(e.message, 'ffmpeg failed (exit code 1): the disk is full — 2 | 3 | 4 | 5 | No space left on device');
    assert.equal(e.fatal, true);
    assert.equal(new FfmpegError('stalled', 'ffmpeg stalled (no progress for 5 s)', []).message, 'ffmpeg stalled (no progress for 5 s)');
    assert.equal(new FfmpegError('exit', 'x', ['Invalid data found when processing input']).fatal, false);
  });
});

describe('runWithFallback (upstream §5.13)', () => {
  const sw: Attempt = { encoder: softwareEncoder('hevc'), softwareDecode: true };
  const nvencHw: Attempt = { encoder: { ...softwareEncoder('hevc'), accel: 'nvenc', encoder: 'hevc_nvenc' }, softwareDecode: false };
  const nvencSw: Attempt = { ...nvencHw, softwareDecode: true };
  const gpu = new FfmpegError('exit', 'ffmpeg failed (exit code 1)', ['Cannot load libcuda.so.1']);

  it('goes down the plan until one works, handing each attempt the failures so far', async () => {
    const seen: number[] = [];
    const outcome = await runWithFallback([nvencHw, nvencSw, sw], new AbortController().signal, async (step, failures) => {
      seen.push(failures.length);
      if (step !== sw) throw gpu;
    }, () => undefined);
    assert.equal(outcome.ok, true);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(
      fallbackReason(outcome.failures),
      'hevc_nvenc with hardware decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed; ' +
        'hevc_nvenc with software decode failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed',
    );
  });

  it('all failing: the job error is the last failure in full', async () => {
    const outcome = await runWithFallback([nvencHw, sw], new AbortController().signal, async () => {
      throw gpu;
    }, () => undefined);
    assert.equal(outcome.ok, false);
    assert.equal(finalError(outcome.failures), 'all 2 attempts failed; last: libx265 with software failed: ffmpeg failed (exit code 1): the hardware encoder or decoder failed — Cannot load libcuda.so.1');
  });

  it('a fatal failure stops the chain; a cancel stops it without a failure', async () => {
    let calls = 0;
    const disk = await runWithFallback([nvencHw, sw], new AbortController().signal, async () => {
      calls++;
      throw new FfmpegError('exit', 'ffmpeg failed (exit code 1)', ['No space left on device']);
    }, () => undefined);
    assert.equal(calls, 1);
    assert.equal(disk.ok, false);

    const stop = new AbortController();
    const cancelled = await runWithFallback([nvencHw, sw], stop.signal, async () => {
      stop.abort();
      throw new FfmpegError('cancelled', 'cancelled', []);
    }, () => undefined);
    assert.deepEqual(cancelled, { ok: false, cancelled: true, failures: [] });
  });

  it('a single failure is reported without the count', () => {
    assert.equal(finalError([{ attempt: sw, summary: 's', message: 'm' }]), 'libx265 with software failed: m');
    assert.equal(finalError([]), 'no encoder could be tried');
  });
});
