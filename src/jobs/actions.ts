import type { Job, QueueEvent, Stats } from './types.js';

/**
 * Everything a client may do to the queue. REST and MQTT both call these, so validation and error
 * messages are the same everywhere (D18). Failures throw AppError (status 400/404/409).
 */
export interface QueueActions {
  /** Validates like POST /api/jobs (D3) and starts discovery in the background. */
  createJobs(body: unknown): Promise<{ status: 'processing'; message: string; paths: string[] }>;
  cancel(id: string): Promise<{ status: 'cancelled'; job: Job }>;
  /** Removes one job in a terminal state (emits `removed`). */
  remove(id: string): Promise<{ removed: true }>;
  retry(id: string): Promise<Job>;
  /** Retries every failed job; returns the new jobs. */
  retryFailed(): Promise<Job[]>;
  clear(status?: unknown): Promise<{ cleared: number; message: string }>;
  pause(): Promise<{ paused: true; requeued: number }>;
  resume(): Promise<{ paused: false }>;
  setWorkers(n: unknown): Promise<{ workers: number }>;
  resetSession(): Promise<{ status: 'session reset' }>;
}

/** Read side of the queue for mirrors (SSE, MQTT, notifications). */
export interface QueueView {
  jobs(): Job[];
  get(id: string): Job | undefined;
  stats(): Stats;
  isPaused(): boolean;
  workerCount(): number;
  /** The job snapshots currently running, in start order. */
  running(): Job[];
  subscribe(listener: (event: QueueEvent) => void): () => void;
}
