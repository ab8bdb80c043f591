import type { Stats } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import type { Settings } from '../config/index.js';
import { buildTranscodeCommand, type TranscodeCommand } from '../ffmpeg/args.js';
import { type Attempt, describeAttempt, planAttempts } from '../ffmpeg/attempts.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { fallbackReason, finalError, runWithFallback } from '../ffmpeg/fallback.js';
import { destinationProblem, } from '../ffmpeg/finalize.js';
import { presetBase } from '../ffmpeg/presets.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { type VerifyExpectations, verifyOutput } from '../ffmpeg/verify.js';
import type { Logger } from '../log.js';
import type { ProbeMemo } from '../media/probe-memo.js';
import type { ProbeResult } from '../media/probe-parse.js';
import { resolveInsideRoots } from '../media/roots.js';
import type { SmartShrink } from '../smartshrink/service.js';
import type { FinalizeIntents } from './intents.js';
import type { Queue } from './queue.js';
import { skipReason } from './skip.js';
import { swapIntoPlace } from './swap.js';
import type { Job } from './types.js';

export interface ProcessorDeps {
  queue: Queue;
  settings: () => Settings;
  encoders: {
    best(codec: 'hevc' | 'av1'): EncoderInfo;
    available(): EncoderInfo[];
    /** Resolves when startup detection has finished; jobs wait so they do not start on a guess. */
    ready?(): Promise<void>;
  };
  log: Logger;
  /**
   * Called (synchronously) just before the new file is put in place. From then on the job can no
   * longer be stopped: the pool and the service leave it to finish (D11).
   */
  onFinalizing?: () => void;
  /** The discovery probe is reused when the file has not changed since. */
  probes: Pick<ProbeMemo, 'get'>;
  now?: () => number;
  /** This instance's tag for staging names (D20). */
  tag: string;
  /** Where finalize intents are recorded before a swap (D19). */
  intents?: Pick<FinalizeIntents, 'set' | 'delete'>;
  /** SmartShrink's analysis (issue 9); without it SmartShrink jobs fail as an unknown preset. */
  smartShrink?: Pick<SmartShrink, 'prepare'>;
}

/** Why a running job's signal was aborted; the pool decides what the queue does about it. */
export type StopReason = 'cancel' | 'requeue' | 'shutdown';

/**
 * Runs one job that the pool has already marked running: ffmpeg attempts down the fallback chain,
 * output checks, size check, then the safe finalize (D11). Never throws; every outcome is a queue
 * transition, except a stop, which leaves the job to the pool.
 */
export async function processJob(job: Job, tempPath: string, signal: AbortSignal, deps: ProcessorDeps): Promise<void> {
  const { queue, log } = deps;
  const removeTemp = () => unlink(tempPath).catch(() => undefined);
  try {
    await transcode(job, tempPath, signal, deps);
  } catch (error) {
    await removeTemp();
    if (signal.aborted) return;
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ job: job.id, path: job.input_path, err: message }, 'job failed');
    queue.fail(job.id, message);
  } finally {
    // A cancel, pause or shutdown returns early with ffmpeg's partial output still there.
    await removeTemp();
  }
}

async function transcode(job: Job, tempPath: string, signal: AbortSignal, deps: ProcessorDeps): Promise<void> {
  const { queue, log } = deps;
  const preset = presetBase(job.preset_id);
  if (!preset || (preset.is_smart_shrink && !deps.smartShrink)) throw new Error(`unknown preset: ${job.preset_id}`);
  const settings = deps.settings();
  const tools = { ffmpeg: settings.ffmpeg_path, ffprobe: settings.ffprobe_path };
  // D17 at the moment of touching the file: the roots may have changed since the job was queued,
  // or a folder may have been swapped for a symlink that leads elsewhere.
  const where = await resolveInsideRoots(job.input_path, settings.media_paths);
  if (!where.ok) throw new Error(`refusing to transcode ${job.input_path}: ${where.reason}`);
  if (where.path !== job.input_path) throw new Error(`refusing to transcode ${job.input_path}: it now leads to ${where.path}`);
  const source = await stat(job.input_path);
  const probe = await deps.probes.get(job.input_path, signal).catch((error: Error) => {
    throw new Error(`cannot read the input file: ${error.message}`);
  });
  if (!probe.video) throw new Error('the input file has no video stream');
  // The rules that applied when the job was queued are applied again: the file may have been
  // replaced since (by its own output after a crash, or by a download manager).
  const reason = skipReason(preset, { video_codec: probe.video.codec, height: probe.video.height }, settings.allow_same_codec);
  if (reason) {
    queue.skip(job.id, reason);
    return;
  }
  const taken = await destinationProblem(job.input_path, settings.output_format);
  if (taken) throw new Error(taken);
  if (deps.encoders.ready) await untilAborted(deps.encoders.ready(), signal);
  if (signal.aborted) return;

  const tonemapping = settings.tonemap_hdr && probe.video.is_hdr;
  let plan = planAttempts(deps.encoders.best(preset.codec), deps.encoders.available(), job, tonemapping);
  let quality = { quality: preset.codec === 'hevc' ? settings.quality_hevc : settings.quality_av1, qualityMod: 0 };
  if (preset.is_smart_shrink && deps.smartShrink) {
    // The analysis picks the quality, and the encoder that made its samples goes first (D12).
    const prepared = await deps.smartShrink.prepare({ job: queue.get(job.id) ?? job, preset, probe, size: source.size, plan, signal, queue });
    if (prepared.kind === 'stopped') return;
    if (prepared.kind === 'skip') return void queue.skip(job.id, prepared.reason);
    ({ plan, setting: quality } = prepared);
  }
  const command = (a: Attempt): TranscodeCommand =>
    buildTranscodeCommand({
      input: job.input_path,
      output: tempPath,
      encoder: a.encoder,
      maxHeight: preset.max_height,
      source: { ...job, height: probe.video?.height, bitrate: probe.bitrate },
      ...quality,
      softwareDecode: a.softwareDecode,
      tonemap: tonemapping ? { algorithm: settings.tonemap_algorithm } : null,
      outputFormat: settings.output_format,
      streams: streamsOf(probe),
    });
  const first = plan[0] && command(plan[0]);
  if (first && first.droppedSubtitleCodecs.length > 0) {
    log.info({ job: job.id, path: job.input_path, codecs: first.droppedSubtitleCodecs }, 'dropping subtitle streams MKV cannot hold');
  }

  const expectFor = (streams: TranscodeCommand['expectedStreams']): VerifyExpectations => ({
    durationMs: probe.duration_ms,
    audioStreams: probe.audio.length,
    subtitleStreams: streams?.subtitles ?? probe.subtitles.length,
    attachments: streams?.attachments,
  });
  let outputSize = 0;
  const outcome = await runWithFallback(
    plan,
    signal,
    async (attempt, failures) => {
      const { args, expectedStreams } = command(attempt);
      // The job shows the encoder now running, so after a fallback it names the one that made the output (D12).
      queue.patch(job.id, {
        encoder: attempt.encoder.accel,
        is_hardware: attempt.encoder.accel !== 'none',
        encoder_name: attempt.encoder.encoder,
        ...(failures.length > 0 ? { fallback_reason: fallbackReason(failures) } : {}),
      });
      // A new attempt starts from the beginning of the file: say so at once rather than let the bar sit.
      if (failures.length > 0) queue.progress(job.id, { progress: 0, speed: 0, eta: '' }, true);
      log.info({ job: job.id, attempt: describeAttempt(attempt), args }, 'running ffmpeg');
      await runFfmpeg({
        ffmpeg: tools.ffmpeg,
        args,
        signal,
        durationMs: probe.duration_ms,
        frameRate: probe.video?.frame_rate ?? 0,
        stallTimeoutMs: settings.stall_timeout_secs * 1000,
        ...(attempt.softwareDecode ? {} : { firstFrameTimeoutMs: settings.first_frame_timeout_secs * 1000 }),
        ...(deps.now ? { now: deps.now } : {}),
        onProgress: (u) => queue.progress(job.id, u),
      });
      // D11 checks belong to the attempt: a GPU encoder that writes a broken file falls back too.
      outputSize = (await verifyOutput(tools, tempPath, expectFor(expectedStreams), signal)).size;
    },
    async (failure) => {
      log.warn({ job: job.id, attempt: describeAttempt(failure.attempt), err: failure.message }, 'ffmpeg attempt failed');
      await unlink(tempPath).catch(() => undefined);
    },
  );
  if (!outcome.ok) {
    if (outcome.cancelled) return;
    throw new Error(finalError(outcome.failures));
  }
  if (outcome.failures.length > 0) {
    log.warn({ job: job.id, encoder: outcome.used.encoder.encoder, why: fallbackReason(outcome.failures) }, `job fell back to ${describeAttempt(outcome.used)}`);
  }

  await finish(job, tempPath, signal, deps, { size: outputSize, format: settings.output_format, source });
}

/** Waits for `promise`, or less if the job is stopped meanwhile. */
function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    promise.then(resolve, resolve);
  });
}

/** The size rule, then the safe swap, for an output that passed its checks. `format` is the temp file's. */
async function finish(job: Job, tempPath: string, signal: AbortSignal, deps: ProcessorDeps, o: { size: number; format: 'mkv' | 'mp4'; source: Stats }): Promise<void> {
  if (signal.aborted) return;
  await swapIntoPlace(
    job,
    { path: tempPath, size: o.size, format: o.format },
    o.source,
    { queue: deps.queue, log: deps.log, settings: deps.settings(), tag: deps.tag, intents: deps.intents },
    { stopped: () => signal.aborted, ...(deps.onFinalizing ? { finalizing: deps.onFinalizing } : {}) },
  );
}

/** The streams a command keeps besides video and audio (shared with the remote worker's encode). */
export function streamsOf(probe: ProbeResult) {
  return {
    subtitles: probe.subtitles.map((s) => ({ index: s.index, codec: s.codec })),
    attachments: probe.attachments.map((a) => a.index),
    firstVideoIndex: probe.video?.index,
  };
}
