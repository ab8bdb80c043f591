/**
 * Per-topic publish throttle (D7). `request()` asks for a publish; the work function runs at most once per
 * interval and always reads the latest state when it runs, so the last change is never lost (trailing
 * publish). `request(true)` (a state change such as a job finishing) runs on the next tick regardless of
 * the interval; bursts in the same tick still coalesce into one publish.
 */

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers = (clock: () => number = Date.now): Timers => ({
  now: clock,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

export class RateLimiter {
  private lastRun = Number.NEGATIVE_INFINITY;
  private timer: unknown;
  private dueAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly work: () => void,
    private readonly timers: Timers,
  ) {}

  request(urgent = false): void {
    const now = this.timers.now();
    const due = urgent ? now : Math.max(now, this.lastRun + this.intervalMs);
    if (this.timer !== undefined) {
      if (this.dueAt <= due) return;
      this.timers.clearTimeout(this.timer);
    }
    this.dueAt = due;
    this.timer = this.timers.setTimeout(() => this.run(), due - now);
  }

  /** Runs now if something is waiting. */
  flush(): void {
    if (this.timer === undefined) return;
    this.timers.clearTimeout(this.timer);
    this.run();
  }

  pending(): boolean {
    return this.timer !== undefined;
  }

  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
  }

  private run(): void {
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
    this.lastRun = this.timers.now();
    this.work();
  }
}
