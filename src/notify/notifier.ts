import type { QueueView } from '../jobs/actions.js';
import type { QueueEvent, Stats } from '../jobs/types.js';
import type { Logger } from '../log.js';
import { formatBytes } from '../util/format.js';
import type { NotifyFlag } from './flag.js';
import type { PushoverMessage } from './pushover.js';

/** The events after which the queue may have become idle (upstream-behaviour §8). */
const TRIGGERS: ReadonlySet<QueueEvent['type']> = new Set(['complete', 'failed', 'cancelled', 'skipped']);

/** Counts over the whole queue and the session's saved bytes, worded exactly as upstream. */
export function completionMessage(stats: Stats): PushoverMessage {
  return {
    title: 'Shrinkray Complete',
    message: `${stats.complete} jobs complete, ${stats.failed} failed\nSaved ${formatBytes(stats.session_saved)}`,
  };
}

export interface NotifierDeps {
  view: Pick<QueueView, 'subscribe' | 'stats'>;
  /** Broadcasts `notify_sent` to SSE (and any other subscriber). */
  emit: (event: QueueEvent) => void;
  flag: NotifyFlag;
  pushover: { configured(): boolean; send(msg: PushoverMessage): Promise<void> };
  log: Logger;
}

/**
 * Sends one Pushover message when the queue runs dry while `notify_on_complete` is on, then turns
 * the flag off and emits `notify_sent`. A failed send leaves the flag on so the next terminal event
 * tries again. Checks run one at a time, so a burst of events can't send twice.
 */
export class CompletionNotifier {
  private readonly d: NotifierDeps;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private unsubscribe: (() => void) | undefined;

  constructor(deps: NotifierDeps) {
    this.d = deps;
  }

  start(): void {
    this.unsubscribe ??= this.d.view.subscribe((event) => {
      if (TRIGGERS.has(event.type)) this.schedule();
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.chain;
  }

  /** Resolves once every check scheduled so far has finished (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** A check already waiting will see the newest state, so one waiting check is enough. */
  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain.then(() => {
      this.queued = false;
      return this.check();
    });
  }

  private async check(): Promise<void> {
    const { flag, pushover, view, log } = this.d;
    if (!flag.get() || !pushover.configured()) return;
    const stats = view.stats();
    if (stats.pending > 0 || stats.running > 0) return;
    try {
      await pushover.send(completionMessage(stats));
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'completion notification failed; will try again after the next finished job');
      return;
    }
    flag.set(false);
    log.info({ complete: stats.complete, failed: stats.failed }, 'completion notification sent');
    this.d.emit({ type: 'notify_sent' });
  }
}
