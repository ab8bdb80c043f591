/**
 * One SmartShrink analysis (upstream-behaviour §6, issue 9): cut samples, search the setting whose
 * VMAF meets the tier (plus MARGIN), and predict the output size. Every process gets the job's
 * AbortSignal (pause, cancel, shutdown kill them at once) and the working folder is removed whatever
 * happens. The caller decides what the result means for the job.
 */

import { join } from 'node:path';
import type { Attempt } from '../ffmpeg/attempts.js';
import type { CommandRunner } from '../ffmpeg/command.js';
import { encoderSpec } from '../ffmpeg/encoders.js';
import type { VmafScorer } from '../ffmpeg/vmaf.js';
import type { Codec } from '../jobs/types.js';
import { MIN_DURATION_MS, samplePlan } from './plan.js';
import { type CutSample, cutSamples, encodeSample, joinSamples, type RunContext, SampleError, type ScoreOptions, scoreSample } from './samples.js';
import { MARGIN, scoringThreads, subsampleFor, TIERS, type Tier } from './scoring.js';
import { runSearch, SLOPE_BY_CODEC, type Tried } from './search.js';
import { makeWorkDir, removeWorkDir } from './workdir.js';

export const HDR_REASON = 'SmartShrink does not support HDR content. Use a Compress preset or tonemap to SDR first';
export const TOO_SHORT_REASON = 'Video too short for analysis';
export const OPTIMIZED_REASON = 'Already optimized';

export interface AnalysisSource {
  input: string;
  /** `-map` of the video stream to sample (`0:v:0`, or `0:<n>` when cover art comes first). */
  videoMap: string;
  durationMs: number;
  height?: number | undefined;
  frameRate?: number | undefined;
  isHdr?: boolean | undefined;
  /** Size of the whole source file in bytes. */
  size: number;
}

/** The setting one sample encode uses: a CRF/CQ/QP, or a VideoToolbox bitrate modifier. */
export interface Setting {
  quality: number;
  qualityMod: number;
}

export interface AnalysisDeps {
  /** The main ffmpeg: cuts and encodes. */
  ffmpeg: string;
  /** Null when scoring does not work (the job fails with the reason). */
  scorer: VmafScorer | null;
  /** Why scoring does not work, for the failure message. */
  scorerProblem?: string;
  /** The job's encoder attempts in order (D12); a failing encoder is replaced by the next. */
  plan: readonly Attempt[];
  /** The argv of one sample encode, built like the full job's (same encoder, options, decode path). */
  encodeArgs: (attempt: Attempt, input: string, output: string, setting: Setting) => string[];
  run: CommandRunner;
  signal: AbortSignal;
  /** Parent of the working folder, and the instance tag in its name. */
  tempDir: string;
  instance: string;
  cpus: number;
  timeoutMs: number;
  margin?: number;
  /** After each round (for the job's `analysis_rounds` and the log). */
  onRound?: (round: { round: number; value: number; score: number; encoder: string }) => void;
  /** When an encoder failed and the next one takes over (D12). */
  onFallback?: (failure: AnalysisFailure) => void;
}

export interface AnalysisFailure {
  attempt: Attempt;
  message: string;
}

export type AnalysisResult =
  | {
      kind: 'ok';
      mode: 'crf' | 'mod';
      /** The chosen CRF or modifier. */
      value: number;
      /** Mean sample VMAF at that setting. */
      score: number;
      rounds: number;
      /** Index in `plan` of the encoder that produced the samples: the full encode starts there. */
      attemptIndex: number;
      failures: AnalysisFailure[];
      /** Predicted size of the output (video scaled by the samples' ratio, other streams as they are). */
      predictedBytes: number;
      tried: Tried[];
    }
  | { kind: 'skip'; reason: string; rounds: number };

export class AnalysisError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`VMAF analysis failed: ${message}`, options);
    this.name = 'AnalysisError';
  }
}

/** Skips decided from the probe alone, before an analysis slot is taken (§6.1). */
export function gateSkip(source: Pick<AnalysisSource, 'isHdr' | 'durationMs'>): string | undefined {
  if (source.isHdr) return HDR_REASON;
  if (!(source.durationMs >= MIN_DURATION_MS)) return TOO_SHORT_REASON;
  return undefined;
}

export async function analyze(source: AnalysisSource, tier: Tier, codec: Codec, d: AnalysisDeps): Promise<AnalysisResult> {
  const skip = gateSkip(source);
  if (skip) return { kind: 'skip', reason: skip, rounds: 0 };
  if (!d.scorer) throw new AnalysisError(`VMAF not available${d.scorerProblem ? ` (${d.scorerProblem})` : ''}`);
  const scorer = d.scorer;
  const plan = samplePlan(source.durationMs);
  // An unknown or absurd rate (a still image stream reports 90000) counts as film.
  const frameRate = source.frameRate && source.frameRate > 0 && source.frameRate <= 240 ? source.frameRate : 24;
  // A hung encoder or scorer is killed, but a slow one is not: the reel is encoded at 1/200 of real
  // time or better even by x265 on a small CPU at 4K.
  const reelMs = plan.reduce((a, s) => a + s.lengthMs, 0);
  const ctx: RunContext = { run: d.run, signal: d.signal, timeoutMs: Math.max(d.timeoutMs, reelMs * 200) };
  const dir = await makeWorkDir(d.tempDir, d.instance);
  try {
    let samples: CutSample[];
    try {
      samples = await cutSamples(d.ffmpeg, source.input, source.videoMap, plan, frameRate, dir, ctx);
    } catch (error) {
      throw wrap(error, 'extracting samples', d.signal);
    }
    let reel: { path: string; bytes: number };
    try {
      reel = await joinSamples(d.ffmpeg, samples, dir, ctx);
    } catch (error) {
      throw wrap(error, 'extracting samples', d.signal);
    }
    const framesPerSample = ((plan[0]?.lengthMs ?? 0) / 1000) * frameRate;
    const scoring = { scorer, height: source.height, threads: scoringThreads(d.cpus), subsample: subsampleFor(framesPerSample, scorer.subsample) };
    const threshold = TIERS[tier] + (d.margin ?? MARGIN);
    const failures: AnalysisFailure[] = [];
    let rounds = 0;
    for (const [attemptIndex, attempt] of d.plan.entries()) {
      const spec = encoderSpec(attempt.encoder.accel, codec);
      const mode = spec.qualityFlag === '-b:v' ? 'mod' : 'crf';
      const bytesAt = new Map<number, number>();
      try {
        const search = await runSearch(mode, { ...spec.qualityRange, threshold, slope: SLOPE_BY_CODEC[codec] }, async (value) => {
          const setting = mode === 'crf' ? { quality: value, qualityMod: 0 } : { quality: 0, qualityMod: value };
          const label = mode === 'crf' ? `CRF ${value}` : `modifier ${value.toFixed(3)}`;
          const round = await scoreRound(reel.path, attempt, setting, label, { d, ctx, scoring, dir });
          rounds += 1;
          bytesAt.set(value, round.bytes);
          d.onRound?.({ round: rounds, value, score: round.score, encoder: attempt.encoder.encoder });
          return round.score;
        });
        if (!search.result) return { kind: 'skip', reason: OPTIMIZED_REASON, rounds };
        const encoded = bytesAt.get(search.result.value) ?? 0;
        return {
          kind: 'ok',
          mode,
          value: search.result.value,
          score: search.result.score,
          rounds,
          attemptIndex,
          failures,
          predictedBytes: predictSize(source, [{ lengthMs: samples.reduce((a, s) => a + s.lengthMs, 0), bytes: reel.bytes }], encoded),
          tried: search.tried,
        };
      } catch (error) {
        if (d.signal.aborted) throw d.signal.reason ?? error;
        if (!(error instanceof SampleError) || !error.encoderFault) throw wrap(error, 'search', d.signal);
        const failure = { attempt, message: error.message };
        failures.push(failure);
        d.onFallback?.(failure);
      }
    }
    throw new AnalysisError(`search: every encoder failed; last: ${failures.at(-1)?.message ?? 'none tried'}`);
  } finally {
    await removeWorkDir(dir).catch(() => undefined);
  }
}

interface RoundContext {
  d: AnalysisDeps;
  ctx: RunContext;
  scoring: ScoreOptions;
  dir: string;
}

/**
 * Encodes the reel at one setting and scores it, every frame paired with its source frame: the mean
 * over the reel is the mean of the samples (they are equally long). libvmaf spreads the work over
 * the CPUs (`n_threads`), so one scorer uses the machine like upstream's 3 parallel ones did.
 */
async function scoreRound(reel: string, attempt: Attempt, setting: Setting, label: string, r: RoundContext): Promise<{ score: number; bytes: number }> {
  const out = join(r.dir, 'reel.encoded.mkv');
  const bytes = await encodeSample(r.d.ffmpeg, r.d.encodeArgs(attempt, reel, out, setting), out, `the samples at ${label}`, r.ctx);
  const score = await scoreSample(out, reel, `the samples at ${label}`, r.scoring, r.ctx);
  return { score, bytes };
}

/** Output size: the video scaled by what the samples shrank to, every other stream kept as it is. */
export function predictSize(source: Pick<AnalysisSource, 'durationMs' | 'size'>, samples: readonly Pick<CutSample, 'lengthMs' | 'bytes'>[], encodedBytes: number): number {
  const sampleBytes = samples.reduce((a, s) => a + s.bytes, 0);
  const sampleMs = samples.reduce((a, s) => a + s.lengthMs, 0);
  if (sampleBytes <= 0 || sampleMs <= 0) return source.size;
  const video = Math.min(source.size, (sampleBytes / sampleMs) * source.durationMs);
  return Math.round(source.size - video + video * (encodedBytes / sampleBytes));
}

function wrap(error: unknown, what: string, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof AnalysisError) return error;
  return new AnalysisError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
