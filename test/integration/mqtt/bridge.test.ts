/** The bridge against a real Mosquitto: discovery, availability, state after a job, birth, cleanup. */
import assert from 'node:assert/strict';
import {
  EVENT_TYPES,
  startMqttBridge,
} from '../../../src/mqtt/index.js';
import { type Broker, freePort } from '../../helpers/broker.js';
import { entityState, validateDiscovery, validateEventPayload } from '../../helpers/ha-rules.js';
import { FakeQueue, fakeEncoders, silentLog } from './fake-queue.js';
import { ENTITY_COUNT, Observer, sleep, startTestBridge, type TestBridge, useBroker } from './harness.js';


describe('mqtt bridge (real broker)', function () {
  this.timeout(20_000);
  const hooks = useBroker();
  const { cleanup } = hooks;
  let broker: Broker;
  beforeEach(() => {
    broker = hooks.broker();
  });

  async function setup(over = {}, queue?: FakeQueue): Promise<{ t: TestBridge; obs: Observer }> {
    const t = startTestBridge(broker, over, queue);
    cleanup.push(() => t.bridge.stop());
    const obs = await Observer.connect(broker.url, [
      `${t.base}/#`,
      `homeassistant/+/${t.node}/+/config`,
    ]);
    cleanup.push(() => obs.end());
    await obs.waitForPayload(`${t.base}/status`, (p) => p === 'online', 'online');
    return { t, obs };
  }

  const configsOf = (obs: Observer, node: string) => {
    const latest = new Map<string, string>();
    for (const m of obs.messages) if (m.topic.includes(`/${node}/`)) latest.set(m.topic, m.payload);
    return [...latest].filter(([, p]) => p !== '');
  };

  it('announces online, valid retained discovery for every entity, and retained state', async () => {
    const queue = new FakeQueue();
    queue.add('/media/a.mkv');
    const { t, obs } = await setup({}, queue);
    await obs.waitFor(() => configsOf(obs, t.node).length === ENTITY_COUNT, 'all configs');
    await obs.waitForPayload(`${t.base}/job/current`, () => true);
    const late = await Observer.connect(broker.url, [
      `${t.base}/#`,
      `homeassistant/+/${t.node}/+/config`,
    ]);
    cleanup.push(() => late.end());
    await late.waitFor(() => configsOf(late, t.node).length === ENTITY_COUNT, 'retained configs');
    for (const topic of ['status', 'state', 'job/current', 'encoder']) {
      await late.waitForPayload(`${t.base}/${topic}`, () => true, topic);
    }
    for (const [topic, payload] of configsOf(late, t.node)) {
      assert.ok(late.last(topic)?.retain, `${topic} is retained`);
      const result = validateDiscovery(topic, payload);
      assert.deepEqual(result.errors, [], topic);
      assert.deepEqual(result.warnings, [], topic);
    }
    for (const topic of ['status', 'state', 'job/current', 'encoder']) {
      assert.equal(late.last(`${t.base}/${topic}`)?.retain, true, topic);
    }
    assert.equal(late.last(`${t.base}/status`)?.payload, 'online');
    assert.equal(JSON.parse(late.last(`${t.base}/state`)?.payload ?? '{}').pending, 1);
    assert.equal(t.bridge.connected(), true);
  });

  it('state after a job runs: counts, space saved, current job, and non-retained events', async () => {
    const { t, obs } = await setup();
    const q = t.queue;
    const job = q.add('/media/Movies/Film.mkv');
    q.start(job.id);
    q.progress(job.id, 50, 3, '2m 0s');
    await obs.waitForPayload(
      `${t.base}/job/current`,
      (p) => JSON.parse(p).progress === 50,
      'progress 50',
    );
    q.complete(job.id, 2_500_000_000);
    const done = await obs.waitFor(
      (m) => m.topic === `${t.base}/event` && m.payload.includes('job_complete'),
      'job_complete',
    );
    const drained = await obs.waitFor(
      (m) => m.topic === `${t.base}/event` && m.payload.includes('queue_drained'),
      'drained',
    );
    for (const e of [done, drained])
      assert.deepEqual(validateEventPayload(e.payload, EVENT_TYPES, e.retain), []);
    assert.equal(JSON.parse(done.payload).path, '/media/Movies/Film.mkv');
    assert.equal(JSON.parse(done.payload).space_saved, 2_500_000_000);
    await obs.waitForLast(`${t.base}/state`, (p) => JSON.parse(p).complete === 1, 'complete=1');
    await obs.waitForLast(`${t.base}/job/current`, (p) => JSON.parse(p).status === 'idle', 'idle');
    await obs.waitForPayload(`${t.base}/encoder`, () => true, 'encoder');
    await obs.waitFor(() => configsOf(obs, t.node).length === ENTITY_COUNT, 'all configs');
    // What Home Assistant would show, computed from the retained configs and state.
    const configs = new Map(
      configsOf(obs, t.node).map(([topic, p]) => [
        topic.split('/')[3],
        { component: topic.split('/')[1] ?? '', config: JSON.parse(p) },
      ]),
    );
    const show = (id: string, topic: string) => {
      const c = configs.get(id);
      assert.ok(c, id);
      return entityState(c.component, c.config, obs.last(`${t.base}/${topic}`)?.payload ?? '');
    };
    assert.equal(show('queue_complete', 'state'), '1');
    assert.equal(show('queue_pending', 'state'), '0');
    assert.equal(show('space_saved_session', 'state'), '2.5');
    assert.equal(show('transcoding', 'state'), 'off');
    assert.equal(show('current_file', 'job/current'), null);
    assert.equal(show('encoder', 'encoder'), 'hevc_nvenc');
  });

  it('clean stop publishes a retained offline and disconnects', async () => {
    const { t, obs } = await setup();
    await t.bridge.stop();
    await obs.waitForPayload(`${t.base}/status`, (p) => p === 'offline', 'offline');
    assert.equal(t.bridge.connected(), false);
    const late = await Observer.connect(broker.url, [`${t.base}/status`]);
    cleanup.push(() => late.end());
    const seen = await late.waitFor(() => true, 'retained status');
    assert.deepEqual([seen.payload, seen.retain], ['offline', true]);
  });

  it("republishes discovery, online and state after Home Assistant's birth message, after a jitter", async () => {
    const { t, obs } = await setup();
    await obs.waitFor(() => configsOf(obs, t.node).length === ENTITY_COUNT, 'configs');
    await sleep(100);
    const mark = obs.messages.length;
    const sentAt = Date.now();
    await obs.publish('homeassistant/status', 'online');
    await obs.waitFor(
      () =>
        obs.messages.slice(mark).filter((m) => m.topic.endsWith('/config')).length === ENTITY_COUNT,
      'republished configs',
    );
    await obs.waitFor((m) => m.topic === `${t.base}/state`, 'state republished', 5000, mark);
    const again = obs.messages.slice(mark);
    assert.ok(again.some((m) => m.topic === `${t.base}/status` && m.payload === 'online'));
    const first = again.find((m) => m.topic.endsWith('/config'));
    assert.ok(
      first && first.at - sentAt >= 15,
      `republished after ${(first?.at ?? 0) - sentAt} ms, expected the jitter`,
    );
    // HA going offline is not a reason to republish.
    const mark2 = obs.messages.length;
    await obs.publish('homeassistant/status', 'offline');
    await sleep(150);
    assert.equal(obs.messages.slice(mark2).filter((m) => m.topic.endsWith('/config')).length, 0);
  });

  it('removes retained configs of entities it no longer publishes (empty retained payload)', async () => {
    const t0 = startTestBridge(broker);
    await t0.bridge.stop();
    const stale = `homeassistant/sensor/shrinkray_${t0.opts.instanceId}/old_entity/config`;
    const pre = await Observer.connect(broker.url, []);
    cleanup.push(() => pre.end());
    await pre.publish(stale, JSON.stringify({ state_topic: 'x', unique_id: 'old' }), true);
    // Subscribed before the bridge starts: the clearing message is only passed to subscribers already there.
    const watcher = await Observer.connect(broker.url, [stale]);
    cleanup.push(() => watcher.end());
    await watcher.waitFor((m) => m.topic === stale && m.retain, 'the stale config is there');
    await setup({ instanceId: t0.opts.instanceId });
    await watcher.waitFor((m) => m.topic === stale && m.payload === '', 'stale config cleared');
    const late = await Observer.connect(broker.url, [stale]);
    cleanup.push(() => late.end());
    await sleep(200);
    assert.equal(late.messages.length, 0, 'no retained config left');
  });

  it('a down broker never blocks: start returns at once, queue events are fine, stop is quick', async () => {
    const port = await freePort();
    const queue = new FakeQueue();
    const started = Date.now();
    const bridge = startMqttBridge(
      {
        url: `mqtt://127.0.0.1:${port}`,
        baseTopic: 'down',
        discoveryPrefix: 'homeassistant',
        stateIntervalMs: 50,
        instanceId: 'down',
        swVersion: '0',
      },
      { view: queue, actions: queue, encoders: fakeEncoders, log: silentLog },
    );
    cleanup.push(() => bridge.stop());
    // A start that waited for the broker would take the connect timeout (10 s).
    assert.ok(Date.now() - started < 1000, `start took ${Date.now() - started} ms`);
    const job = queue.add('/m/a.mkv');
    queue.start(job.id);
    queue.complete(job.id, 1);
    await sleep(100);
    assert.equal(bridge.connected(), false);
    const stopping = Date.now();
    await bridge.stop();
    assert.ok(Date.now() - stopping < 2000, `stop does not wait for a broker (${Date.now() - stopping} ms)`);
    assert.equal(queue.listenerCount(), 0);
  });

  it('invalid topic settings or an unusable URL: MQTT stays off instead of throwing', async () => {
    const queue = new FakeQueue();
    const base = {
      discoveryPrefix: 'homeassistant',
      stateIntervalMs: 50,
      instanceId: 'bad',
      swVersion: '0',
    };
    const deps = { view: queue, actions: queue, encoders: fakeEncoders, log: silentLog };
    for (const opts of [
      { ...base, url: broker.url, baseTopic: 'a/#' },
      { ...base, url: 'http://127.0.0.1:1', baseTopic: 'bad' },
    ]) {
      const bridge = startMqttBridge(opts, deps);
      assert.equal(bridge.connected(), false);
      assert.equal(queue.listenerCount(), 0);
      await bridge.stop();
    }
  });
});
