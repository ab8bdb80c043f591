import assert from 'node:assert/strict';
import type { QueueEvent, Stats } from '../../../src/jobs/types.js';
import { createLogger } from '../../../src/log.js';
import { loadNotifyFlag, type NotifyFlag } from '../../../src/notify/flag.js';
import { CompletionNotifier, completionMessage } from '../../../src/notify/notifier.js';
import type { PushoverMessage } from '../../../src/notify/pushover.js';

const emptyStats = (): Stats => ({ pending: 0, running: 0, complete: 0, failed: 0, cancelled: 0, skipped: 0, total: 0, total_saved: 0, session_saved: 0, lifetime_saved: 0 });

class FakeQueue {
  stats$ = emptyStats();
  private listeners = new Set<(e: QueueEvent) => void>();
  emitted: QueueEvent[] = [];
  subscribe(listener: (e: QueueEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  stats() {
    return { ...this.stats$ };
  }
  fire(type: QueueEvent['type']) {
    const event = { type, job: {} } as unknown as QueueEvent;
    for (const l of this.listeners) l(event);
  }
}

class MemoryMeta {
  values = new Map<string, unknown>();
  writes = 0;
  async getMeta<T>(name: string) {
    return this.values.get(name) as T | undefined;
  }
  setMeta(name: string, value: unknown) {
    this.writes += 1;
    this.values.set(name, value);
  }
}

describe('completion notifier (upstream §8)', () => {
  let queue: FakeQueue;
  let meta: MemoryMeta;
  let flag: NotifyFlag;
  let sent: PushoverMessage[];
  let failWith: Error | undefined;
  let configured: boolean;
  let notifier: CompletionNotifier;

  beforeEach(async () => {
    queue = new FakeQueue();
    meta = new MemoryMeta();
    flag = await loadNotifyFlag(meta);
    sent = [];
    failWith = undefined;
    configured = true;
    notifier = new CompletionNotifier({
      view: queue,
      emit: (e) => queue.emitted.push(e),
      flag,
      pushover: {
        configured: () => configured,
        send: async (m) => {
          if (failWith) throw failWith;
          sent.push(m);
        },
      },
      log: createLogger('silent'),
    });
    notifier.start();
  });
  afterEach(() => notifier.stop());

  it('words the message exactly as upstream, counting the whole queue and the session saving', () => {
    assert.deepEqual(completionMessage({ ...emptyStats(), complete: 3, failed: 1, session_saved: 1610612736 }), {
      title: 'Shrinkray Complete',
      message: '3 jobs complete, 1 failed\nSaved 1.5 GB',
    });
    assert.equal(completionMessage(emptyStats()).message, '0 jobs complete, 0 failed\nSaved 0 B');
  });

  it('sends once when the queue runs dry, then turns the flag off and emits notify_sent', async () => {
    flag.set(true);
    queue.stats$ = { ...emptyStats(), complete: 2, session_saved: 2048 };
    queue.fire('complete');
    queue.fire('complete');
    await notifier.idle();
    assert.deepEqual(sent, [{ title: 'Shrinkray Complete', message: '2 jobs complete, 0 failed\nSaved 2.0 KB' }]);
    assert.equal(flag.get(), false);
    assert.equal(meta.values.get('notify_on_complete'), false);
    assert.deepEqual(queue.emitted, [{ type: 'notify_sent' }]);
    queue.fire('failed');
    await notifier.idle();
    assert.equal(sent.length, 1, 'one-shot');
  });

  it('reacts to complete, failed, cancelled and skipped only', async () => {
    flag.set(true);
    for (const type of ['added', 'jobs_added', 'started', 'progress', 'requeued', 'removed', 'discovery_progress'] as const) queue.fire(type);
    await notifier.idle();
    assert.equal(sent.length, 0);
    for (const type of ['complete', 'failed', 'cancelled', 'skipped'] as const) {
      flag.set(true);
      queue.fire(type);
      await notifier.idle();
    }
    assert.equal(sent.length, 4);
  });

  it('waits while jobs are pending or running, or while off or not configured', async () => {
    queue.fire('complete');
    await notifier.idle();
    flag.set(true);
    configured = false;
    queue.fire('complete');
    await notifier.idle();
    configured = true;
    queue.stats$ = { ...emptyStats(), pending: 1 };
    queue.fire('complete');
    await notifier.idle();
    queue.stats$ = { ...emptyStats(), running: 1 };
    queue.fire('complete');
    await notifier.idle();
    assert.equal(sent.length, 0);
    assert.equal(flag.get(), true);
    queue.stats$ = emptyStats();
    queue.fire('cancelled');
    await notifier.idle();
    assert.equal(sent.length, 1);
  });

  it('a failed send keeps the flag on and tries again at the next terminal event', async () => {
    flag.set(true);
    failWith = new Error('pushover returned status 500');
    queue.fire('complete');
    await notifier.idle();
    assert.equal(flag.get(), true);
    assert.deepEqual(queue.emitted, []);
    failWith = undefined;
    queue.fire('failed');
    await notifier.idle();
    assert.equal(sent.length, 1);
    assert.equal(flag.get(), false);
  });

  it('stops listening when stopped', async () => {
    await notifier.stop();
    flag.set(true);
    queue.fire('complete');
    await notifier.idle();
    assert.equal(sent.length, 0);
  });

  it('the flag is read from and written to the store only when it changes', async () => {
    meta.values.set('notify_on_complete', true);
    const loaded = await loadNotifyFlag(meta);
    assert.equal(loaded.get(), true);
    const before = meta.writes;
    loaded.set(true);
    assert.equal(meta.writes, before);
    loaded.set(false);
    assert.equal(meta.values.get('notify_on_complete'), false);
  });
});
