import type { JobStore } from '../store/store.js';
import type { QueueView } from './actions.js';
import { type Job, type JobStatus, type QueueEvent, type Stats, TERMINAL_STATUSES } from './types.js';

const PROGRESS_INTERVAL_MS = 500; // D7: at most 2 progress events a second per job

export interface QueueDeps {
  store: JobStore;
  clock: () => Date;
  /** A subscriber threw: it is logged, and neither the change nor the other subscribers suffer. */
  onSubscriberError?: (error: unknown, event: QueueEvent) => void;
}

/**
 * The one source of truth for jobs. Every change goes through a method here, is saved (progress
 * excepted) and emitted as a typed event carrying a snapshot. It never touches processes or files.
 */
export class Queue implements QueueView {
  private readonly store: JobStore;
  private readonly clock: () => Date;
  private readonly byId = new Map<string, Job>();
  private order: string[] = [];
  private readonly pos = new Map<string, number>();
  /** input_path → id of its pending or running job (D4). */
  private readonly active = new Map<string, string>();
  private readonly lastProgressAt = new Map<string, number>();
  private readonly listeners = new Set<(event: QueueEvent) => void>();
  private readonly onSubscriberError: (error: unknown, event: QueueEvent) => void;
  private paused = false;
  private workers = 1;
  private sessionSaved = 0;
  private lifetimeSaved = 0;
  private statsCache: Stats | undefined;

  private constructor(deps: QueueDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.onSubscriberError = deps.onSubscriberError ?? (() => undefined);
  }

  /** Loads persisted state. Jobs that were running go back to pending in their place (D9). */
  static async load(deps: QueueDeps): Promise<{ queue: Queue; recovered: Job[] }> {
    const queue = new Queue(deps);
    const recovered: Job[] = [];
    for (const { job, pos } of await deps.store.loadJobs()) {
      if (job.status === 'running') {
        recovered.push({ ...job });
        Object.assign(job, { status: 'pending', progress: 0, speed: 0, eta: '', started_at: null });
        delete job.temp_path;
        delete job.phase;
        delete job.worker;
        deps.store.putJob(job, pos);
      }
      queue.byId.set(job.id, job);
      queue.order.push(job.id);
      queue.pos.set(job.id, pos);
      if (job.status === 'pending') queue.active.set(job.input_path, job.id);
    }
    queue.paused = (await deps.store.getMeta<boolean>('paused')) === true;
    queue.sessionSaved = (await deps.store.getMeta<number>('session_saved')) ?? 0;
    queue.lifetimeSaved = (await deps.store.getMeta<number>('lifetime_saved')) ?? 0;
    return { queue, recovered };
  }

  // ---- read side -------------------------------------------------------------------------------

  jobs(): Job[] {
    return this.order.map((id) => ({ ...(this.byId.get(id) as Job) }));
  }

  get(id: string): Job | undefined {
    const job = this.byId.get(id);
    return job ? { ...job } : undefined;
  }

  running(): Job[] {
    return [...this.byId.values()].filter((j) => j.status === 'running').map((j) => ({ ...j }));
  }

  /** The live job (no copy): for read-only checks in hot loops. */
  peek(id: string): Readonly<Job> | undefined {
    return this.byId.get(id);
  }

  positionOf(id: string): number | undefined {
    return this.pos.get(id);
  }

  activeJobFor(path: string): string | undefined {
    return this.active.get(path);
  }

  isPaused(): boolean {
    return this.paused;
  }

  workerCount(): number {
    return this.workers;
  }

  stats(): Stats {
    if (!this.statsCache) {
      const s: Stats = { pending: 0, running: 0, complete: 0, failed: 0, cancelled: 0, skipped: 0, total: 0, total_saved: 0, session_saved: 0, lifetime_saved: 0 };
      for (const job of this.byId.values()) s[job.status] += 1;
      s.total = this.byId.size;
      this.statsCache = s;
    }
    return { ...this.statsCache, total_saved: this.sessionSaved, session_saved: this.sessionSaved, lifetime_saved: this.lifetimeSaved };
  }

  /** The first pending job in queue order (that `allowed` accepts). */
  nextPending(allowed: (id: string) => boolean = () => true): Job | undefined {
    for (const id of this.order) {
      const job = this.byId.get(id);
      if (job?.status === 'pending' && allowed(id)) return job;
    }
    return undefined;
  }

  subscribe(listener: (event: QueueEvent) => void): () => void {
    // A wrapper per subscription, so subscribing the same function twice gives two subscriptions.
    const entry = (event: QueueEvent) => listener(event);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** How many subscribers are attached (SSE clients, mirrors): tests check that none leak. */
  subscriberCount(): number {
    return this.listeners.size;
  }

  // ---- announcements that are not job transitions (only the queue emits, ARCHITECTURE) -----------

  discoveryProgress(probed: number, total: number): void {
    this.emit({ type: 'discovery_progress', probed, total });
  }

  /** Something the stats depend on changed outside a job event (a re-detection, a reset). */
  statsChanged(): void {
    this.emit({ type: 'stats' });
  }

  notifySent(): void {
    this.emit({ type: 'notify_sent' });
  }

  // ---- write side ------------------------------------------------------------------------------

  /** Appends jobs (pending or skipped) in order; one `jobs_added`, or `added`/`skipped` for one. */
  add(jobs: Job[], opts: { single?: boolean; at?: number } = {}): void {
    let next = this.maxPos() + 1;
    for (const job of jobs) {
      const pos = opts.at ?? next++;
      this.byId.set(job.id, job);
      this.pos.set(job.id, pos);
      if (opts.at === undefined) this.order.push(job.id);
      else this.insertOrdered(job.id, pos);
      if (job.status === 'pending') this.active.set(job.input_path, job.id);
      this.store.putJob(job, pos);
    }
    this.statsCache = undefined;
    if (jobs.length === 0) return;
    if (opts.single || jobs.length === 1) {
      for (const job of jobs) this.emit({ type: job.status === 'skipped' ? 'skipped' : 'added', job: { ...job } });
    } else this.emit({ type: 'jobs_added', count: jobs.length });
    // A file that could not even be probed is a failed job: say so like any other failure, so
    // notifications and Home Assistant's job_failed event see it.
    for (const job of jobs) if (job.status === 'failed') this.emit({ type: 'failed', job: { ...job } });
  }

  /** pending → running on `worker` (`local` or a remote worker's name). False when no longer pending. */
  start(id: string, tempPath: string, worker = 'local'): boolean {
    const job = this.byId.get(id);
    if (job?.status !== 'pending') return false;
    job.status = 'running';
    job.worker = worker;
    job.temp_path = tempPath;
    job.started_at = this.clock().toISOString();
    job.completed_at = null;
    job.progress = 0;
    job.speed = 0;
    job.eta = '';
    for (const key of ['error', 'fallback_reason', 'phase', 'vmaf_score', 'selected_crf', 'quality_mod', 'analysis_rounds'] as const) delete job[key];
    this.save(job, 'started');
    return true;
  }

  /** Updates a running job's progress; emits at most twice a second (D7). */
  progress(id: string, update: { progress: number; speed: number; eta: string }, force = false): void {
    const job = this.byId.get(id);
    if (job?.status !== 'running') return;
    job.progress = update.progress;
    job.speed = update.speed;
    job.eta = update.eta;
    const now = this.clock().getTime();
    const last = this.lastProgressAt.get(id) ?? 0;
    if (!force && now - last < PROGRESS_INTERVAL_MS) return;
    this.lastProgressAt.set(id, now);
    this.emit({ type: 'progress', job: { ...job } });
  }

  /** Sets non-status fields of a running job (encoder after a fallback, phase…) without an event. */
  patch(id: string, fields: Partial<Pick<Job, 'encoder' | 'is_hardware' | 'encoder_name' | 'fallback_reason' | 'phase' | 'temp_path' | 'vmaf_score' | 'selected_crf' | 'quality_mod' | 'analysis_rounds'>>): void {
    const job = this.byId.get(id);
    if (!job) return;
    Object.assign(job, fields);
    this.store.putJob(job, this.pos.get(id) ?? 0);
  }

  complete(id: string, result: { output_path: string; output_size: number }): Job | undefined {
    const job = this.running1(id);
    if (!job) return undefined;
    const now = this.clock();
    job.status = 'complete';
    job.progress = 100;
    job.eta = '';
    job.output_path = result.output_path;
    job.output_size = result.output_size;
    job.space_saved = job.input_size - result.output_size;
    job.completed_at = now.toISOString();
    job.transcode_secs = job.started_at ? Math.max(0, Math.floor((now.getTime() - Date.parse(job.started_at)) / 1000)) : 0;
    delete job.temp_path;
    if (job.space_saved > 0) {
      this.sessionSaved += job.space_saved;
      this.lifetimeSaved += job.space_saved;
      this.store.setMeta('session_saved', this.sessionSaved);
      this.store.setMeta('lifetime_saved', this.lifetimeSaved);
    }
    this.save(job, 'complete');
    return { ...job };
  }

  /**
   * D19: a job whose new file was already in place when the service died (found at startup; the
   * load made it pending again) is complete, with the counters a live completion would add.
   */
  completeRecovered(id: string, result: { output_path: string; output_size: number }): Job | undefined {
    const job = this.byId.get(id);
    if (!job || (job.status !== 'pending' && job.status !== 'running')) return undefined;
    job.status = 'running';
    return this.complete(id, result);
  }

  fail(id: string, error: string): Job | undefined {
    const job = this.byId.get(id);
    if (!job || TERMINAL_STATUSES.has(job.status)) return undefined;
    job.status = 'failed';
    job.error = error;
    job.eta = '';
    job.completed_at = this.clock().toISOString();
    delete job.temp_path;
    this.save(job, 'failed');
    return { ...job };
  }

  skip(id: string, reason: string): Job | undefined {
    const job = this.running1(id);
    if (!job) return undefined;
    Object.assign(job, { status: 'skipped', skip_reason: reason, error: reason, progress: 0, speed: 0, eta: '' });
    job.completed_at = this.clock().toISOString();
    delete job.temp_path;
    delete job.phase;
    this.save(job, 'skipped');
    return { ...job };
  }

  /** pending/running → cancelled. Returns undefined for unknown or terminal jobs. */
  cancel(id: string): Job | undefined {
    const job = this.byId.get(id);
    if (!job || TERMINAL_STATUSES.has(job.status)) return undefined;
    job.status = 'cancelled';
    job.eta = '';
    job.speed = 0;
    job.completed_at = this.clock().toISOString();
    delete job.temp_path;
    this.save(job, 'cancelled');
    return { ...job };
  }

  /** running → pending at the very front of the queue. */
  requeue(id: string): boolean {
    const job = this.running1(id);
    if (!job) return false;
    Object.assign(job, { status: 'pending', progress: 0, speed: 0, eta: '', started_at: null });
    delete job.temp_path;
    delete job.phase;
    delete job.worker;
    const front = this.minPos();
    this.order = [id, ...this.order.filter((x) => x !== id)];
    this.pos.set(id, front - 1);
    this.save(job, 'requeued');
    return true;
  }

  /** Removes one job that is not running; emits `removed`. */
  remove(id: string): Job | undefined {
    const job = this.byId.get(id);
    if (!job || job.status === 'running') return undefined;
    this.dropMany(new Set([id]));
    return job;
  }

  /** Removes every non-running job, or those with `status`. Emits `removed` for each (D5). */
  clear(status?: JobStatus): number {
    const ids = new Set<string>();
    for (const [id, job] of this.byId) {
      if (job.status !== 'running' && (status === undefined || job.status === status)) ids.add(id);
    }
    this.dropMany(ids);
    return ids.size;
  }

  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    this.store.setMeta('paused', paused);
    this.emit({ type: 'paused', paused });
  }

  setWorkers(n: number): void {
    if (this.workers === n) return;
    this.workers = n;
    this.emit({ type: 'workers', workers: n });
  }

  resetSession(): void {
    this.sessionSaved = 0;
    this.store.setMeta('session_saved', 0);
    this.statsChanged();
  }

  // ---- internals -------------------------------------------------------------------------------

  /**
   * Subscribers are isolated: one that throws is reported and skipped, so it can neither fail the
   * request that changed the queue nor starve the subscribers after it. A subscriber added during
   * an emit sees the next event, not this one.
   */
  private emit(event: QueueEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.onSubscriberError(error, event);
        } catch {
          // The error reporter itself failed; nothing more can be done for this event.
        }
      }
    }
  }

  private running1(id: string): Job | undefined {
    const job = this.byId.get(id);
    return job && job.status === 'running' ? job : undefined;
  }

  private save(job: Job, type: 'started' | 'complete' | 'failed' | 'skipped' | 'cancelled' | 'requeued'): void {
    this.statsCache = undefined;
    if (job.status === 'pending' || job.status === 'running') this.active.set(job.input_path, job.id);
    else if (this.active.get(job.input_path) === job.id) this.active.delete(job.input_path);
    if (job.status !== 'running') this.lastProgressAt.delete(job.id);
    this.store.putJob(job, this.pos.get(job.id) ?? 0);
    this.emit({ type, job: { ...job } });
  }

  private dropMany(ids: Set<string>): void {
    if (ids.size === 0) return;
    const removed: Job[] = [];
    for (const id of ids) {
      const job = this.byId.get(id);
      if (!job) continue;
      removed.push(job);
      this.byId.delete(id);
      this.pos.delete(id);
      if (this.active.get(job.input_path) === id) this.active.delete(job.input_path);
      this.store.deleteJob(id);
    }
    this.order = this.order.filter((id) => !ids.has(id));
    this.statsCache = undefined;
    for (const job of removed) this.emit({ type: 'removed', job: { ...job } });
  }

  private insertOrdered(id: string, pos: number): void {
    const at = this.order.findIndex((other) => (this.pos.get(other) ?? 0) > pos);
    if (at === -1) this.order.push(id);
    else this.order.splice(at, 0, id);
  }

  private maxPos(): number {
    const last = this.order[this.order.length - 1];
    return last === undefined ? 0 : (this.pos.get(last) ?? 0);
  }

  private minPos(): number {
    const first = this.order[0];
    return first === undefined ? 0 : (this.pos.get(first) ?? 0);
  }
}
