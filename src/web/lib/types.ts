/** Wire shapes the panel reads (README "API", docs/jobs-api.md). Only what the panel uses. */

// The server's own definitions (type-only: nothing of the server is bundled), so the panel cannot
// drift from what the API sends.
import type { Accel, Codec, JobStatus } from '../../jobs/types.js';

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

/**
 * GET /api/workers (src/remote/routes.ts). Mirrors `WorkerInfo` of src/remote/coordinator.ts, which
 * cannot be imported here: its imports bring Node's typings into the panel's typecheck
 * (test/e2e/panel-workers.test.ts fails to compile when the two drift apart).
 */
export interface WorkerInfo {
  name: string;
  online: boolean;
  version: string | null;
  encoders: Array<{ codec: Codec; encoder: string; accel: Accel; hardware: boolean }>;
  slots: number;
  free: number;
  path_maps: Array<{ coordinator: string; worker: string }>;
  running_jobs: string[];
  last_seen: string | null;
  /** Why the coordinator refuses this worker's asks (a version mismatch), when it does. */
  refused: string | null;
}

export interface WorkersState {
  remote_workers: boolean;
  /** The coordinator's link to the MQTT broker: `none` while no broker is known (no mqtt_url, no Mosquitto add-on yet). */
  broker: 'connected' | 'connecting' | 'none';
  local: { enabled: boolean; slots: number; running_jobs: string[] };
  workers: WorkerInfo[];
}
