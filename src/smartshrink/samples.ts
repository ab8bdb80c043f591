/** Cutting, encoding and scoring samples: the process-running half of the analysis. */

import { stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandResult, CommandRunner } from '../ffmpeg/command.js';
import { lastLine } from '../ffmpeg/detect-plan.js';
import { parseVmafScore, type VmafScorer, vmafArgs, vmafFilter } from '../ffmpeg/vmaf.js';
import { vmafProblem } from '../ffmpeg/vmaf-detect.js';
import type { Sample } from './plan.js';

/** A sample cut from the source (the reference every encode of it is scored against). */
export interface CutSample extends Sample {
  path: string;
  bytes: number;
}

export interface RunContext {
  run: CommandRunner;
  signal: AbortSignal;
  /** Per command; a hung encoder or scorer is killed after it. */
  timeoutMs: number;
}

export class SampleError extends Error {
  constructor(
    message: string,
    /** Whether a different encoder could do better (the encode failed, not the cut or the scoring). */
    readonly encoderFault: boolean,
  ) {
    super(message);
    this.name = 'SampleError';
  }
}

const why = (r: CommandResult): string => (r.timedOut ? 'timed out' : lastLine(r.stderr) || 'failed');
const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * Stream-copies each sample (no quality loss, and the sample keeps the source's codec, so its encode
 * decodes exactly like the full job's, hardware included), one after another. A stream copy starts
 * on the keyframe before the requested time, so the sample is counted in frames from there
 * (`-t` would count from the requested time and take everything since the keyframe, up to a
 * keyframe interval more than planned).
 */
export async function cutSamples(ffmpeg: string, input: string, videoMap: string, plan: readonly Sample[], frameRate: number, dir: string, ctx: RunContext): Promise<CutSample[]> {
  const out: CutSample[] = [];
  for (const [i, s] of plan.entries()) {
    const path = join(dir, `sample_${i}.mkv`);
    const frames = String(Math.max(1, Math.round((s.lengthMs / 1000) * frameRate)));
    const args = ['-hide_banner', '-nostdin', '-v', 'error', '-ss', seconds(s.startMs), '-i', input, '-map', videoMap, '-frames:v', frames, '-c:v', 'copy', '-an', '-sn', '-dn', '-avoid_negative_ts', 'make_zero', '-y', path];
    const r = await ctx.run(ffmpeg, args, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
    const bytes = r.ok ? await stat(path).then((st) => st.size, () => 0) : 0;
    if (!r.ok || bytes === 0) throw new SampleError(`cutting sample ${i} at ${seconds(s.startMs)} s: ${r.ok ? 'the sample is empty' : why(r)}`, false);
    out.push({ ...s, path, bytes });
  }
  return out;
}

/**
 * Joins the cuts into one reel (concat demuxer, stream copy), so that each round is one encode and
 * one scoring however many samples there are: an encoder's start-up (x265's lookahead, a GPU
 * session) is paid once per round, not once per sample. The cuts are removed afterwards.
 */
export async function joinSamples(ffmpeg: string, samples: readonly CutSample[], dir: string, ctx: RunContext): Promise<{ path: string; bytes: number }> {
  const list = join(dir, 'samples.txt');
  // Our own names in our own folder: nothing to quote.
  await writeFile(list, samples.map((s) => `file '${s.path}'`).join('\n'));
  const path = join(dir, 'reel.mkv');
  const r = await ctx.run(ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-c', 'copy', '-y', path], { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
  const bytes = r.ok ? await stat(path).then((st) => st.size, () => 0) : 0;
  if (!r.ok || bytes === 0) throw new SampleError(`joining the samples: ${r.ok ? 'the reel is empty' : why(r)}`, false);
  await Promise.all([list, ...samples.map((s) => s.path)].map((f) => unlink(f).catch(() => undefined)));
  return { path, bytes };
}

/** Encodes one sample with the argv the caller built (the job's own encoder and options); returns its size. */
export async function encodeSample(ffmpeg: string, args: readonly string[], output: string, label: string, ctx: RunContext): Promise<number> {
  const r = await ctx.run(ffmpeg, args, { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
  const bytes = r.ok ? await stat(output).then((st) => st.size, () => 0) : 0;
  if (!r.ok || bytes === 0) throw new SampleError(`encoding ${label}: ${r.ok ? 'the encoder wrote nothing' : why(r)}`, true);
  return bytes;
}

export interface ScoreOptions {
  scorer: VmafScorer;
  height: number | undefined;
  threads: number;
  subsample: number;
}

/** Scores an encoded reel against the reel; the encoded file is removed afterwards (disk stays small). */
export async function scoreSample(distorted: string, reference: string, label: string, o: ScoreOptions, ctx: RunContext): Promise<number> {
  const filter = vmafFilter({ height: o.height, threads: o.threads, subsample: o.subsample, modelOption: o.scorer.modelOption });
  try {
    const r = await ctx.run(o.scorer.ffmpeg, vmafArgs({ distorted, reference, filter, threads: o.threads }), { timeoutMs: ctx.timeoutMs, signal: ctx.signal });
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
    // libvmaf 1.x reports a failure on stdout and still exits 0: no score is the failure.
    const score = parseVmafScore(`${r.stdout}\n${r.stderr}`);
    if (score === undefined) throw new SampleError(`scoring ${label}: ${r.timedOut ? 'timed out' : vmafProblem(`${r.stdout}\n${r.stderr}`)}`, false);
    return score;
  } finally {
    await unlink(distorted).catch(() => undefined);
  }
}
