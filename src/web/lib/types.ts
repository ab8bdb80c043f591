/** Wire shapes the panel reads (README "API", docs/jobs-api.md). Only what the panel uses. */

// The server's own definitions (type-only: nothing of the server is bundled), so the panel cannot
// drift from what the API sends.
import type { JobStatus } from '../../jobs/types.js';

export type { Job, JobStatus, Stats } from '../../jobs/types.js';
export const STATUSES: readonly JobStatus[] = ['pending', 'running', 'complete', 'failed', 'skipped', 'cancelled'];
export const FINISHED: ReadonlySet<JobStatus> = new Set(['complete', 'failed', 'skipped', 'cancelled']);

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
