import { execa } from 'execa';
import { dieWithUs } from '../util/child.js';
import { probeFile } from './probe.js';

/**
 * An output that failed the D11 checks. `fatal` when another encoder could not do better (the
 * source itself is shorter than it claims), so the fallback chain stops.
 */
export class OutputCheckError extends Error {
  readonly fatal: boolean;
  constructor(message: string, fatal = false) {
    super(message);
    this.name = 'OutputCheckError';
    this.fatal = fatal;
  }
}

export interface VerifyExpectations {
  durationMs: number;
  audioStreams: number;
  /** Subtitle streams the command mapped; null or absent = not checked. */
  subtitleStreams?: number | null | undefined;
  /** Attachments (fonts) the command mapped; absent = not checked. */
  attachments?: number | undefined;
}

/** Stream-count mismatches, one readable phrase each; empty when the output holds what was asked. */
export function streamCountProblems(got: { audio: number; subtitles: number; attachments: number }, expect: VerifyExpectations): string[] {
  const problems: string[] = [];
  const check = (what: string, have: number, want: number | null | undefined) => {
    if (want !== null && want !== undefined && have !== want) problems.push(`${have} ${what}, expected ${want}`);
  };
  check('audio streams', got.audio, expect.audioStreams);
  check('subtitle streams', got.subtitles, expect.subtitleStreams);
  check('attachments', got.attachments, expect.attachments);
  return problems;
}

/**
 * D11: the new file must have a video stream, a duration within max(2 s, 1 %) of the source, the
 * same number of audio streams, the subtitles and attachments the command kept, and an end that
 * decodes. Throws with the reason otherwise.
 */
export async function verifyOutput(tools: { ffmpeg: string; ffprobe: string }, path: string, expect: VerifyExpectations, signal: AbortSignal): Promise<{ size: number }> {
  // The probe and the tail decode are independent: run them together (it saves a process start).
  const tailRun = decodeTail(tools.ffmpeg, path, signal);
  const probe = await probeFile(tools.ffprobe, path, signal).catch(async (error: Error) => {
    await tailRun;
    throw new OutputCheckError(`output check failed: ${error.message}`);
  });
  const tail = await tailRun;
  if (!probe.video) throw new OutputCheckError('output check failed: the output has no video stream');
  if (expect.durationMs > 0) {
    const tolerance = Math.max(2000, expect.durationMs * 0.01);
    if (Math.abs(probe.duration_ms - expect.durationMs) > tolerance) {
      throw new OutputCheckError(`output check failed: the output lasts ${fmt(probe.duration_ms)}, the source ${fmt(expect.durationMs)} (is the source cut short or damaged?)`, true);
    }
  }
  const problems = streamCountProblems(
    { audio: probe.audio.length, subtitles: probe.subtitles.length, attachments: probe.attachments.length },
    expect,
  );
  if (problems.length > 0) throw new OutputCheckError(`output check failed: ${problems.join(', ')}`);
  const tailErrors = String(tail.stderr ?? '').trim();
  if (tail.failed) {
    const why = tailErrors.split('\n').slice(-2).join(' | ');
    throw new OutputCheckError(`output check failed: the end of the output does not decode${why ? ` (${why})` : ''}`);
  }
  // A file cut short (a full disk: ffmpeg 5 still exits 0) keeps the duration its header promised and
  // decodes "without error": nothing at all is decoded from its end. Count the frames.
  const frames = lastFrameCount(String(tail.stdout ?? ''));
  if (frames === 0 || /File ended prematurely|Truncat/i.test(tailErrors)) {
    throw new OutputCheckError('output check failed: the output is cut short (no frame decodes in its last seconds; was the disk full?)');
  }
  return { size: probe.size };
}

/** Decodes the last seconds: a truncated or broken tail shows up as an error here. */
function decodeTail(ffmpeg: string, path: string, signal: AbortSignal) {
  const [file, args] = dieWithUs(ffmpeg, ['-v', 'error', '-nostats', '-xerror', '-sseof', '-3', '-i', path, '-map', '0:v:0', '-f', 'null', '-progress', 'pipe:1', '-']);
  return execa(file, args, {
    reject: false,
    timeout: 120_000,
    cancelSignal: signal,
    stdin: 'ignore',
  });
}

/** The last `frame=N` of `-progress` output; undefined when there was none (then nothing is concluded). */
export function lastFrameCount(progress: string): number | undefined {
  const all = [...progress.matchAll(/^frame=(\d+)$/gm)];
  const last = all.at(-1);
  return last ? Number(last[1]) : undefined;
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
