/**
 * An in-memory, EventEmitter-backed stand-in for the queue (QueueView + QueueActions) for MQTT tests.
 * Validation mimics the REST contract closely enough to produce AppErrors with 400/404/409; the tests drive
 * job lifecycles with `add/start/progress/finish`.
 */
import { EventEmitter } from 'node:events';
import { badRequest, conflict, notFound } from '../../../src/errors.js';
import type { QueueActions, QueueView } from '../../../src/jobs/actions.js';
import {
  type Job,
  type JobStatus,
  type QueueEvent,
  type Stats,
  TERMINAL_STATUSES,
} from '../../../src/jobs/types.js';

const PRESETS = [
  'compress-hevc',
  'compress-av1',
  'smartshrink-hevc',
  'smartshrink-av1',
  '1080p',
  '720p',
];
const CLEARABLE = ['pending', 'complete', 'failed', 'skipped', 'cancelled'];

export class FakeQueue implements QueueView, QueueActions {
  readonly emitter = new EventEmitter();
  readonly calls: string[] = [];
  private list: Job[] = [];
  private paused = false;
  private workers = 1;
  private sessionSaved = 0;
  private lifetimeSaved = 0;
  private seq = 0;

  // ---- QueueView
  jobs(): Job[] {
    return this.list.map((job) => ({ ...job }));
  }
  get(id: string): Job | undefined {
    const job = this.list.find((j) => j.id === id);
    return job ? { ...job } : undefined;
  }
  stats(): Stats {
    const count = (status: JobStatus): number =>
      this.list.filter((j) => j.status === status).length;
    return {
      pending: count('pending'),
      running: count('running'),
      complete: count('complete'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      skipped: count('skipped'),
      total: this.list.length,
      total_saved: this.list.reduce((sum, j) => sum + (j.space_saved ?? 0), 0),
      session_saved: this.sessionSaved,
      lifetime_saved: this.lifetimeSaved,
    };
  }
  isPaused(): boolean {
    return this.paused;
  }
  workerCount(): number {
    return this.workers;
  }
  running(): Job[] {
    return this.list.filter((j) => j.status === 'running').map((j) => ({ ...j }));
  }
  subscribe(listener: (event: QueueEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
  listenerCount(): number {
    return this.emitter.listenerCount('event');
  }

  // ---- test drivers
  emit(event: QueueEvent): void {
    this.emitter.emit('event', event);
  }
  add(path: string, preset = 'compress-hevc', size = 1_000_000_000): Job {
    this.seq += 1;
    const job: Job = {
      id: `job-${this.seq}`,
      input_path: path,
      preset_id: preset,
      encoder: 'none',
      is_hardware: false,
      status: 'pending',
      progress: 0,
      speed: 0,
      eta: '',
      input_size: size,
      created_at: new Date(0).toISOString(),
      started_at: null,
      completed_at: null,
    };
    this.list.push(job);
    this.emit({ type: 'added', job: { ...job } });
    return job;
  }
  private mutate(id: string, patch: Partial<Job>): Job {
    const job = this.list.find((j) => j.id === id);
    if (!job) throw new Error(`no job ${id}`);
    Object.assign(job, patch);
    return { ...job };
  }
  start(id: string, hardware = true): void {
    const job = this.mutate(id, {
      status: 'running',
      encoder: hardware ? 'nvenc' : 'none',
      encoder_name: hardware ? 'hevc_nvenc' : 'libx265',
      is_hardware: hardware,
      started_at: new Date(1000).toISOString(),
    });
    this.emit({ type: 'started', job });
  }
  progress(id: string, progress: number, speed = 2.5, eta = '1m 30s'): void {
    this.emit({ type: 'progress', job: this.mutate(id, { progress, speed, eta }) });
  }
  complete(id: string, saved: number): void {
    const input = this.get(id)?.input_size ?? 0;
    const job = this.mutate(id, {
      status: 'complete',
      progress: 100,
      output_size: input - saved,
      space_saved: saved,
      completed_at: new Date(2000).toISOString(),
    });
    this.sessionSaved += saved;
    this.lifetimeSaved += saved;
    this.emit({ type: 'complete', job });
  }
  fail(id: string, error: string): void {
    this.emit({
      type: 'failed',
      job: this.mutate(id, { status: 'failed', error, completed_at: new Date(2000).toISOString() }),
    });
  }

  // ---- QueueActions
  async createJobs(
    body: unknown,
  ): Promise<{ status: 'processing'; message: string; paths: string[] }> {
    this.calls.push('createJobs');
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const paths = b.paths;
    if (
      !Array.isArray(paths) ||
      paths.length === 0 ||
      !paths.every((p) => typeof p === 'string' && p !== '')
    ) {
      throw badRequest('paths must be a non-empty array of strings');
    }
    if (typeof b.preset_id !== 'string' || !PRESETS.includes(b.preset_id)) {
      throw badRequest(`Unknown preset_id '${String(b.preset_id)}'`);
    }
    if (
      b.preset_id.startsWith('smartshrink') &&
      !['acceptable', 'good', 'excellent'].includes(String(b.smartshrink_quality))
    ) {
      throw badRequest('smartshrink_quality must be acceptable, good or excellent');
    }
    for (const path of paths as string[]) this.add(path, b.preset_id);
    return {
      status: 'processing',
      message: `Processing ${paths.length} paths in background...`,
      paths: paths as string[],
    };
  }
  async cancel(id: string): Promise<{ status: 'cancelled'; job: Job }> {
    this.calls.push('cancel');
    const job = this.get(id);
    if (!job) throw notFound('Job not found');
    if (TERMINAL_STATUSES.has(job.status)) throw conflict('Job already in terminal state');
    const updated = this.mutate(id, { status: 'cancelled' });
    this.emit({ type: 'cancelled', job: updated });
    return { status: 'cancelled', job: updated };
  }
  async remove(id: string): Promise<{ removed: true }> {
    this.calls.push('remove');
    const job = this.get(id);
    if (!job) throw notFound('Job not found');
    if (!TERMINAL_STATUSES.has(job.status)) throw conflict('Only finished jobs can be removed');
    this.list = this.list.filter((j) => j.id !== id);
    this.emit({ type: 'removed', job });
    return { removed: true };
  }
  async retry(id: string): Promise<Job> {
    this.calls.push('retry');
    const job = this.get(id);
    if (!job) throw notFound('Job not found');
    if (job.status !== 'failed') throw badRequest('Job is not in failed state');
    this.list = this.list.filter((j) => j.id !== id);
    return this.add(job.input_path, job.preset_id, job.input_size);
  }
  async retryFailed(): Promise<Job[]> {
    this.calls.push('retryFailed');
    const failed = this.list.filter((j) => j.status === 'failed');
    const out: Job[] = [];
    for (const job of failed) out.push(await this.retry(job.id));
    return out;
  }
  async clear(status?: unknown): Promise<{ cleared: number; message: string }> {
    this.calls.push(`clear:${String(status)}`);
    if (status !== undefined && (typeof status !== 'string' || !CLEARABLE.includes(status))) {
      throw badRequest(`Invalid status '${String(status)}'`);
    }
    const gone = this.list.filter(
      (j) => j.status !== 'running' && (status === undefined || j.status === status),
    );
    this.list = this.list.filter((j) => !gone.includes(j));
    for (const job of gone) this.emit({ type: 'removed', job });
    return { cleared: gone.length, message: `Cleared ${gone.length} jobs` };
  }
  async pause(): Promise<{ paused: true; requeued: number }> {
    this.calls.push('pause');
    this.paused = true;
    this.emit({ type: 'paused', paused: true });
    return { paused: true, requeued: 0 };
  }
  async resume(): Promise<{ paused: false }> {
    this.calls.push('resume');
    this.paused = false;
    this.emit({ type: 'paused', paused: false });
    return { paused: false };
  }
  async setWorkers(n: unknown): Promise<{ workers: number }> {
    this.calls.push(`setWorkers:${String(n)}`);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 6) {
      throw badRequest('workers must be an integer between 1 and 6');
    }
    this.workers = n;
    this.emit({ type: 'workers', workers: n });
    return { workers: n };
  }
  async resetSession(): Promise<{ status: 'session reset' }> {
    this.calls.push('resetSession');
    this.sessionSaved = 0;
    this.emit({ type: 'stats' });
    return { status: 'session reset' };
  }
}

export const fakeEncoders = () => ({
  best: 'hevc_nvenc',
  hevc: 'hevc_nvenc',
  av1: 'libsvtav1',
  is_hardware: true,
});

export const silentLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
