/** The job model and the queue's typed events: the wire names are the contract's (jobs-api.md). */

export type JobStatus = 'pending' | 'running' | 'complete' | 'failed' | 'cancelled' | 'skipped';
export const JOB_STATUSES: readonly JobStatus[] = [
  'pending',
  'running',
  'complete',
  'failed',
  'cancelled',
  'skipped',
];
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  'complete',
  'failed',
  'cancelled',
  'skipped',
]);

/** `none` is software; the others are hardware families (upstream-behaviour §5.2). */
export type Accel = 'none' | 'nvenc' | 'qsv' | 'vaapi' | 'videotoolbox';
export type Codec = 'hevc' | 'av1';
export type SmartShrinkQuality = 'acceptable' | 'good' | 'excellent';

/**
 * A job exactly as clients see it. Optional fields are left out while unset; `started_at` and
 * `completed_at` are `null` while unset (D2).
 */
export interface Job {
  id: string;
  input_path: string;
  output_path?: string;
  temp_path?: string;
  preset_id: string;
  encoder: Accel;
  is_hardware: boolean;
  status: JobStatus;
  progress: number;
  speed: number;
  eta: string;
  error?: string;
  input_size: number;
  output_size?: number;
  space_saved?: number;
  duration_ms?: number;
  bitrate?: number;
  width?: number;
  height?: number;
  frame_rate?: number;
  video_codec?: string;
  profile?: string;
  bit_depth?: number;
  is_hdr?: boolean;
  color_transfer?: string;
  color_primaries?: string;
  color_space?: string;
  transcode_secs?: number;
  phase?: string;
  vmaf_score?: number;
  selected_crf?: number;
  quality_mod?: number;
  /** SmartShrink: encode-and-score rounds its search used (ours; upstream only logs the count). */
  analysis_rounds?: number;
  skip_reason?: string;
  smartshrink_quality?: string;
  /** The ffmpeg encoder that produced (or last tried to produce) the output, e.g. `libx265`. */
  encoder_name?: string;
  /** Why the job did not use its first encoder / decode path (D12); absent when nothing fell back. */
  fallback_reason?: string;
  /** Who runs (or ran) the job: `local`, or a remote worker's name (issue 12); absent while pending. */
  worker?: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export interface Stats {
  pending: number;
  running: number;
  complete: number;
  failed: number;
  cancelled: number;
  skipped: number;
  total: number;
  total_saved: number;
  session_saved: number;
  lifetime_saved: number;
}

type JobEventType =
  | 'added'
  | 'started'
  | 'progress'
  | 'complete'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  | 'requeued'
  | 'removed';

/** Events of the contract (SSE types), plus internal ones that mirrors may use. */
export type QueueEvent =
  | { type: JobEventType; job: Job }
  | { type: 'jobs_added'; count: number }
  | { type: 'discovery_progress'; probed: number; total: number }
  | { type: 'notify_sent' }
  /** Internal: pause flag changed. Not sent over SSE. */
  | { type: 'paused'; paused: boolean }
  /** Internal: worker count changed. Not sent over SSE. */
  | { type: 'workers'; workers: number }
  /** Internal: session/lifetime counters changed without a job event (reset-session). */
  | { type: 'stats' };

export const SSE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'added',
  'jobs_added',
  'discovery_progress',
  'started',
  'progress',
  'complete',
  'failed',
  'skipped',
  'cancelled',
  'requeued',
  'removed',
  'notify_sent',
]);
