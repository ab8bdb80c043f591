/**
 * `max_concurrent_analyses` (upstream-behaviour §2.14): at most N analyses at once, N read when a
 * slot is asked for, so a change applies to later analyses and never stops running ones. Waiters
 * are served in order and woken by a release, not by polling; an aborted waiter leaves the line.
 */
export class AnalysisSlots {
  private busy = 0;
  private readonly waiters: Array<{ wake: () => void }> = [];

  constructor(private readonly limit: () => number) {}

  inUse(): number {
    return this.busy;
  }

  /** Takes a slot at once when one is free; otherwise returns undefined. */
  tryAcquire(): (() => void) | undefined {
    if (this.waiters.length > 0 || this.busy >= this.limit()) return undefined;
    return this.take();
  }

  /** Waits for a slot; rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter = {
        wake: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.take());
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason ?? new Error('aborted'));
        this.drain();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands free slots to waiters (also call it when the limit grew). */
  drain(): void {
    while (this.waiters.length > 0 && this.busy < this.limit()) this.waiters.shift()?.wake();
  }

  private take(): () => void {
    this.busy += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.busy -= 1;
      this.drain();
    };
  }
}
