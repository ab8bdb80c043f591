/** Every command over a real broker: success and error answers, transaction ids, nothing retained. */
import assert from 'node:assert/strict';
import { type Broker, startBroker } from '../../helpers/broker.js';
import { Observer, type Seen, sleep, startTestBridge, type TestBridge } from './harness.js';

describe('mqtt commands (real broker)', function () {
  this.timeout(20_000);
  let broker: Broker;
  let t: TestBridge;
  let obs: Observer;
  let tx = 0;

  before(async () => {
    broker = await startBroker();
    t = startTestBridge(broker);
    obs = await Observer.connect(broker.url, [`${t.base}/#`]);
    await obs.waitForPayload(`${t.base}/status`, (p) => p === 'online', 'online');
    await sleep(50); // let the bridge's subscriptions settle
  });
  after(async () => {
    await obs.end();
    await t.bridge.stop();
    await broker.close();
  });

  /** Sends a request with a fresh transaction id and waits for the matching response. */
  async function request(
    action: string,
    body: Record<string, unknown> = {},
  ): Promise<Record<string, unknown> & { seen: Seen }> {
    tx += 1;
    const transaction = `tx-${tx}`;
    const waiting = obs.waitFor(
      (m) =>
        m.topic === `${t.base}/response/${action}` &&
        JSON.parse(m.payload).transaction === transaction,
      `response to ${action}`,
    );
    await obs.publish(`${t.base}/request/${action}`, JSON.stringify({ ...body, transaction }));
    const seen = await waiting;
    assert.equal(seen.retain, false, 'responses are never retained');
    return { ...JSON.parse(seen.payload), seen };
  }

  async function ok(action: string, body: Record<string, unknown> = {}): Promise<unknown> {
    const res = await request(action, body);
    assert.equal(res.status, 'ok', `${action}: ${String(res.error)}`);
    return res.data;
  }

  async function fails(
    action: string,
    body: Record<string, unknown>,
    message: RegExp,
  ): Promise<void> {
    const res = await request(action, body);
    assert.equal(res.status, 'error', action);
    assert.match(String(res.error), message);
    assert.equal(res.data, undefined);
  }

  it('job/create', async () => {
    const data = (await ok('job/create', {
      paths: ['/media/a.mkv', '/media/b.mkv'],
      preset_id: 'compress-hevc',
    })) as { paths: string[] };
    assert.deepEqual(data.paths, ['/media/a.mkv', '/media/b.mkv']);
    assert.equal(t.queue.stats().pending, 2);
    await ok('job/create', {
      paths: ['/media/c.mkv'],
      preset_id: 'smartshrink-av1',
      smartshrink_quality: 'good',
    });
    await fails('job/create', { paths: [], preset_id: 'compress-hevc' }, /paths/);
    await fails('job/create', { paths: ['/m/x.mkv'], preset_id: 'nope' }, /Unknown preset_id/);
    await fails(
      'job/create',
      { paths: ['/m/x.mkv'], preset_id: 'smartshrink-hevc' },
      /smartshrink_quality/,
    );
  });

  it('job/cancel', async () => {
    const job = t.queue.add('/media/cancel.mkv');
    const data = (await ok('job/cancel', { id: job.id })) as { status: string };
    assert.equal(data.status, 'cancelled');
    await fails('job/cancel', { id: job.id }, /terminal/);
    await fails('job/cancel', { id: 'missing' }, /not found/);
    await fails('job/cancel', {}, /Missing job id/);
  });

  it('job/retry and queue/retry_failed', async () => {
    const a = t.queue.add('/media/r1.mkv');
    t.queue.start(a.id);
    t.queue.fail(a.id, 'boom');
    const retried = (await ok('job/retry', { id: a.id })) as { status: string };
    assert.equal(retried.status, 'pending');
    await fails('job/retry', { id: 'missing' }, /not found/);
    const pending = t.queue.add('/media/r2.mkv');
    await fails('job/retry', { id: pending.id }, /not in failed state/);
    t.queue.start(pending.id);
    t.queue.fail(pending.id, 'boom');
    const all = (await ok('queue/retry_failed')) as { retried: number };
    assert.equal(all.retried, 1);
  });

  it('job/remove', async () => {
    const job = t.queue.add('/media/rm.mkv');
    await fails('job/remove', { id: job.id }, /Only finished/);
    t.queue.start(job.id);
    t.queue.complete(job.id, 1);
    assert.deepEqual(await ok('job/remove', { id: job.id }), { removed: true });
  });

  it('queue/clear and queue/clear_finished', async () => {
    const done = t.queue.add('/media/c1.mkv');
    t.queue.start(done.id);
    t.queue.complete(done.id, 1);
    const data = (await ok('queue/clear_finished')) as { cleared: number };
    assert.ok(data.cleared >= 1);
    assert.equal(t.queue.stats().complete, 0);
    assert.ok(t.queue.stats().pending > 0, 'pending jobs survive clear_finished');
    const cleared = (await ok('queue/clear', { status: 'pending' })) as { cleared: number };
    assert.ok(cleared.cleared > 0);
    await fails('queue/clear', { status: 'running' }, /Invalid status/);
  });

  it('queue/pause, queue/resume, queue/workers and stats/reset_session', async () => {
    assert.deepEqual(await ok('queue/pause'), { paused: true, requeued: 0 });
    await obs.waitForLast(
      `${t.base}/state`,
      (p) => JSON.parse(p).paused === true,
      'paused in state',
    );
    assert.deepEqual(await ok('queue/resume'), { paused: false });
    assert.deepEqual(await ok('queue/workers', { workers: 3 }), { workers: 3 });
    await obs.waitForLast(
      `${t.base}/state`,
      (p) => JSON.parse(p).workers === 3,
      'workers in state',
    );
    await fails('queue/workers', { workers: 0 }, /between 1 and 6/);
    await fails('queue/workers', {}, /between 1 and 6/);
    assert.deepEqual(await ok('stats/reset_session'), { status: 'session reset' });
  });

  it('unknown actions and bad payloads get an error answer; a request without transaction still gets one', async () => {
    await fails('queue/explode', {}, /Unknown action/);
    const waiting = obs.waitFor(
      (m) => m.topic === `${t.base}/response/queue/pause` && !m.payload.includes('transaction'),
      'bare',
    );
    await obs.publish(`${t.base}/request/queue/pause`, '{}');
    assert.equal(JSON.parse((await waiting).payload).status, 'ok');
    await ok('queue/resume');
    const bad = obs.waitFor(
      (m) => m.topic === `${t.base}/response/queue/resume` && m.payload.includes('error'),
      'bad json',
    );
    await obs.publish(`${t.base}/request/queue/resume`, '{not json');
    assert.match(JSON.parse((await bad).payload).error, /Invalid JSON/);
  });

  it('switch and number command topics; rejected values republish the real state', async () => {
    await obs.publish(`${t.base}/set/paused`, 'ON');
    await obs.waitForLast(`${t.base}/state`, (p) => JSON.parse(p).paused === true, 'switch on');
    await obs.publish(`${t.base}/set/paused`, 'OFF');
    await obs.waitForLast(`${t.base}/state`, (p) => JSON.parse(p).paused === false, 'switch off');
    await obs.publish(`${t.base}/set/workers`, '5');
    await obs.waitForLast(`${t.base}/state`, (p) => JSON.parse(p).workers === 5, 'number 5');
    const mark = obs.messages.length;
    await obs.publish(`${t.base}/set/workers`, '42');
    await obs.waitFor(
      (m) => m.topic === `${t.base}/state` && JSON.parse(m.payload).workers === 5,
      'state republished',
      5000,
      mark,
    );
    assert.equal(t.queue.workerCount(), 5);
  });

  it('buttons publish their payload_press on request topics and work', async () => {
    const job = t.queue.add('/media/btn.mkv');
    t.queue.start(job.id);
    t.queue.fail(job.id, 'x');
    const answer = obs.waitFor(
      (m) => m.topic === `${t.base}/response/queue/retry_failed`,
      'button answer',
      5000,
      obs.messages.length,
    );
    await obs.publish(`${t.base}/request/queue/retry_failed`, '{}');
    assert.equal(JSON.parse((await answer).payload).status, 'ok');
    assert.equal(t.queue.stats().failed, 0);
  });

  it('ignores retained commands found on (re)subscribe: they would run again on every reconnect', async () => {
    const fresh = startTestBridge(broker);
    await fresh.bridge.stop();
    const base = fresh.base;
    await obs.publish(`${base}/request/queue/pause`, '{"transaction":"retained"}', true);
    await obs.publish(`${base}/set/paused`, 'ON', true);
    const again = startTestBridge(broker, { baseTopic: base, instanceId: fresh.opts.instanceId });
    const watch = await Observer.connect(broker.url, [`${base}/#`]);
    try {
      await watch.waitForLast(`${base}/status`, (p) => p === 'online', 'online');
      await sleep(300);
      assert.deepEqual(again.queue.calls, []);
      assert.equal(again.queue.isPaused(), false);
      assert.equal(watch.on(`${base}/response/queue/pause`).length, 0);
    } finally {
      await obs.publish(`${base}/request/queue/pause`, '', true);
      await obs.publish(`${base}/set/paused`, '', true);
      await again.bridge.stop();
      await watch.end();
    }
  });
});
