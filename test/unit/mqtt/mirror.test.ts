import assert from 'node:assert/strict';
import { EVENT_TYPES } from '../../../src/mqtt/events.js';
import { EVENT_BACKLOG, StateMirror } from '../../../src/mqtt/mirror.js';
import { makeTopics } from '../../../src/mqtt/topics.js';
import { validateEventPayload } from '../../helpers/ha-rules.js';
import { FakeQueue, fakeEncoders, silentLog } from '../../integration/mqtt/fake-queue.js';
import { FakeTimers } from './fake-timers.js';

interface Sent {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

describe('mqtt state mirror', () => {
  const topics = makeTopics('sr', 'homeassistant', 'i');
  let q: FakeQueue;
  let timers: FakeTimers;
  let sent: Sent[];
  let connected: boolean;
  let mirror: StateMirror;
  const on = (topic: string) => sent.filter((s) => s.topic === topic);
  const lastJson = (topic: string) => JSON.parse(on(topic).at(-1)?.payload ?? 'null');

  beforeEach(() => {
    q = new FakeQueue();
    timers = new FakeTimers();
    sent = [];
    connected = true;
    mirror = new StateMirror({
      view: q,
      encoders: fakeEncoders,
      topics,
      publish: (topic, payload, opts) =>
        sent.push({ topic, payload, retain: opts.retain, at: timers.now() }),
      isConnected: () => connected,
      intervalMs: 5000,
      timers,
      log: silentLog,
    });
    mirror.start();
  });
  afterEach(() => mirror.stop());

  it('publishes every retained state topic on publishAll', () => {
    mirror.publishAll();
    assert.deepEqual(
      sent.map((s) => [s.topic, s.retain]),
      [
        ['sr/state', true],
        ['sr/encoder', true],
        ['sr/job/current', true],
      ],
    );
    assert.equal(lastJson('sr/encoder').best, 'hevc_nvenc');
  });

  it('a job run: state changes go out at once, progress is throttled, the final state is never lost', () => {
    const job = q.add('/media/a.mkv');
    timers.advance(0);
    q.start(job.id);
    timers.advance(0);
    assert.equal(lastJson('sr/job/current').id, job.id);
    assert.equal(lastJson('sr/state').running, 1);
    const before = on('sr/job/current').length;
    for (let p = 1; p <= 99; p++) {
      q.progress(job.id, p);
      timers.advance(100); // ~10 s of progress
    }
    const progressMessages = on('sr/job/current').length - before;
    assert.ok(progressMessages <= 3, `progress published ${progressMessages} times in 10 s`);
    q.complete(job.id, 500);
    timers.advance(0);
    assert.equal(lastJson('sr/job/current').status, 'idle');
    assert.equal(lastJson('sr/state').complete, 1);
    assert.equal(lastJson('sr/state').session_saved, 500);
    const events = on('sr/event').map((s) => JSON.parse(s.payload).event_type);
    assert.deepEqual(events, ['job_complete', 'queue_drained']);
    for (const e of on('sr/event')) {
      assert.equal(e.retain, false);
      assert.deepEqual(validateEventPayload(e.payload, EVENT_TYPES, e.retain), []);
    }
    // Nothing left over that would publish a stale progress later.
    const count = sent.length;
    timers.advance(60_000);
    assert.equal(sent.length, count);
  });

  it('adds are throttled with a trailing publish of the latest counts', () => {
    mirror.publishAll();
    const start = on('sr/state').length;
    for (let i = 0; i < 50; i++) q.add(`/m/${i}.mkv`);
    timers.advance(0);
    timers.advance(10_000);
    assert.ok(on('sr/state').length - start <= 2);
    assert.equal(lastJson('sr/state').pending, 50);
  });

  it('pause, workers and session reset are published at once', async () => {
    await q.pause();
    await q.setWorkers(4);
    timers.advance(0);
    assert.equal(lastJson('sr/state').paused, true);
    assert.equal(lastJson('sr/state').workers, 4);
    timers.advance(1);
    await q.resetSession();
    timers.advance(0);
    assert.equal(lastJson('sr/state').session_saved, 0);
  });

  it('does not repeat an unchanged retained payload unless forced', () => {
    mirror.publishAll();
    const n = sent.length;
    q.emit({ type: 'stats' });
    timers.advance(0);
    assert.equal(sent.length, n);
    mirror.publishAll();
    assert.equal(sent.length, n + 3);
  });

  it('while disconnected: no publishes, events kept (bounded) and sent after reconnect', () => {
    connected = false;
    for (let i = 0; i < EVENT_BACKLOG + 5; i++) {
      const job = q.add(`/m/${i}.mkv`);
      q.start(job.id);
      q.fail(job.id, `error ${i}`);
    }
    timers.advance(10_000);
    assert.equal(sent.length, 0);
    connected = true;
    mirror.publishAll();
    const events = on('sr/event').map((s) => JSON.parse(s.payload));
    assert.equal(events.length, EVENT_BACKLOG);
    // The newest are kept: the last failure is there, the first ones were dropped.
    const failures = events.filter((e) => e.event_type === 'job_failed').map((e) => e.error);
    assert.equal(failures.at(-1), `error ${EVENT_BACKLOG + 4}`);
    assert.equal(failures.includes('error 0'), false);
    assert.equal(lastJson('sr/state').failed, EVENT_BACKLOG + 5);
  });

  it('stop unsubscribes from the queue and cancels pending publishes', () => {
    assert.equal(q.listenerCount(), 1);
    q.add('/m/x.mkv');
    mirror.stop();
    timers.advance(10_000);
    assert.equal(sent.length, 0);
    assert.equal(q.listenerCount(), 0);
  });

  it('a throwing encoder probe does not break state publishing or the queue', () => {
    const broken = new StateMirror({
      view: q,
      encoders: () => {
        throw new Error('not detected yet');
      },
      topics,
      publish: (topic, payload, opts) => sent.push({ topic, payload, retain: opts.retain, at: 0 }),
      isConnected: () => true,
      intervalMs: 5000,
      timers,
      log: silentLog,
    });
    broken.publishAll();
    assert.deepEqual(
      sent.map((s) => s.topic),
      ['sr/state', 'sr/job/current'],
    );
  });
});
