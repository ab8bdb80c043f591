import type { Logger } from '../log.js';
import type { StopReason } from './processor.js';
import type { Queue } from './queue.js';
import type { Job } from './types.js';

export interface PoolDeps {
  queue: Queue;
  /** Runs one job already marked running; must settle (never reject) when the signal aborts. */
  process: (job: Job, tempPath: string, signal: AbortSignal, hooks: { finalizing: () => void }) => Promise<void>;
  tempPathFor: (job: Job) => string;
  /**
   * The name a job's output will take (case-folded). Two jobs with the same destination never run
   * at once (D22): `Clip.avi` and `Clip.mp4` both become `Clip.mkv`.
   */
  destinationOf?: (job: Job) => string;
  /** The schedule window (D10): false holds new starts back; running jobs go on. */
  canStart: () => boolean;
  log: Logger;
  /** How often to look again when something outside the queue (the clock) may allow a start. */
  recheckMs?: number;
  /**
   * Remote workers (issue 12): they get their pick before the local slots fill (hardware first),
   * their destinations count as busy (D22), and pause, cancel and finalizing apply to their jobs.
   */
  remote?: {
    dispatch(): void;
    destinations(): Iterable<string>;
    pause(): number;
    cancelRunning(id: string): boolean;
    isFinalizing(id: string): boolean;
  };
  /** False: this machine runs no jobs itself (`local_encoding`), remote workers do. */
  localAllowed?: () => boolean;
}

interface Running {
  job: Job;
  destination: string | undefined;
  controller: AbortController;
  done: Promise<void>;
  reason?: StopReason;
  /** The new file is being put in place: nothing may stop this job now (D11). */
  finalizing: boolean;
}

/**
 * 1–6 workers pulling the first pending job. Driven by queue events, not polling; a slow timer only
 * re-checks the schedule window. Pause and shrinking requeue running jobs at the front (D8).
 */
export class WorkerPool {
  private readonly deps: PoolDeps;
  private readonly running = new Map<string, Running>();
  private target = 1;
  private stopped = true;
  private kickPending = false;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(deps: PoolDeps) {
    this.deps = deps;
  }

  start(workers: number): void {
    this.stopped = false;
    this.target = workers;
    this.deps.queue.setWorkers(workers);
    this.unsubscribe = this.deps.queue.subscribe((event) => {
      if (event.type === 'added' || event.type === 'jobs_added' || event.type === 'requeued') this.kick();
    });
    this.timer = setInterval(() => this.kick(), this.deps.recheckMs ?? 30_000);
    this.timer.unref();
    this.kick();
  }

  runningCount(): number {
    return this.running.size;
  }

  /** Running jobs not already being stopped. */
  private activeCount(): number {
    let n = 0;
    for (const entry of this.running.values()) if (entry.reason === undefined) n += 1;
    return n;
  }

  /** Looks for work on the next tick; many calls in one tick cost one look. */
  kick(): void {
    if (this.kickPending || this.stopped) return;
    this.kickPending = true;
    queueMicrotask(() => {
      this.kickPending = false;
      this.fill();
    });
  }

  /** True while a job's output is being put in place; such a job can no longer be stopped. */
  isFinalizing(id: string): boolean {
    return this.running.get(id)?.finalizing === true || this.deps.remote?.isFinalizing(id) === true;
  }

  /** Destinations (case-folded) of the local running jobs. */
  destinations(): string[] {
    return [...this.running.values()].flatMap((e) => (e.destination === undefined ? [] : [e.destination]));
  }

  /** Cancels a running job: the queue marks it cancelled at once, ffmpeg is killed, temp removed. */
  cancelRunning(id: string): boolean {
    const entry = this.running.get(id);
    if (!entry) return this.deps.remote?.cancelRunning(id) ?? false;
    if (entry.finalizing) return false;
    entry.reason = 'cancel';
    entry.controller.abort(new Error('cancelled'));
    return true;
  }

  async pause(): Promise<number> {
    this.deps.queue.setPaused(true);
    const remote = this.deps.remote?.pause() ?? 0;
    return remote + (await this.requeueNewest(this.activeCount()));
  }

  resume(): void {
    this.deps.queue.setPaused(false);
    this.kick();
  }

  async resize(workers: number): Promise<number> {
    this.target = workers;
    this.deps.queue.setWorkers(workers);
    const requeued = await this.requeueNewest(this.activeCount() - workers);
    this.kick();
    return requeued;
  }

  /** Shutdown: kill every ffmpeg and wait. Jobs stay running in the store; the next start requeues them (D9). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    const entries = [...this.running.values()];
    for (const entry of entries) {
      entry.reason = 'shutdown';
      entry.controller.abort(new Error('shutting down'));
    }
    await Promise.all(entries.map((e) => e.done));
  }

  private fill(): void {
    const { queue } = this.deps;
    this.deps.remote?.dispatch();
    if (this.deps.localAllowed?.() === false) return;
    while (!this.stopped && !queue.isPaused() && this.running.size < this.target && this.deps.canStart()) {
      // A requeued job whose stopped run has not finished yet waits for it: one run per job, always.
      const busy = new Set([...this.running.values()].map((e) => e.destination));
      for (const d of this.deps.remote?.destinations() ?? []) busy.add(d);
      const job = queue.nextPending((id) => {
        if (this.running.has(id)) return false;
        if (!this.deps.destinationOf) return true;
        const next = queue.peek(id);
        return next !== undefined && !busy.has(this.deps.destinationOf(next));
      });
      if (!job) return;
      const tempPath = this.deps.tempPathFor(job);
      if (!queue.start(job.id, tempPath)) continue;
      this.launch(queue.get(job.id) as Job, tempPath);
    }
  }

  private launch(job: Job, tempPath: string): void {
    const controller = new AbortController();
    const entry: Running = { job, destination: this.deps.destinationOf?.(job), controller, done: Promise.resolve(), finalizing: false };
    this.running.set(job.id, entry);
    entry.done = this.deps
      .process(job, tempPath, controller.signal, {
        finalizing: () => {
          entry.finalizing = true;
        },
      })
      .catch((error: unknown) => {
        // process() handles its own failures; reaching this is a bug, but the job must not hang.
        this.deps.log.error({ err: error, job: job.id }, 'job processor threw');
        this.deps.queue.fail(job.id, `internal error: ${(error as Error).message}`);
      })
      .finally(() => {
        if (this.running.get(job.id) === entry) this.running.delete(job.id);
        this.kick();
      });
  }

  /** Requeues the `count` most recently created running jobs, newest first so the oldest ends first. */
  private async requeueNewest(count: number): Promise<number> {
    if (count <= 0) return 0;
    // A job putting its file in place finishes on its own; requeuing it would redo finished work.
    // Entries already stopping (requeued, cancelled) still count in `running` until their run ends:
    // they are not stopped twice, and a second resize does not requeue one job too many.
    const newestFirst = [...this.running.values()]
      .filter((e) => !e.finalizing && e.reason === undefined)
      .sort((a, b) => compareIds(b.job.id, a.job.id))
      .slice(0, count);
    let requeued = 0;
    for (const entry of newestFirst) {
      entry.reason = 'requeue';
      if (this.deps.queue.requeue(entry.job.id)) requeued += 1;
      entry.controller.abort(new Error('requeued'));
    }
    await Promise.all(newestFirst.map((e) => e.done));
    return requeued;
  }
}

/** Ids are `<ms>-<n>`: compare numerically so `…-10` sorts after `…-9`. */
export function compareIds(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('-').map(Number);
  const [bm = 0, bn = 0] = b.split('-').map(Number);
  return am - bm || an - bn;
}
