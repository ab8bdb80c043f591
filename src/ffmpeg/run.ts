import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { dieWithUs } from '../util/child.js';
import { FfmpegError, isBannerLine } from './failure.js';
import { ProgressParser, type ProgressUpdate } from './progress.js';

export interface RunFfmpegOptions {
  ffmpeg: string;
  args: string[];
  signal: AbortSignal;
  durationMs: number;
  frameRate: number;
  onProgress: (update: ProgressUpdate) => void;
  /** Kill when no progress (frame/out_time) for this long (D13). */
  stallTimeoutMs: number;
  /** Kill when no first frame within this time (hardware decode only, D13). */
  firstFrameTimeoutMs?: number;
  now?: () => number;
}

const STDERR_LINES = 20;

/** Runs one ffmpeg attempt; resolves on exit 0, otherwise throws an FfmpegError with a readable message. */
export async function runFfmpeg(o: RunFfmpegOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const watchdog = new AbortController();
  const signal = AbortSignal.any([o.signal, watchdog.signal]);
  const [file, args] = dieWithUs(o.ffmpeg, o.args);
  const child = execa(file, args, {
    cancelSignal: signal,
    forceKillAfterDelay: 3000,
    killSignal: 'SIGKILL',
    stdin: 'ignore',
    buffer: false,
    reject: false,
  });
  const tail: string[] = [];
  const parser = new ProgressParser({ durationMs: o.durationMs, frameRate: o.frameRate, now });
  let lastAdvance = now();
  const marks = new Map<string, string>();
  let sawFrame = false;
  let best = 0;
  let stalled: string | undefined;

  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.trim() || isBannerLine(line)) return;
      tail.push(line);
      if (tail.length > STDERR_LINES) tail.shift();
    });
  }
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const update = parser.push(line);
      const [key = '', value = ''] = line.split('=', 2).map((part) => part.trim());
      // Each counter is compared with its own last value: ffmpeg repeats both while stuck.
      if ((key === 'frame' || key === 'out_time_us') && value !== '0' && value !== 'N/A' && marks.get(key) !== value) {
        marks.set(key, value);
        lastAdvance = now();
        if (key === 'frame') sawFrame = true;
      }
      if (update) {
        // Monotonic within an attempt: the frame-count estimate and out_time can disagree near the start.
        best = Math.max(best, update.progress);
        o.onProgress({ ...update, progress: best });
      }
    });
  }
  const started = now();
  const timer = setInterval(() => {
    const t = now();
    if (!sawFrame && o.firstFrameTimeoutMs !== undefined && t - started > o.firstFrameTimeoutMs) {
      stalled = `no first frame within ${Math.round(o.firstFrameTimeoutMs / 1000)} s`;
    } else if (t - lastAdvance > o.stallTimeoutMs) {
      stalled = `no progress for ${Math.round(o.stallTimeoutMs / 1000)} s`;
    }
    if (stalled) {
      clearInterval(timer);
      watchdog.abort(new Error(stalled));
    }
  }, Math.min(1000, Math.max(50, Math.floor(o.stallTimeoutMs / 10))));
  timer.unref();

  const result = await child.finally(() => clearInterval(timer));
  if (o.signal.aborted) throw new FfmpegError('cancelled', 'cancelled', []);
  if (stalled) throw new FfmpegError('stalled', `ffmpeg stalled (${stalled})`, tail);
  // ffmpeg 5 exits 0 when it could not write its trailer (a full disk): the file is cut short.
  if (!result.failed && tail.some((line) => /No space left on device|Disk quota exceeded|Error writing trailer|Error closing file|File too large/i.test(line))) {
    throw new FfmpegError('exit', 'ffmpeg could not finish writing the output', tail);
  }
  if (result.failed) {
    if (result.exitCode === undefined && result.signal) {
      // Nobody here sent it: the kernel's out-of-memory killer or an operator did.
      throw new FfmpegError('signal', `ffmpeg was killed by ${result.signal} (the out-of-memory killer or another process)`, tail);
    }
    if (result.exitCode === undefined) {
      throw new FfmpegError('spawn', `cannot run ffmpeg (${o.ffmpeg}): ${result.shortMessage ?? result.message}`, []);
    }
    const missing = tail.find((line) => line.startsWith('setpriv: failed to execute'));
    if (missing) throw new FfmpegError('spawn', `cannot run ffmpeg (${o.ffmpeg}): ${missing.replace(/^setpriv: failed to execute \S+: /, '')}`, []);
    throw new FfmpegError('exit', `ffmpeg failed (exit code ${result.exitCode})`, tail);
  }
}
