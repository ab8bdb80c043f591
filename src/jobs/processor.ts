import { unlink } from 'node:fs/promises';
import type { Settings } from '../config/index.js';
import { buildTranscodeCommand } from '../ffmpeg/args.js';
import { type Attempt, describeAttempt, planAttempts } from '../ffmpeg/attempts.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { FfmpegError } from '../ffmpeg/failure.js';
import { finalizeOutput } from '../ffmpeg/finalize.js';
import { presetBase } from '../ffmpeg/presets.js';
import { probeFile } from '../ffmpeg/probe.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { verifyOutput } from '../ffmpeg/verify.js';
import type { Logger } from '../log.js';
import type { ProbeResult } from '../media/probe-parse.js';
import { formatBytes } from '../util/format.js';
import type { Queue } from './queue.js';
import type { Job } from './types.js';

export interface ProcessorDeps {
  queue: Queue;
  settings: () => Settings;
  encoders: { best(codec: 'hevc' | 'av1'): EncoderInfo; available(): EncoderInfo[] };
  log: Logger;
  now?: () => number;
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
    if (signal.aborted) return;
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ job: job.id, path: job.input_path, err: message }, 'job failed');
    queue.fail(job.id, message);
  } finally {
    // Whatever happened (done, failed, stopped), no temp file outlives the job. After a finalize
    // the temp file has been moved away, so this finds nothing.
    await removeTemp();
  }
}

async function transcode(job: Job, tempPath: string, signal: AbortSignal, deps: ProcessorDeps): Promise<void> {
  const { queue, log } = deps;
  const preset = presetBase(job.preset_id);
  if (!preset || preset.is_smart_shrink) throw new Error(`unknown preset: ${job.preset_id}`);
  const settings = deps.settings();
  const tools = { ffmpeg: settings.ffmpeg_path, ffprobe: settings.ffprobe_path };
  const probe = await probeFile(tools.ffprobe, job.input_path, signal).catch((error: Error) => {
    throw new Error(`cannot read the input file: ${error.message}`);
  });
  if (!probe.video) throw new Error('the input file has no video stream');

  const tonemapping = settings.tonemap_hdr && probe.video.is_hdr;
  const best = deps.encoders.best(preset.codec);
  const attempts = planAttempts(best, deps.encoders.available(), job, tonemapping);
  const quality = preset.codec === 'hevc' ? settings.quality_hevc : settings.quality_av1;
  const failures: string[] = [];
  let used: Attempt | undefined;

  for (const attempt of attempts) {
    if (signal.aborted) return;
    const { args, droppedSubtitleCodecs } = buildTranscodeCommand({
      input: job.input_path,
      output: tempPath,
      encoder: attempt.encoder,
      maxHeight: preset.max_height,
      source: { ...job, height: probe.video.height, bitrate: probe.bitrate },
      quality,
      qualityMod: 0,
      softwareDecode: attempt.softwareDecode,
      tonemap: tonemapping ? { algorithm: settings.tonemap_algorithm } : null,
      outputFormat: settings.output_format,
      streams: streamsOf(probe),
    });
    if (droppedSubtitleCodecs.length > 0) {
      log.info({ job: job.id, codecs: droppedSubtitleCodecs }, 'dropping subtitle streams MKV cannot hold');
    }
    const fields = {
      encoder: attempt.encoder.accel,
      is_hardware: attempt.encoder.accel !== 'none',
      encoder_name: attempt.encoder.encoder,
      ...(failures.length > 0 ? { fallback_reason: failures.join('; ') } : {}),
    };
    queue.patch(job.id, fields);
    if (failures.length > 0) queue.progress(job.id, { progress: 0, speed: 0, eta: '' }, true);
    log.info({ job: job.id, attempt: describeAttempt(attempt), args }, 'running ffmpeg');
    try {
      await runFfmpeg({
        ffmpeg: tools.ffmpeg,
        args,
        signal,
        durationMs: probe.duration_ms,
        frameRate: probe.video.frame_rate,
        stallTimeoutMs: settings.stall_timeout_secs * 1000,
        ...(attempt.softwareDecode ? {} : { firstFrameTimeoutMs: settings.first_frame_timeout_secs * 1000 }),
        ...(deps.now ? { now: deps.now } : {}),
        onProgress: (u) => queue.progress(job.id, u),
      });
      used = attempt;
      break;
    } catch (error) {
      if (signal.aborted || (error instanceof FfmpegError && error.kind === 'cancelled')) return;
      const message = (error as Error).message;
      failures.push(`${describeAttempt(attempt)} failed: ${message}`);
      log.warn({ job: job.id, attempt: describeAttempt(attempt), err: message }, 'ffmpeg attempt failed');
      await unlink(tempPath).catch(() => undefined);
    }
  }
  if (!used) {
    const last = failures[failures.length - 1] ?? 'no encoder could be tried';
    throw new Error(failures.length > 1 ? `all ${failures.length} attempts failed; last: ${last}` : last);
  }
  if (failures.length > 0) log.warn({ job: job.id, encoder: used.encoder.encoder, why: failures }, 'job fell back to another encoder');

  const { size } = await verifyOutput(tools, tempPath, { durationMs: probe.duration_ms, audioStreams: probe.audio.length }, signal);
  if (signal.aborted) return;
  // Settings read at finalize time, so a change made while the job ran applies (upstream §5.14).
  const now = deps.settings();
  if (size >= job.input_size && !now.keep_larger_files) {
    await unlink(tempPath).catch(() => undefined);
    queue.skip(job.id, `Output larger than original (${formatBytes(size)} > ${formatBytes(job.input_size)})`);
    return;
  }
  const result = await finalizeOutput({ input: job.input_path, temp: tempPath, format: settings.output_format, handling: now.original_handling });
  // The file is in place: report it even if a stop raced with the last rename.
  queue.complete(job.id, { output_path: result.outputPath, output_size: result.size });
  log.info({ job: job.id, output: result.outputPath, saved: job.input_size - result.size }, 'job complete');
}

function streamsOf(probe: ProbeResult) {
  return {
    subtitles: probe.subtitles.map((s) => ({ index: s.index, codec: s.codec })),
    attachments: probe.attachments.map((a) => a.index),
    firstVideoIndex: probe.video?.index,
  };
}
