import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { type Broker, startBroker } from '../../helpers/broker.js';
import { ClipFactory } from '../../helpers/clips.js';
import { get, post, waitFor } from '../../helpers/http.js';
import { startTcpGate } from '../../helpers/tcp-gate.js';
import { ENTITY_COUNT, Observer } from './harness.js';

const clips = new ClipFactory();

/** The real app, a real Mosquitto, a real transcode: what Home Assistant would see. */
describe('MQTT with the real app', function () {
  this.timeout(90_000);
  let broker: Broker;
  let t: TestApp | undefined;
  let ha: Observer | undefined;
  let supervisor: Server | undefined;

  before(async () => {
    broker = await startBroker();
  });
  afterEach(async () => {
    await ha?.end();
    await t?.dispose();
    supervisor?.close();
    ha = undefined;
    t = undefined;
    supervisor = undefined;
  });
  after(async () => {
    await broker.close();
    await clips.dispose();
  });

  const response = (action: string, transaction: string) =>
    ha?.waitFor((m) => m.topic === `shrinkray/response/${action}` && JSON.parse(m.payload).transaction === transaction, `response to ${transaction}`, 15_000);

  it('publishes discovery and state, runs a job created over MQTT, fires job_complete, and answers like REST', async () => {
    ha = await Observer.connect(broker.url, ['shrinkray/#', 'homeassistant/#']);
    t = await startTestApp({ overrides: { mqtt_url: broker.url, mqtt_state_interval_secs: 1 } });
    await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online', 10_000);
    const configs = () => (ha?.messages ?? []).filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config') && m.payload !== '');
    await waitFor(() => configs().length === ENTITY_COUNT, 'every discovery config', 10_000);
    assert.ok(configs().every((m) => JSON.parse(m.payload).unique_id.startsWith('shrinkray_')));

    const file = await clips.copyTo(await clips.h264(), join(t.media, 'tv', 'ep.mp4'));
    await ha.publish('shrinkray/request/job/create', JSON.stringify({ paths: [file], preset_id: 'compress-hevc', transaction: 'tx-1' }));
    const created = JSON.parse((await response('job/create', 'tx-1'))?.payload ?? '{}');
    assert.equal(created.status, 'ok', JSON.stringify(created));

    const event = await ha.waitFor((m) => m.topic === 'shrinkray/event' && JSON.parse(m.payload).event_type === 'job_complete', 'job_complete', 60_000);
    assert.equal(event.retain, false);
    const payload = JSON.parse(event.payload);
    assert.equal(payload.path, file);
    assert.equal(payload.file, 'ep.mp4');
    assert.equal(payload.preset_id, 'compress-hevc');
    assert.equal(payload.encoder, 'libx265');
    assert.ok(payload.space_saved > 0, event.payload);
    await ha.waitFor((m) => m.topic === 'shrinkray/event' && JSON.parse(m.payload).event_type === 'queue_drained', 'queue_drained', 10_000);
    const state = await ha.waitForLast('shrinkray/state', (p) => JSON.parse(p).complete === 1, 'state after the job', 10_000);
    const rest = (await get(t.url, '/api/stats')).body;
    assert.equal(JSON.parse(state.payload).session_saved, rest.session_saved);
    // A client that connects now (Home Assistant after a restart) gets the state as a retained message.
    const late = await Observer.connect(broker.url, ['shrinkray/state']);
    const retained = await late.waitFor((m) => m.topic === 'shrinkray/state', 'retained state');
    await late.end();
    assert.equal(retained.retain, true);
    assert.equal(JSON.parse(retained.payload).complete, 1);

    // The same bad request over REST and MQTT gets the same message (D18).
    const bad = { paths: ['/etc/passwd'], preset_id: 'compress-hevc' };
    const restError = (await post(t.url, '/api/jobs', bad)).body.error;
    await ha.publish('shrinkray/request/job/create', JSON.stringify({ ...bad, transaction: 'tx-2' }));
    const mqttError = JSON.parse((await response('job/create', 'tx-2'))?.payload ?? '{}');
    assert.equal(mqttError.status, 'error');
    assert.equal(mqttError.error, restError);

    // The switch pauses the real queue.
    await ha.publish('shrinkray/set/paused', 'ON');
    await ha.waitForLast('shrinkray/state', (p) => JSON.parse(p).paused === true, 'paused state', 10_000);
    assert.equal((await get(t.url, '/api/queue')).body.paused, true);

    await t.stop();
    await ha.waitForLast('shrinkray/status', (p) => p === 'offline', 'offline on clean stop', 10_000);
  });

  it('as an add-on, finds the broker through the Supervisor services API', async () => {
    const seen: string[] = [];
    supervisor = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.setHeader('content-type', 'application/json');
      if (req.url === '/services/mqtt') {
        const { port } = new URL(broker.url);
        res.end(JSON.stringify({ result: 'ok', data: { addon: 'core_mosquitto', host: '127.0.0.1', port: Number(port), ssl: false, protocol: '3.1.1', username: 'addons', password: 'secret' } }));
      } else if (req.url === '/addons/self/info') {
        res.end(JSON.stringify({ result: 'ok', data: { slug: 'local_shrinkray' } }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ result: 'error', message: 'not found' }));
      }
    });
    await new Promise<void>((resolve) => supervisor?.listen(0, '127.0.0.1', resolve));
    const supervisorUrl = `http://127.0.0.1:${(supervisor.address() as AddressInfo).port}`;
    ha = await Observer.connect(broker.url, ['shrinkray/status', 'homeassistant/#']);
    t = await startTestApp({ overrides: { supervisor_url: supervisorUrl, supervisor_token: 'tok' } });
    await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online via the Supervisor', 10_000);
    assert.ok(seen.includes('GET /services/mqtt Bearer tok'), seen.join('\n'));
    const config = await ha.waitFor((m) => m.topic.endsWith('/config') && m.payload.includes('configuration_url'), 'a config with the device link');
    assert.equal(JSON.parse(config.payload).device.configuration_url, 'homeassistant://hassio/ingress/local_shrinkray');
  });

  it('asks the Supervisor again when it has no MQTT service yet (the broker add-on starts later)', async () => {
    let calls = 0;
    supervisor = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/services/mqtt') {
        calls += 1;
        if (calls < 3) {
          res.statusCode = 400;
          res.end(JSON.stringify({ result: 'error', message: 'Service not enabled' }));
          return;
        }
        const { port } = new URL(broker.url);
        res.end(JSON.stringify({ result: 'ok', data: { host: '127.0.0.1', port: Number(port), ssl: false } }));
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => supervisor?.listen(0, '127.0.0.1', resolve));
    const supervisorUrl = `http://127.0.0.1:${(supervisor.address() as AddressInfo).port}`;
    ha = await Observer.connect(broker.url, ['shrinkray/status']);
    t = await startTestApp({ overrides: { supervisor_url: supervisorUrl, supervisor_token: 'tok' }, appOptions: { mqttRetryMs: [100, 200] } });
    await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online after the retries', 10_000);
    assert.equal(calls, 3);
  });

  it('the real process killed with SIGKILL: the last will says offline', async () => {
    const { spawn } = await import('node:child_process');
    const { pathToFileURL } = await import('node:url');
    const { mkdtemp, mkdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const root = await mkdtemp(join(tmpdir(), 'mqtt-kill-'));
    await mkdir(join(root, 'media'));
    ha = await Observer.connect(broker.url, ['shrinkray/status']);
    const tsx = pathToFileURL(join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, join(process.cwd(), 'src', 'main.ts'), '--media', join(root, 'media'), '--data', join(root, 'data'),
      '--port', '0', '--host', '127.0.0.1', '--mqtt-url', broker.url, '--log-level', 'error'], { stdio: 'ignore' });
    try {
      await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online', 60_000);
      child.kill('SIGKILL');
      await ha.waitForLast('shrinkray/status', (p) => p === 'offline', 'offline from the last will', 15_000);
      const late = await Observer.connect(broker.url, ['shrinkray/status']);
      const retained = await late.waitFor((m) => m.topic === 'shrinkray/status', 'retained status').finally(() => late.end());
      assert.deepEqual([retained.payload, retained.retain], ['offline', true]);
    } finally {
      child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });

  it('the broker goes away during a real transcode: the job finishes, and the state is right when it returns', async () => {
    // The app reaches the broker through a gate, so that when the broker is back the observer below has
    // subscribed before the app may reconnect: the job_complete kept while offline is not retained, and
    // it goes out at once on reconnect.
    const gate = await startTcpGate(broker.port);
    try {
      t = await startTestApp({ overrides: { mqtt_url: gate.url, mqtt_state_interval_secs: 1 }, appOptions: { mqttReconnectBackoffMs: [200, 1000] } });
      ha = await Observer.connect(broker.url, ['shrinkray/#']);
      await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online', 10_000);
      const file = await clips.copyTo(await clips.slow(6), join(t.media, 'long.mkv'));
      await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
      await ha.waitForLast('shrinkray/state', (p) => JSON.parse(p).running === 1, 'running', 20_000);
      await ha.end();
      ha = undefined;
      await broker.stop();
      gate.shut();
      const app = t;
      assert.equal((await get(app.url, '/api/stats')).body.complete, 0, 'the job was still running when the broker went away');
      await waitFor(async () => (await get(app.url, '/api/stats')).body.complete === 1, 'job complete without a broker', 60_000);
      await broker.start();
      // Mosquitto runs without persistence here: everything Home Assistant sees now was republished.
      ha = await Observer.connect(broker.url, ['shrinkray/#', 'homeassistant/#']);
      const before = gate.passed();
      gate.open();
      await ha.waitForLast('shrinkray/status', (p) => p === 'online', 'online again', 20_000);
      assert.ok(gate.passed() > before, 'the app came back through the gate');
      const state = await ha.waitForLast('shrinkray/state', (p) => JSON.parse(p).complete === 1 && JSON.parse(p).running === 0, 'state restored', 20_000);
      assert.equal(JSON.parse(state.payload).session_saved, (await get(t.url, '/api/stats')).body.session_saved);
      await waitFor(() => (ha?.messages ?? []).filter((m) => m.topic.endsWith('/config')).length === ENTITY_COUNT, 'discovery republished', 10_000);
      const event = await ha.waitFor((m) => m.topic === 'shrinkray/event' && JSON.parse(m.payload).event_type === 'job_complete', 'the job_complete kept while offline', 10_000);
      assert.equal(JSON.parse(event.payload).path, file);
    } finally {
      await gate.close();
    }
  });

  it('without a broker configured, MQTT is off: no bridge, no Supervisor call, and the service runs', async () => {
    const { startMqtt } = await import('../../../src/mqtt/start.js');
    t = await startTestApp();
    let fetched = 0;
    const handle = await startMqtt({
      settings: t.app.settings.get(),
      view: t.app.queue,
      actions: t.app.service,
      encoders: t.app.encoders,
      store: undefined as never, // never reached when MQTT is off
      log: (await import('../../../src/log.js')).createLogger('silent'),
      version: 'test',
      fetchImpl: async () => {
        fetched += 1;
        return new Response('{}');
      },
    });
    assert.equal(handle.bridge(), undefined);
    assert.equal(fetched, 0);
    await handle.stop();
    assert.equal((await get(t.url, '/api/health')).status, 200);
  });
});
