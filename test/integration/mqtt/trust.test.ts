/**
 * Issue 8, MQTT: what an outside review broke. Each test failed on the code before the fix.
 * Retained or empty commands never run, commands run one at a time and one failure starves nothing,
 * nothing starts after stop(), and the add-on keeps one Home Assistant device across a reinstall.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SettingsStore } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { buildDiscovery } from '../../../src/mqtt/discovery.js';
import { startMqtt } from '../../../src/mqtt/start.js';
import { makeTopics } from '../../../src/mqtt/topics.js';
import { JobStore } from '../../../src/store/store.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { get } from '../../helpers/http.js';
import { FakeQueue } from './fake-queue.js';
import { ENTITY_COUNT, nodeOfTopic, Observer, retainedConfigs, sleep, startGatekeeper, startSupervisor, startTestBridge, useBroker } from './harness.js';

describe('mqtt trust (issue 8)', function () {
  this.timeout(60_000);
  const { broker, cleanup } = useBroker();

  async function bridgeWithObserver(queue = new FakeQueue()) {
    const t = startTestBridge(broker(), {}, queue);
    cleanup.push(() => t.bridge.stop());
    const obs = await Observer.connect(broker().url, [`${t.base}/#`]);
    cleanup.push(() => obs.end());
    await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online');
    await sleep(100); // the bridge's subscriptions are in place
    return { t, obs };
  }

  describe('commands', () => {
    it('clearing a retained command (an empty retained payload) runs nothing, nor does any empty payload', async () => {
      const { t, obs } = await bridgeWithObserver();
      for (const topic of ['request/queue/pause', 'request/queue/clear_finished', 'request/stats/reset_session', 'request/queue/retry_failed', 'set/paused']) {
        await obs.publish(`${t.base}/${topic}`, '', true); // what `mosquitto_pub -r -n` sends to clear it
        await obs.publish(`${t.base}/${topic}`, '', false);
        await obs.publish(`${t.base}/${topic}`, ' \n', false);
      }
      // A real command afterwards is answered: the ones before it were seen and ignored.
      await obs.publish(`${t.base}/request/queue/resume`, '{"transaction":"after"}');
      await obs.waitFor((m) => m.topic === `${t.base}/response/queue/resume`, 'the real command');
      assert.deepEqual(t.queue.calls, ['resume']);
      assert.equal(obs.messages.filter((m) => m.topic.startsWith(`${t.base}/response/`)).length, 1);
    });

    it('a retained command is never run: not when published, not when found on (re)subscribe', async () => {
      const { t, obs } = await bridgeWithObserver();
      await obs.publish(`${t.base}/request/queue/pause`, '{"transaction":"r"}', true);
      await obs.publish(`${t.base}/set/paused`, 'ON', true);
      // The bridge reconnects (its socket is cut) and gets both retained messages on subscribe.
      t.client().stream.destroy();
      await obs.waitFor((m) => m.topic === `${t.base}/status` && m.payload === 'offline', 'offline');
      await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online again', 10_000);
      await obs.publish(`${t.base}/request/queue/resume`, '{"transaction":"after"}');
      await obs.waitFor((m) => m.topic === `${t.base}/response/queue/resume`, 'the real command');
      assert.deepEqual(t.queue.calls, ['resume'], 'the retained commands never ran');
      assert.equal(obs.on(`${t.base}/response/queue/pause`).length, 0);
      await obs.publish(`${t.base}/request/queue/pause`, '', true);
      await obs.publish(`${t.base}/set/paused`, '', true);
    });

    it('commands run one at a time in order; a throwing action starves nothing and leaks no internal text', async () => {
      const queue = new FakeQueue();
      let running = 0;
      let most = 0;
      const original = queue.createJobs.bind(queue);
      queue.createJobs = async (body: unknown) => {
        running += 1;
        most = Math.max(most, running);
        try {
          await sleep(5);
          const paths = (body as { paths?: unknown[] }).paths ?? [];
          if (paths[0] === '/media/boom.mkv') throw new TypeError("EACCES: permission denied, open '/secret/x'");
          return await original(body);
        } finally {
          running -= 1;
        }
      };
      const { t, obs } = await bridgeWithObserver(queue);
      const n = 40;
      for (let i = 0; i < n; i++) {
        const path = i % 10 === 3 ? '/media/boom.mkv' : `/media/m${i}.mkv`;
        void obs.publish(`${t.base}/request/job/create`, JSON.stringify({ paths: [path], preset_id: 'compress-hevc', transaction: i }));
      }
      const responses = () => obs.on(`${t.base}/response/job/create`);
      await obs.waitFor(() => responses().length === n, `${n} answers`, 15_000);
      const answers = responses().map((m) => JSON.parse(m.payload));
      assert.deepEqual(
        answers.map((a) => a.transaction),
        Array.from({ length: n }, (_, i) => i),
        'answered in order',
      );
      assert.equal(most, 1, 'one command at a time');
      const failed = answers.filter((a) => a.status === 'error');
      assert.equal(failed.length, 4);
      for (const a of failed) {
        assert.equal(a.code, 'internal_error');
        assert.doesNotMatch(a.error, /EACCES|secret/);
      }
      assert.equal(queue.stats().pending, n - 4);
    });

    it('a payload over 1 MiB is refused unread', async () => {
      const { t, obs } = await bridgeWithObserver();
      const huge = JSON.stringify({ paths: ['/media/a.mkv'], preset_id: 'compress-hevc', pad: 'x'.repeat(1024 * 1024 + 10) });
      await obs.publish(`${t.base}/request/job/create`, huge);
      const answer = await obs.waitFor((m) => m.topic === `${t.base}/response/job/create`, 'answer');
      assert.match(JSON.parse(answer.payload).error, /too large/);
      assert.deepEqual(t.queue.calls, []);
    });
  });

  describe('connecting', () => {
    it('a broker that only speaks MQTT 3.1.1: the bridge falls back to it and works', async () => {
      const gate = await startGatekeeper(broker().port, (level) => (level === 5 ? { refuse: 1, v3Answer: true } : 'pass'));
      cleanup.push(() => gate.close());
      const t = startTestBridge(broker(), { url: gate.url });
      cleanup.push(() => t.bridge.stop());
      const obs = await Observer.connect(broker().url, [`${t.base}/#`]);
      cleanup.push(() => obs.end());
      await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online over 3.1.1', 10_000);
      assert.deepEqual(gate.levels.slice(0, 2), [5, 4]);
      await sleep(100);
      await obs.publish(`${t.base}/request/queue/pause`, '{}');
      await obs.waitFor((m) => m.topic === `${t.base}/response/queue/pause`, 'an answer');
      await obs.publish(`${t.base}/request/queue/resume`, '', true);
      await sleep(200);
      assert.deepEqual(t.queue.calls, ['pause']);
    });

    it('a broker that refuses the first connects (still starting) is tried again until it accepts', async () => {
      // 0x88 / 3: "server unavailable". mqtt.js alone gives up for good after a refused connect.
      const gate = await startGatekeeper(broker().port, (level, n) => (n <= 2 ? { refuse: level === 5 ? 0x88 : 3 } : 'pass'));
      cleanup.push(() => gate.close());
      const t = startTestBridge(broker(), { url: gate.url });
      cleanup.push(() => t.bridge.stop());
      const obs = await Observer.connect(broker().url, [`${t.base}/status`]);
      cleanup.push(() => obs.end());
      await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online after two refusals', 10_000);
      assert.ok(gate.levels.length >= 3);
    });
  });

  describe('start and stop', () => {
    /** Settings as the add-on has them, with the Supervisor at `supervisorUrl`. */
    async function addonSettings(supervisorUrl: string) {
      const root = await mkdtemp(join(tmpdir(), 'mqtt-start-'));
      cleanup.push(() => rm(root, { recursive: true, force: true }));
      await mkdir(join(root, 'media'));
      const overrides = { media_paths: [join(root, 'media')], supervisor_url: supervisorUrl, supervisor_token: 'tok', mqtt_base_topic: 'srstop' };
      return SettingsStore.fromValues({}, overrides, join(root, 'data'), root).get();
    }
    const memoryStore = () => {
      const meta = new Map<string, unknown>();
      return { getMeta: async (k: string) => meta.get(k), setMeta: (k: string, v: unknown) => meta.set(k, v) } as unknown as JobStore;
    };

    it('a Supervisor look-up still running at stop() never starts the bridge afterwards', async () => {
      let mqttCalls = 0;
      let release = (): void => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let gateReached = false;
      // A fetch that honours its abort signal, like the real one; the add-on info hangs until released.
      const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
        const path = new URL(String(input)).pathname;
        const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
        if (path === '/services/mqtt') {
          mqttCalls += 1;
          if (mqttCalls === 1) return json(400, { result: 'error', message: 'Service not enabled' });
          return json(200, { result: 'ok', data: { host: '127.0.0.1', port: broker().port, ssl: false } });
        }
        if (path === '/addons/self/info') {
          gateReached = true;
          await new Promise<void>((resolve, reject) => {
            void gate.then(resolve);
            init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
          });
          return json(200, { result: 'ok', data: { slug: 'local_shrinkray' } });
        }
        if (path === '/info') return json(200, { result: 'ok', data: { machine_id: 'm1' } });
        return json(404, { result: 'error', message: 'not found' });
      }) as typeof fetch;
      const obs = await Observer.connect(broker().url, ['srstop/status']);
      cleanup.push(() => obs.end());
      const queue = new FakeQueue();
      const handle = await startMqtt(
        {
          settings: await addonSettings('http://supervisor.test'),
          view: queue,
          actions: queue,
          encoders: { best: () => ({ encoder: 'libx265', accel: 'none' }) } as never,
          store: memoryStore(),
          log: createLogger('silent'),
          version: 'test',
          fetchImpl,
        },
        [30],
      );
      cleanup.push(async () => {
        await handle.bridge()?.stop();
      });
      for (let i = 0; i < 100 && !gateReached; i++) await sleep(20);
      assert.ok(gateReached, 'the retry reached the add-on info look-up');
      await handle.stop();
      release();
      await sleep(700);
      assert.equal(handle.bridge(), undefined, 'no bridge after stop');
      assert.equal(obs.messages.length, 0, 'nothing connected or published after stop');
    });

    it('stop() while a retry is only scheduled: no further Supervisor call', async () => {
      let calls = 0;
      const fetchImpl = (async () => {
        calls += 1;
        return new Response('{"result":"error","message":"Service not enabled"}', { status: 400 });
      }) as unknown as typeof fetch;
      const queue = new FakeQueue();
      const handle = await startMqtt(
        { settings: await addonSettings('http://supervisor.test'), view: queue, actions: queue, encoders: {} as never, store: memoryStore(), log: createLogger('silent'), version: 'test', fetchImpl },
        [100],
      );
      assert.equal(calls, 1);
      await handle.stop();
      await sleep(300);
      assert.equal(calls, 1);
    });
  });

  describe('identity', () => {
    let apps: TestApp[] = [];
    // Every test starts from an empty broker (no persistence: a restart forgets every retained message).
    beforeEach(() => broker().restart());
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.dispose();
    });

    async function addonApp(supervisorUrl: string, root?: string): Promise<TestApp> {
      const t = await startTestApp({
        ...(root ? { root } : {}),
        overrides: { supervisor_url: supervisorUrl, supervisor_token: 'tok', mqtt_state_interval_secs: 1 },
      });
      apps.push(t);
      return t;
    }

    const shrinkrayNodes = (configs: { topic: string }[]) => {
      const count = new Map<string, number>();
      for (const c of configs) {
        const node = nodeOfTopic(c.topic);
        if (node.startsWith('shrinkray_')) count.set(node, (count.get(node) ?? 0) + 1);
      }
      return Object.fromEntries(count);
    };
    /** Retained Shrinkray configs per node, once `done` holds for them (or after 10 s, for the assert to tell). */
    const settledNodes = async (done: (nodes: Record<string, number>) => boolean): Promise<Record<string, number>> => {
      const until = Date.now() + 10_000;
      for (;;) {
        const nodes = shrinkrayNodes(await retainedConfigs(broker().url));
        if (done(nodes) || Date.now() > until) return nodes;
      }
    };
    const oneFullDevice = (nodes: Record<string, number>) => Object.values(nodes).reduce((a, b) => a + b, 0) >= ENTITY_COUNT;

    it('as an add-on, a reinstall (a new /data) keeps the same device: no second device, no _2 entities', async () => {
      const supervisor = await startSupervisor(broker());
      cleanup.push(() => supervisor.close());
      const ha = await Observer.connect(broker().url, ['shrinkray/status']);
      cleanup.push(() => ha.end());
      const first = await addonApp(supervisor.url);
      await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online');
      const before = await settledNodes(oneFullDevice);
      assert.equal(Object.keys(before).length, 1, JSON.stringify(before));
      await first.dispose(); // uninstall: /data is gone
      apps = [];
      const mark = ha.messages.length;
      await addonApp(supervisor.url);
      await ha.waitFor((m) => m.payload === 'online', 'online after the reinstall', 10_000, mark);
      await sleep(300);
      const after = await settledNodes((nodes) => JSON.stringify(nodes) === JSON.stringify(before));
      assert.deepEqual(after, before, 'the same single device');
      assert.equal(Object.values(after)[0], ENTITY_COUNT);
      assert.ok(supervisor.seen.some((line) => line.startsWith('GET /info Bearer tok')), supervisor.seen.join('\n'));
    });

    it('an add-on upgraded from a random id: the old device goes (before the new one comes), other instances stay', async () => {
      // Retained configs on the broker: our old random-id device (recorded in /data), a leftover of an
      // earlier install on our base topic (not recorded), and another running instance on its own base topic.
      // The two old devices on our base topic are published as retained configs, as they would be left on
      // the broker (two live bridges on one base topic would each clear the other's configs at connect).
      const seeder = await Observer.connect(broker().url, []);
      cleanup.push(() => seeder.end());
      for (const id of ['deadbeef', 'abad1dea']) {
        for (const m of buildDiscovery({ topics: makeTopics('shrinkray', 'homeassistant', id), swVersion: '0.0.0-test' })) await seeder.publish(m.topic, JSON.stringify(m.payload), true);
      }
      const other = startTestBridge(broker(), { baseTopic: 'shrinkray_other', instanceId: 'cafe' });
      cleanup.push(() => other.bridge.stop());
      const seededAll = (nodes: Record<string, number>) => Object.keys(nodes).length === 3 && Object.values(nodes).every((n) => n === ENTITY_COUNT);
      const seeded = await settledNodes(seededAll);
      assert.deepEqual(seeded, { shrinkray_deadbeef: ENTITY_COUNT, shrinkray_abad1dea: ENTITY_COUNT, shrinkray_cafe: ENTITY_COUNT });

      const root = await mkdtemp(join(tmpdir(), 'mqtt-upgrade-'));
      const store = await JobStore.open(join(root, 'data'));
      store.setMeta('instance_id', 'deadbeef');
      await store.close();
      const supervisor = await startSupervisor(broker());
      cleanup.push(() => supervisor.close());
      const ha = await Observer.connect(broker().url, ['homeassistant/+/+/+/config', 'shrinkray/status']);
      cleanup.push(() => ha.end());
      const mark = ha.messages.length;
      await addonApp(supervisor.url, root);
      await ha.waitFor((m) => m.topic === 'shrinkray/status' && m.payload === 'online', 'online', 10_000, mark);
      const after = await settledNodes((nodes) => Object.keys(nodes).length === 2 && Object.values(nodes).every((n) => n === ENTITY_COUNT));
      const newNode = Object.keys(after).find((n) => !['shrinkray_cafe'].includes(n)) ?? '';
      assert.deepEqual(after, { shrinkray_cafe: ENTITY_COUNT, [newNode]: ENTITY_COUNT }, JSON.stringify(after));
      assert.notEqual(newNode, 'shrinkray_deadbeef');
      // Home Assistant sees every removal before the first config of the new device.
      const live = ha.messages.slice(mark).filter((m) => m.topic.endsWith('/config') && !m.retain);
      const lastRemoval = live.findLastIndex((m) => m.payload === '');
      const firstNew = live.findIndex((m) => nodeOfTopic(m.topic) === newNode && m.payload !== '');
      assert.ok(lastRemoval >= 0 && firstNew > lastRemoval, `removals end at ${lastRemoval}, new configs start at ${firstNew}`);
      assert.equal(live.filter((m) => m.payload === '').length, 2 * ENTITY_COUNT);
    });

    it('standalone keeps the id of its data folder across restarts, and asks no Supervisor', async () => {
      const ha = await Observer.connect(broker().url, ['shrinkray/status']);
      cleanup.push(() => ha.end());
      const t = await startTestApp({ overrides: { mqtt_url: broker().url } });
      apps.push(t);
      await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online');
      const before = await settledNodes(oneFullDevice);
      const mark = ha.messages.length;
      const again = await t.restart();
      apps = [again];
      await ha.waitFor((m) => m.payload === 'online', 'online after the restart', 10_000, mark);
      await sleep(300);
      assert.deepEqual(await settledNodes((nodes) => JSON.stringify(nodes) === JSON.stringify(before)), before);
      assert.equal((await get(again.url, '/api/health')).status, 200);
    });
  });
});
