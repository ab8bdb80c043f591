/**
 * The worker's encode: the local pipeline's building blocks (plan, command, fallback chain, ffmpeg
 * run, D11 output checks) on the worker's own view of the file, writing only to its own temp
 * folder. It never touches the media folder: staging is the caller's, the swap the coordinator's.
 */
import { stat, unlink } from 'node:fs/promises';
import { buildTranscodeCommand, type TranscodeCommand } from '../ffmpeg/args.js';
import { type Attempt, describeAttempt, planAttempts } from '../ffmpeg/attempts.js';
import type { EncoderInfo } from '../ffmpeg/encoders.js';
import { fallbackReason, finalError, runWithFallback } from '../ffmpeg/fallback.js';
import { presetBase } from '../ffmpeg/presets.js';
import { probeFile } from '../ffmpeg/probe.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { type VerifyExpectations, verifyOutput } from '../ffmpeg/verify.js';
import { newJob } from '../jobs/job.js';
import { streamsOf } from '../jobs/processor.js';
import { skipReason } from '../jobs/skip.js';
import type { Accel } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { resolveInsideRoots } from '../media/roots.js';
import type { AssignSettings } from './protocol.js';

export interface EncodeRequest {
  jobId: string;
  /** The source in the worker's namespace. */
  input: string;
  presetId: string;
  settings: AssignSettings;
  temp: string;
}

export interface EncodeDeps {
  ffmpeg: string;
  ffprobe: string;
  /** The worker's side of its path maps: nothing outside them is read (D17 on the worker). */
  roots: readonly string[];
  encoders: { best(codec: 'hevc' | 'av1'): EncoderInfo; available(): EncoderInfo[]; ready(): Promise<void> };
  log: Logger;
  onAttempt: (a: { encoder: Accel; encoder_name: string; is_hardware: boolean; fallback_reason?: string }) => void;
  onProgress: (u: { progress: number; speed: number; eta: string }) => void;
}

export type EncodeOutcome =
  | { kind: 'encoded'; size: number; expect: VerifyExpectations }
  | { kind: 'skip'; reason: string }
  | { kind: 'stopped' };

/** Throws a readable Error on failure; removes its temp file on every path but success. */
export async function encodeForCoordinator(r: EncodeRequest, signal: AbortSignal, d: EncodeDeps): Promise<EncodeOutcome> {
  try {
    const outcome = await encode(r, signal, d);
    if (outcome.kind !== 'encoded') await unlink(r.temp).catch(() => undefined);
    return outcome;
  } catch (error) {
    await unlink(r.temp).catch(() => undefined);
    if (signal.aborted) return { kind: 'stopped' };
    throw error;
  }
}

async function encode(r: EncodeRequest, signal: AbortSignal, d: EncodeDeps): Promise<EncodeOutcome> {
  const preset = presetBase(r.presetId);
  if (!preset || preset.is_smart_shrink) throw new Error(`unknown preset on this worker: ${r.presetId}`);
  const where = await resolveInsideRoots(r.input, d.roots);
  if (!where.ok) throw new Error(`the worker cannot use ${r.input}: ${where.reason}`);
  const source = await stat(where.path);
  const probe = await probeFile(d.ffprobe, where.path, signal).catch((error: Error) => {
    throw new Error(`cannot read the input file: ${error.message}`);
  });
  if (!probe.video) throw new Error('the input file has no video stream');
  const s = r.settings;
  const reason = skipReason(preset, { video_codec: probe.video.codec, height: probe.video.height }, s.allow_same_codec);
  if (reason) return { kind: 'skip', reason };
  await d.encoders.ready();
  if (signal.aborted) return { kind: 'stopped' };
  const job = newJob({ id: r.jobId, path: where.path, presetId: preset.id, encoder: 'none', probe, now: new Date() });
  const tonemapping = s.tonemap_hdr && probe.video.is_hdr;
  const plan = planAttempts(d.encoders.best(preset.codec), d.encoders.available(), job, tonemapping);
  const command = (a: Attempt): TranscodeCommand =>
    buildTranscodeCommand({
      input: where.path,
      output: r.temp,
      encoder: a.encoder,
      maxHeight: preset.max_height,
      source: { ...job, height: probe.video?.height, bitrate: probe.bitrate },
      quality: preset.codec === 'hevc' ? s.quality_hevc : s.quality_av1,
      qualityMod: 0,
      softwareDecode: a.softwareDecode,
      tonemap: tonemapping ? { algorithm: s.tonemap_algorithm } : null,
      outputFormat: s.output_format,
      streams: streamsOf(probe),
    });
  const expectFor = (streams: TranscodeCommand['expectedStreams']): VerifyExpectations => ({
    durationMs: probe.duration_ms,
    audioStreams: probe.audio.length,
    subtitleStreams: streams?.subtitles ?? probe.subtitles.length,
    attachments: streams?.attachments,
  });
  let result: { size: number; expect: VerifyExpectations } | undefined;
  const tools = { ffmpeg: d.ffmpeg, ffprobe: d.ffprobe };
  const outcome = await runWithFallback(
    plan,
    signal,
    async (attempt, failures) => {
      const { args, expectedStreams } = command(attempt);
      d.onAttempt({
        encoder: attempt.encoder.accel,
        encoder_name: attempt.encoder.encoder,
        is_hardware: attempt.encoder.accel !== 'none',
        ...(failures.length > 0 ? { fallback_reason: fallbackReason(failures) } : {}),
      });
      d.log.info({ job: r.jobId, attempt: describeAttempt(attempt), args }, 'running ffmpeg');
      await runFfmpeg({
        ffmpeg: d.ffmpeg,
        args,
        signal,
        durationMs: probe.duration_ms,
        frameRate: probe.video?.frame_rate ?? 0,
        stallTimeoutMs: s.stall_timeout_secs * 1000,
        ...(attempt.softwareDecode ? {} : { firstFrameTimeoutMs: s.first_frame_timeout_secs * 1000 }),
        onProgress: (u) => d.onProgress(u),
      });
      const expect = expectFor(expectedStreams);
      result = { size: (await verifyOutput(tools, r.temp, expect, signal)).size, expect };
    },
    async (failure) => {
      d.log.warn({ job: r.jobId, attempt: describeAttempt(failure.attempt), err: failure.message }, 'ffmpeg attempt failed');
      await unlink(r.temp).catch(() => undefined);
    },
  );
  if (!outcome.ok) {
    if (outcome.cancelled) return { kind: 'stopped' };
    throw new Error(finalError(outcome.failures));
  }
  if (!result) throw new Error('internal error: no output recorded');
  // The source must not change under the encode (a download manager's upgrade): say so plainly.
  const after = await stat(where.path);
  if (after.ino !== source.ino || after.size !== source.size || after.mtimeMs !== source.mtimeMs) {
    throw new Error('the source file changed while it was being transcoded; nothing was replaced (retry the job to transcode the new file)');
  }
  return { kind: 'encoded', ...result };
}
