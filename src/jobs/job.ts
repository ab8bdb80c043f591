import type { ProbeResult } from '../media/probe-parse.js';
import type { Accel, Job } from './types.js';

/** `<unix ms>-<counter>`: sortable by creation, unique across restarts. */
export function createIdFactory(clock: () => Date): () => string {
  let counter = 0;
  let lastMs = 0;
  return () => {
    const ms = clock().getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      counter = 0;
    }
    counter += 1;
    return `${ms}-${counter}`;
  };
}

export function newJob(input: {
  id: string;
  path: string;
  presetId: string;
  encoder: Accel;
  probe: ProbeResult;
  now: Date;
  smartshrinkQuality?: string | undefined;
}): Job {
  const { probe } = input;
  const job: Job = {
    id: input.id,
    input_path: input.path,
    preset_id: input.presetId,
    encoder: input.encoder,
    is_hardware: input.encoder !== 'none',
    status: 'pending',
    progress: 0,
    speed: 0,
    eta: '',
    input_size: probe.size,
    created_at: input.now.toISOString(),
    started_at: null,
    completed_at: null,
  };
  if (probe.duration_ms > 0) job.duration_ms = probe.duration_ms;
  if (probe.bitrate > 0) job.bitrate = probe.bitrate;
  const v = probe.video;
  if (v) {
    if (v.width > 0) job.width = v.width;
    if (v.height > 0) job.height = v.height;
    if (v.frame_rate > 0) job.frame_rate = v.frame_rate;
    if (v.codec) job.video_codec = v.codec;
    if (v.profile) job.profile = v.profile;
    job.bit_depth = v.bit_depth;
    job.is_hdr = v.is_hdr;
    if (v.color_transfer) job.color_transfer = v.color_transfer;
    if (v.color_primaries) job.color_primaries = v.color_primaries;
    if (v.color_space) job.color_space = v.color_space;
  }
  if (input.smartshrinkQuality) job.smartshrink_quality = input.smartshrinkQuality;
  return job;
}
