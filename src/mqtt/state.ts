/** Pure projections from the queue's read side to the JSON published on our retained state topics. */
import { basename } from 'node:path';
import type { Job, Stats } from '../jobs/types.js';

export interface EncoderInfo {
  best: string;
  hevc: string;
  av1: string;
  is_hardware: boolean;
}

/** `<base>/state` */
export interface QueueStatePayload {
  paused: boolean;
  workers: number;
  transcoding: boolean;
  pending: number;
  running: number;
  complete: number;
  failed: number;
  cancelled: number;
  skipped: number;
  total: number;
  /** Bytes. */
  session_saved: number;
  lifetime_saved: number;
  total_saved: number;
  /** The same in GB (10^9 bytes), 3 decimals: what the data_size sensors show. */
  session_saved_gb: number;
  lifetime_saved_gb: number;
}

/** `<base>/job/current`: the first running job; every field null while idle. */
export interface CurrentJobPayload {
  /** Not `state`: Home Assistant blocks that attribute name. */
  status: 'idle' | 'transcoding';
  running_jobs: number;
  id: string | null;
  file: string | null;
  path: string | null;
  preset_id: string | null;
  progress: number | null;
  speed: number | null;
  eta: string | null;
  eta_seconds: number | null;
  phase: string | null;
  encoder: string | null;
  acceleration: 'hardware' | 'software' | null;
  started_at: string | null;
  /** Other running jobs, short form, so one entity can show them all as attributes. */
  others: { id: string; file: string; progress: number }[];
}

/** `<base>/encoder` */
export interface EncoderPayload extends EncoderInfo {
  acceleration: 'hardware' | 'software';
}

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

const toGb = (bytes: number): number => round(bytes / 1e9, 3);

export function projectQueueState(
  stats: Stats,
  paused: boolean,
  workers: number,
): QueueStatePayload {
  return {
    paused,
    workers,
    transcoding: stats.running > 0,
    pending: stats.pending,
    running: stats.running,
    complete: stats.complete,
    failed: stats.failed,
    cancelled: stats.cancelled,
    skipped: stats.skipped,
    total: stats.total,
    session_saved: stats.session_saved,
    lifetime_saved: stats.lifetime_saved,
    total_saved: stats.total_saved,
    session_saved_gb: toGb(stats.session_saved),
    lifetime_saved_gb: toGb(stats.lifetime_saved),
  };
}

/**
 * Seconds in an upstream ETA string (`"1h 5m"`, `"4m 10s"`, `"9s"`); null when empty or unreadable.
 */
export function parseEta(eta: string): number | null {
  const text = eta.trim();
  if (text === '') return null;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)\s*([hms])\s*/;
  while (rest !== '') {
    const match = part.exec(rest);
    const unit = match?.[2];
    if (!match || unit === undefined) return null;
    total += Number(match[1]) * (units[unit] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return Math.round(total);
}

/** The ffmpeg encoder name when known (`hevc_nvenc`), else the acceleration family (`nvenc`, `none`). */
function encoderLabel(job: Job): string {
  return job.encoder_name ?? job.encoder;
}

export function projectCurrentJob(running: readonly Job[]): CurrentJobPayload {
  const [job, ...rest] = running;
  const others = rest.map((other) => ({
    id: other.id,
    file: basename(other.input_path),
    progress: round(other.progress, 1),
  }));
  if (!job) {
    return {
      status: 'idle',
      running_jobs: 0,
      id: null,
      file: null,
      path: null,
      preset_id: null,
      progress: null,
      speed: null,
      eta: null,
      eta_seconds: null,
      phase: null,
      encoder: null,
      acceleration: null,
      started_at: null,
      others,
    };
  }
  return {
    status: 'transcoding',
    running_jobs: running.length,
    id: job.id,
    file: basename(job.input_path),
    path: job.input_path,
    preset_id: job.preset_id,
    progress: round(job.progress, 1),
    speed: round(job.speed, 2),
    eta: job.eta === '' ? null : job.eta,
    eta_seconds: parseEta(job.eta),
    phase: job.phase === undefined || job.phase === '' ? null : job.phase,
    encoder: encoderLabel(job),
    acceleration: job.is_hardware ? 'hardware' : 'software',
    started_at: job.started_at,
    others,
  };
}

export function projectEncoder(info: EncoderInfo): EncoderPayload {
  return {
    best: info.best,
    hevc: info.hevc,
    av1: info.av1,
    is_hardware: info.is_hardware,
    acceleration: info.is_hardware ? 'hardware' : 'software',
  };
}
