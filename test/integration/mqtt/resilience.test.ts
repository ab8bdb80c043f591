/** Last will, broker outages and the progress rate, against a real Mosquitto. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Broker } from '../../helpers/broker.js';
import { validateDiscovery } from '../../helpers/ha-rules.js';
import { startTcpGate } from '../../helpers/tcp-gate.js';
import { ENTITY_COUNT, Observer, sleep, startTestBridge, useBroker } from './harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/bridge-child.ts', import.meta.url));

describe('mqtt resilience (real broker)', function () {
  this.timeout(90_000);
  const hooks = useBroker();
  const { cleanup } = hooks;
  let broker: Broker;
  beforeEach(() => {
    broker = hooks.broker();
  });

  async function observe(topics: string[]): Promise<Observer> {
    const obs = await Observer.connect(broker.url, topics);
    cleanup.push(() => obs.end());
    return obs;
  }

  it('last will: a dropped connection shows offline (retained), then online again after the reconnect', async () => {
    const t = startTestBridge(broker);
    cleanup.push(() => t.bridge.stop());
    const obs = await observe([`${t.base}/status`]);
    await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online');
    t.client().stream.destroy(); // no DISCONNECT packet: the broker must send the will
    const offline = await obs.waitForLast(`${t.base}/status`, (p) => p === 'offline', 'will');
    assert.equal(offline.payload, 'offline');
    await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online after reconnect');
    assert.equal(t.bridge.connected(), true);
  });

  it('last will when the process is killed with SIGKILL', async () => {
    const base = `srkill${process.pid}`;
    const obs = await observe([`${base}/status`]);
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, broker.url, base, `kill${process.pid}`],
      {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await obs.waitForLast(`${base}/status`, (p) => p === 'online', 'child online', 60_000);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    await obs.waitForLast(`${base}/status`, (p) => p === 'offline', 'will after SIGKILL');
    const late = await observe([`${base}/status`]);
    const retained = await late.waitFor(() => true, 'retained status');
    assert.deepEqual([retained.payload, retained.retain], ['offline', true]);
  });

  it('broker stopped and restarted while a job runs: the job finishes, everything comes back', async () => {
    // Through a gate: the late observer subscribes before the bridge may reconnect, so the job_complete
    // flushed on reconnect (not retained) cannot go out before anyone listens.
    const gate = await startTcpGate(broker.port);
    cleanup.push(() => gate.close());
    const t = startTestBridge(broker, { url: gate.url, reconnectBackoffMs: [400, 800] });
    cleanup.push(() => t.bridge.stop());
    const obs = await observe([`${t.base}/status`]);
    await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online');
    const job = t.queue.add('/media/outage.mkv');
    t.queue.start(job.id);
    t.queue.progress(job.id, 10);
    await sleep(50);
    await broker.stop();
    gate.shut();
    // The gate passes the broker's close on to the bridge a moment later.
    for (let waited = 0; t.bridge.connected() && waited < 5000; waited += 10) await sleep(10);
    assert.equal(t.bridge.connected(), false);
    const began = Date.now();
    for (let p = 11; p <= 99; p++) t.queue.progress(job.id, p);
    t.queue.complete(job.id, 3_000_000_000);
    // Ninety events take well under a millisecond each; a publish that waited for the broker would take
    // seconds (the connect timeout). The bound leaves room for a loaded machine.
    assert.ok(Date.now() - began < 1000, 'queue events are not slowed by a down broker');
    await broker.start();
    // Retained state was lost with the broker (no persistence): the bridge must put it all back.
    const late = await observe([`${t.base}/#`, `homeassistant/+/${t.node}/+/config`]);
    gate.open();
    const event = await late.waitFor(
      (m) => m.topic === `${t.base}/event` && m.payload.includes('job_complete'),
      'job_complete from backlog',
      10_000,
    );
    assert.equal(JSON.parse(event.payload).job_id, job.id);
    await late.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online again', 10_000);
    await late.waitForLast(
      `${t.base}/state`,
      (p) => JSON.parse(p).complete === 1 && JSON.parse(p).running === 0,
      'final state',
    );
    await late.waitForLast(`${t.base}/job/current`, (p) => JSON.parse(p).status === 'idle', 'idle');
    const configs = () =>
      new Set(
        late.messages
          .filter((m) => m.topic.endsWith('/config') && m.payload !== '')
          .map((m) => m.topic),
      );
    await late.waitFor(() => configs().size === ENTITY_COUNT, 'all discovery configs back');
    for (const topic of configs())
      assert.deepEqual(validateDiscovery(topic, late.last(topic)?.payload ?? '').errors, []);
    assert.equal(JSON.parse(late.last(`${t.base}/state`)?.payload ?? '{}').session_saved_gb, 3);
  });

  it('reconnects with a growing backoff while the broker is down, and resets it once back', async () => {
    const t = startTestBridge(broker, { reconnectBackoffMs: [100, 800] });
    cleanup.push(() => t.bridge.stop());
    const obs = await observe([`${t.base}/status`]);
    await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online');
    const attempts: number[] = [];
    t.client().on('reconnect', () => attempts.push(Date.now()));
    await broker.stop();
    for (let waited = 0; attempts.length < 5 && waited < 15_000; waited += 20) await sleep(20);
    // Fixed 100 ms retries would be 100 ms apart; the backoff doubles to the cap: 200, 400, 800, 800 ms.
    // Timers never fire early, so only lower bounds are checked (a loaded machine only adds to the gaps).
    const gaps = attempts.slice(1, 5).map((at, i) => at - (attempts[i] ?? 0));
    assert.equal(gaps.length, 4, `${attempts.length} attempts`);
    assert.ok(
      gaps.every((gap, i) => gap >= Math.min(100 * 2 ** (i + 1), 800) - 15),
      `gaps grow to the cap: ${gaps}`,
    );
    await broker.start();
    await obs.waitForLast(`${t.base}/status`, (p) => p === 'online', 'online again', 5000);
    assert.equal(t.client().options.reconnectPeriod, 100);
  });

  it('progress publishing stays within its rate and ends on the latest value', async () => {
    const interval = 250;
    const t = startTestBridge(broker, { stateIntervalMs: interval });
    cleanup.push(() => t.bridge.stop());
    const topic = `${t.base}/job/current`;
    const obs = await observe([topic]);
    await obs.waitForLast(topic, (p) => JSON.parse(p).status === 'idle', 'idle');
    const job = t.queue.add('/media/rate.mkv');
    t.queue.start(job.id);
    await obs.waitForLast(topic, (p) => JSON.parse(p).status === 'transcoding', 'started');
    // The rate is the sender's: publish times are taken when the bridge writes the packet, not when the
    // observer receives it (the broker and a loaded machine add their own delays on the way).
    const sent: number[] = [];
    t.client().on('packetsend', (packet) => {
      if (packet.cmd === 'publish' && packet.topic === topic) sent.push(Date.now());
    });
    const mark = obs.messages.length;
    const began = Date.now();
    let p = 0;
    while (Date.now() - began < 1500) {
      p += 0.5;
      t.queue.progress(job.id, p);
      await sleep(10);
    }
    await obs.waitForLast(
      topic,
      (payload) => JSON.parse(payload).progress === Math.round(p * 10) / 10,
      'latest progress',
      2000,
    );
    const updates = obs.messages.slice(mark);
    const elapsed = (updates.at(-1)?.at ?? 0) - began;
    assert.ok(
      updates.length <= Math.ceil(elapsed / interval) + 1,
      `${updates.length} updates in ${elapsed} ms`,
    );
    assert.ok(updates.length >= 3, `only ${updates.length} updates`);
    assert.ok(sent.length >= updates.length, `${sent.length} publishes sent, ${updates.length} seen`);
    for (let i = 1; i < sent.length; i++) {
      const gap = (sent[i] ?? 0) - (sent[i - 1] ?? 0);
      assert.ok(gap >= interval - 15, `gap of ${gap} ms between progress publishes`);
    }
  });
});
