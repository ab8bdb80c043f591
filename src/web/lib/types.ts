/** Wire shapes the panel reads (README "API", docs/jobs-api.md). Only what the panel uses. */

export type JobStatus = 'pending' | 'running' | 'complete' | 'failed' | 'cancelled' | 'skipped';
export const STATUSES: readonly JobStatus[] = ['pending', 'running', 'complete', 'failed', 'skipped', 'cancelled'];
export const FINISHED: ReadonlySet<JobStatus> = new Set(['complete', 'failed', 'skipped', 'cancelled']);

export interface Job {
  id: string;
  input_path: string;
  output_path?: string;
  preset_id: string;
  encoder: string;
  is_hardware: boolean;
  status: JobStatus;
  progress: number;
  speed: number;
  eta: string;
  error?: string;
  skip_reason?: string;
  input_size: number;
  output_size?: number;
  space_saved?: number;
  duration_ms?: number;
  width?: number;
  height?: number;
  video_codec?: string;
  bit_depth?: number;
  is_hdr?: boolean;
  transcode_secs?: number;
  phase?: string;
  vmaf_score?: number;
  selected_crf?: number;
  smartshrink_quality?: string;
  encoder_name?: string;
  fallback_reason?: string;
  /** `local` or the remote worker's name (issue 12). */
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
  session_saved: number;
  lifetime_saved: number;
}

export interface QueueState {
  paused: boolean;
  workers: number;
  running: string[];
}

export interface Preset {
  id: string;
  name: string;
  description: string;
  encoder: string;
  codec: string;
  is_smart_shrink: boolean;
}

export type CountsState = 'unknown' | 'ready' | 'stale' | 'error';

export interface VideoInfo {
  video_codec: string;
  audio_codec: string;
  width: number;
  height: number;
  duration_ms: number;
  bit_depth: number;
  is_hdr: boolean;
  is_hevc: boolean;
  is_av1: boolean;
  frame_rate: number;
}

export interface BrowseEntry {
  name: string;
  path: string;
  is_dir: boolean;
  size: number;
  video_info?: VideoInfo;
  file_count: number;
  total_size: number;
  counts_state?: CountsState;
  counts_error?: string;
}

export interface BrowseResult {
  path: string;
  parent?: string;
  entries: BrowseEntry[];
  video_count: number;
  total_size: number;
  counts_state: CountsState;
}

export interface DayTotal {
  date: string;
  saved: number;
  jobs: number;
}

export interface HistoryRange {
  days: number;
  total_saved: number;
  total_jobs: number;
  history: DayTotal[];
}
