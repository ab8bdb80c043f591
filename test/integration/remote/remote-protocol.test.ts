import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { VERSION } from '../../../src/version.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { type Broker, startBroker } from '../../helpers/broker.js';
import { ClipFactory } from '../../helpers/clips.js';
import { entityState, validateAttributesPayload, validateDiscovery } from '../../helpers/ha-rules.js';
import { get, post, waitFor } from '../../helpers/http.js';
import { startSupervisor } from '../mqtt/harness.js';

const clips = new ClipFactory();
after(() => clips.dispose());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every MQTT client a test opens; afterEach ends the ones a failed test left open (they would retry forever). */
const clients: MqttClient[] = [];
const connect = async (url: string, options: IClientOptions): Promise<MqttClient> => {
  const client = await connectAsync(url, options);
  clients.push(client);
  return client;
};

/** A hand-driven worker speaking the protocol, to play the stale, late or mismatched worker. */
async function fakeWorker(url: string, name: string, maps: Array<{ coordinator: string; worker: string }>) {
  const client: MqttClient = await connect(url, { protocolVersion: 5, clientId: `fake-${name}` });
  const inbox: Array<{ topic: string; body: Record<string, unknown> }> = [];
  client.on('message', (topic, payload) => {
    if (payload.length > 0) inbox.push({ topic, body: JSON.parse(payload.toString()) });
  });
  await client.subscribeAsync(`shrinkray/workers/${name}/#`);
  const send = (kind: string, body: object) => client.publishAsync(`shrinkray/workers/${name}/${kind}`, JSON.stringify({ v: 1, ...body }), { qos: 1 });
  const status = { name, version: VERSION, online: true, encoders: [{ codec: 'hevc', encoder: 'libx265', accel: 'none', hardware: false }], slots: 1, free: 1, path_maps: maps, running: [] };
  await client.publishAsync(`shrinkray/workers/${name}/status`, JSON.stringify({ v: 1, ...status }), { qos: 1, retain: true });
  const next = (kind: string, timeoutMs = 10_000) => waitFor(() => inbox.find((m) => m.topic.endsWith(`/${kind}`)), `${name} gets ${kind}`, timeoutMs);
  return { client, inbox, send, next, close: () => client.endAsync() };
}

describe('remote worker protocol against a real coordinator and Mosquitto (issue 12)', function () {
  this.timeout(60_000);
  let broker: Broker;
  let t: TestApp;

  beforeEach(async () => {
    broker = await startBroker();
    t = await startTestApp({ overrides: { remote_workers: true, mqtt_url: broker.url, local_encoding: false, remote_lease_secs: 2 } });
    await waitFor(async () => (await get(t.url, '/api/workers')).body.broker === 'connected', 'remote on');
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.end(true);
    await t.dispose();
    await broker.close();
  });

  it('a worker of another version is refused with a readable message and gets no job', async () => {
    await clips.copyTo(await clips.h264(1), join(t.media, 'a.mp4'));
    const w = await fakeWorker(broker.url, 'old', [{ coordinator: t.media, worker: t.media }]);
    await w.send('ask', { name: 'old', version: '0.0.1', ask_id: 'x1' });
    const refused = await w.next('refused');
    assert.match(String(refused.body.reason), new RegExp(`worker old runs shrinkray 0\\.0\\.1 but the coordinator runs ${VERSION.replaceAll('.', '\\.')}: install`));
    await post(t.url, '/api/jobs', { paths: [join(t.media, 'a.mp4')], preset_id: 'compress-hevc' });
    await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs.length === 1, 'job added');
    await sleep(1500);
    assert.equal(w.inbox.some((m) => m.topic.endsWith('/assign')), false);
    assert.equal((await get(t.url, '/api/jobs')).body.jobs[0].status, 'pending');
    const listed = (await get(t.url, '/api/workers')).body.workers.find((x: { name: string }) => x.name === 'old');
    assert.match(listed.refused, /0\.0\.1/);
    // Upgraded: the refusal is gone and it gets the job.
    await w.send('ask', { name: 'old', version: VERSION, ask_id: 'x2' });
    await w.next('assign');
    const upgraded = (await get(t.url, '/api/workers')).body.workers.find((x: { name: string }) => x.name === 'old');
    assert.equal(upgraded.refused, null);
    await w.close();
  });

  it('a worker that cannot see a file never gets it; one that can, does', async () => {
    await mkdir(join(t.media, 'movies'));
    await mkdir(join(t.media, 'tv'));
    await clips.copyTo(await clips.h264(1), join(t.media, 'movies', 'm.mp4'));
    const blind = await fakeWorker(broker.url, 'blind', [{ coordinator: join(t.media, 'tv'), worker: '/mnt/tv' }]);
    await blind.send('ask', { name: 'blind', version: VERSION, ask_id: 'b1' });
    await post(t.url, '/api/jobs', { paths: [join(t.media, 'movies')], preset_id: 'compress-hevc' });
    await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs.length === 1, 'job added');
    await sleep(1500);
    assert.equal(blind.inbox.some((m) => m.topic.endsWith('/assign')), false, 'the blind worker got the job');
    const sees = await fakeWorker(broker.url, 'sees', [{ coordinator: t.media, worker: '/mnt/all' }]);
    await sees.send('ask', { name: 'sees', version: VERSION, ask_id: 's1' });
    const assign = await sees.next('assign');
    assert.equal(assign.body.input, '/mnt/all/movies/m.mp4');
    assert.match(String(assign.body.staging), /^\/mnt\/all\/movies\/\.m\.[0-9a-f]{16}\.shrinkray\.part\.mkv$/);
    const job = (await get(t.url, '/api/jobs')).body.jobs[0];
    assert.equal(job.status, 'running');
    assert.equal(job.worker, 'sees');
    await blind.close();
    await sees.close();
  });

  it('a lease that expires requeues the job at the front; the late result is discarded and its file removed', async () => {
    const input = await clips.copyTo(await clips.h264(1), join(t.media, 'late.mp4'));
    const before = await stat(input);
    const w = await fakeWorker(broker.url, 'late', [{ coordinator: t.media, worker: t.media }]);
    await w.send('ask', { name: 'late', version: VERSION, ask_id: 'l1' });
    await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' });
    const assign = (await w.next('assign')).body as { job_id: string; lease_id: string; staging: string };
    await w.send('progress', { job_id: assign.job_id, lease_id: assign.lease_id, seq: 1, progress: 10, speed: 1, eta: '' });
    const ack = await w.next('lease');
    assert.equal(ack.body.ok, true);
    assert.equal((await get(t.url, `/api/jobs`)).body.jobs[0].progress, 10);
    // Silence: the lease (2 s) runs out and the job is pending again, soon after.
    const t0 = Date.now();
    await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs[0].status === 'pending', 'requeued', 6000);
    // The lease (2 s) plus the coordinator's 1 s check, with room for a loaded machine: far from never.
    assert.ok(Date.now() - t0 < 5000, `requeued after ${Date.now() - t0} ms`);
    // The late worker now stages a file and reports it with the dead lease.
    await writeFile(assign.staging, 'not a video');
    await w.send('result', { job_id: assign.job_id, lease_id: assign.lease_id, outcome: 'staged', staging: assign.staging, size: 11, expect: { duration_ms: 1000, audio_streams: 1 } });
    await waitFor(() => stat(assign.staging).then(() => false, () => true), 'late staged file removed', 5000);
    const job = (await get(t.url, '/api/jobs')).body.jobs[0];
    assert.equal(job.status, 'pending');
    const now = await stat(input);
    assert.equal(now.ino, before.ino);
    assert.equal(now.size, before.size);
    // Progress from the dead lease is refused and the worker told to stop.
    w.inbox.length = 0;
    await w.send('progress', { job_id: assign.job_id, lease_id: assign.lease_id, seq: 2, progress: 20, speed: 1, eta: '' });
    const revoke = await w.next('lease');
    assert.equal(revoke.body.ok, false);
    await w.close();
  });

  it('each worker is a Home Assistant binary_sensor (online) and sensor (running jobs), removed when forgotten', async () => {
    const ha: MqttClient = await connect(broker.url, { protocolVersion: 5, clientId: 'ha' });
    const retained = new Map<string, string>();
    ha.on('message', (topic, payload) => retained.set(topic, payload.toString()));
    await ha.subscribeAsync(['homeassistant/+/+/+/config', 'shrinkray/worker/+/state'], { qos: 1 });
    const w = await fakeWorker(broker.url, 'Desk-GPU', [{ coordinator: t.media, worker: t.media }]);
    const configOf = (component: string, object: string) => [...retained].find(([topic]) => topic.startsWith(`homeassistant/${component}/`) && topic.endsWith(`/${object}/config`));
    const online = await waitFor(() => configOf('binary_sensor', 'worker_desk_gpu_online')?.[1] || undefined, 'online entity', 10_000);
    const running = await waitFor(() => configOf('sensor', 'worker_desk_gpu_running')?.[1] || undefined, 'running entity', 10_000);
    for (const [component, text] of [['binary_sensor', online], ['sensor', running]] as const) {
      const topic = configOf(component, component === 'sensor' ? 'worker_desk_gpu_running' : 'worker_desk_gpu_online')?.[0] ?? '';
      const result = validateDiscovery(topic, text);
      assert.deepEqual([...result.errors, ...result.warnings], [], `${topic}: ${result.errors.join('; ')}`);
    }
    const onlineConfig = JSON.parse(online);
    const runningConfig = JSON.parse(running);
    assert.equal(onlineConfig.default_entity_id, 'binary_sensor.shrinkray_worker_desk_gpu_online');
    const state = () => retained.get(onlineConfig.state_topic) ?? '';
    await waitFor(() => state() !== '', 'worker state');
    assert.equal(entityState('binary_sensor', onlineConfig, state()), 'on');
    assert.equal(entityState('sensor', runningConfig, state()), '0');
    assert.deepEqual(validateAttributesPayload(state()), []);
    // A job assigned to it: running jobs 1.
    await w.send('ask', { name: 'Desk-GPU', version: VERSION, ask_id: 'h1' });
    await clips.copyTo(await clips.h264(1), join(t.media, 'ha.mp4'));
    await post(t.url, '/api/jobs', { paths: [join(t.media, 'ha.mp4')], preset_id: 'compress-hevc' });
    await w.next('assign');
    await waitFor(() => entityState('sensor', runningConfig, state()) === '1', 'running jobs 1', 10_000);
    // The worker goes offline (its last will or a clean stop): the binary_sensor says off.
    await w.client.publishAsync('shrinkray/workers/Desk-GPU/status', JSON.stringify({ v: 1, name: 'Desk-GPU', online: false }), { qos: 1, retain: true });
    await waitFor(() => entityState('binary_sensor', onlineConfig, state()) === 'off', 'offline', 10_000);
    // Forgotten (its retained status cleared): both configs and the state are removed.
    await w.client.publishAsync('shrinkray/workers/Desk-GPU/status', '', { qos: 1, retain: true });
    await waitFor(() => configOf('binary_sensor', 'worker_desk_gpu_online')?.[1] === '' && configOf('sensor', 'worker_desk_gpu_running')?.[1] === '' && state() === '', 'entities removed', 10_000);
    assert.equal((await get(t.url, '/api/workers')).body.workers.some((x: { name: string }) => x.name === 'Desk-GPU'), false);
    await w.close();
    await ha.endAsync();
  });

  it('DELETE /api/workers/{name} forgets an offline worker: the list, its entities and its retained status; an online or busy one is kept', async () => {
    const del = (name: string) => fetch(`${t.url}/api/workers/${encodeURIComponent(name)}`, { method: 'DELETE' }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const listed = async () => ((await get(t.url, '/api/workers')).body.workers as Array<{ name: string }>).map((x) => x.name);
    const w = await fakeWorker(broker.url, 'old-desk', [{ coordinator: t.media, worker: t.media }]);
    await waitFor(async () => (await listed()).includes('old-desk'), 'worker listed');
    const online = await del('old-desk');
    assert.equal(online.status, 409);
    assert.match(online.body.error, /old-desk' is online: stop it first/);
    // Holding a job: kept even when it says it is offline (the lease decides what happens to the job).
    await clips.copyTo(await clips.h264(1), join(t.media, 'f.mp4'));
    await w.send('ask', { name: 'old-desk', version: VERSION, ask_id: 'f1' });
    await post(t.url, '/api/jobs', { paths: [join(t.media, 'f.mp4')], preset_id: 'compress-hevc' });
    await w.next('assign');
    await w.client.publishAsync('shrinkray/workers/old-desk/status', JSON.stringify({ v: 1, name: 'old-desk', online: false }), { qos: 1, retain: true });
    await waitFor(async () => (await get(t.url, '/api/workers')).body.workers[0]?.online === false, 'offline');
    const busy = await del('old-desk');
    assert.equal(busy.status, 409);
    assert.match(busy.body.error, /holds a job/);
    // The lease (2 s) runs out; now it can be forgotten.
    await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs[0].status === 'pending', 'requeued', 6000);
    const ha: MqttClient = await connect(broker.url, { protocolVersion: 5, clientId: 'ha-forget' });
    const retained = new Map<string, string>();
    ha.on('message', (topic, payload) => retained.set(topic, payload.toString()));
    await ha.subscribeAsync(['homeassistant/+/+/+/config'], { qos: 1 });
    await waitFor(() => [...retained.keys()].some((k) => k.endsWith('/worker_old_desk_online/config')), 'entity config seen');
    await w.close();
    const gone = await del('old-desk');
    assert.deepEqual([gone.status, gone.body], [200, { forgotten: 'old-desk' }]);
    assert.deepEqual(await listed(), []);
    await waitFor(() => [...retained].filter(([k]) => k.includes('/worker_old_desk_')).every(([, v]) => v === ''), 'entities removed', 10_000);
    await ha.endAsync();
    // Its retained status is gone from the broker: a late subscriber (the next start) sees nothing.
    const late: MqttClient = await connect(broker.url, { protocolVersion: 5, clientId: 'late' });
    const seen: string[] = [];
    late.on('message', (topic, payload) => payload.length > 0 && seen.push(topic));
    await late.subscribeAsync('shrinkray/workers/old-desk/status', { qos: 1 });
    await sleep(500);
    assert.deepEqual(seen, []);
    await late.endAsync();
    // Unknown names, and names no worker can have, are 404 and publish nothing.
    const spy: MqttClient = await connect(broker.url, { protocolVersion: 5, clientId: 'spy' });
    const published: string[] = [];
    spy.on('message', (topic) => published.push(topic));
    await spy.subscribeAsync('shrinkray/workers/#', { qos: 1 });
    await sleep(300);
    published.length = 0;
    for (const name of ['old-desk', 'nobody', '+', '#', 'a/b', 'OLD-DESK', 'old-desk ']) {
      const r = await del(name);
      assert.equal(r.status, 404, name);
      assert.match(r.body.error, /no remote worker named/);
    }
    await sleep(300);
    assert.deepEqual(published, []);
    await spy.endAsync();
  });

  it('messages from unknown workers and malformed payloads change nothing', async () => {
    const input = await clips.copyTo(await clips.h264(1), join(t.media, 'x.mp4'));
    await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' });
    await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs.length === 1, 'job added');
    const id = (await get(t.url, '/api/jobs')).body.jobs[0].id;
    const client = await connect(broker.url, { protocolVersion: 5 });
    for (const [topic, payload] of [
      ['shrinkray/workers/ghost/ask', JSON.stringify({ v: 1, name: 'ghost', version: VERSION, ask_id: 'g' })],
      ['shrinkray/workers/ghost/result', JSON.stringify({ v: 1, job_id: id, lease_id: 'nope', outcome: 'failed', error: 'boom' })],
      ['shrinkray/workers/ghost/progress', '{not json'],
      ['shrinkray/workers/ghost/result', JSON.stringify({ v: 9, job_id: id, lease_id: 'nope', outcome: 'skipped', reason: 'x' })],
    ] as const) await client.publishAsync(topic, payload, { qos: 1 });
    await sleep(1000);
    assert.equal((await get(t.url, '/api/jobs')).body.jobs[0].status, 'pending');
    await client.endAsync();
  });
});

describe('remote workers without mqtt_url (issue 12)', function () {
  this.timeout(60_000);
  let broker: Broker;
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
    await broker?.close();
  });

  it("in the add-on the coordinator uses the Supervisor's broker (the Mosquitto add-on) like the MQTT bridge", async () => {
    broker = await startBroker();
    const supervisor = await startSupervisor(broker);
    try {
      t = await startTestApp({ overrides: { remote_workers: true, local_encoding: false, supervisor_url: supervisor.url, supervisor_token: 'tok' } });
      const app = t;
      await waitFor(async () => (await get(app.url, '/api/workers')).body.broker === 'connected', 'remote on through the Supervisor', 10_000);
      assert.ok(supervisor.seen.some((line) => line === 'GET /services/mqtt Bearer tok'));
      await clips.copyTo(await clips.h264(1), join(app.media, 's.mp4'));
      const w = await fakeWorker(broker.url, 'nas', [{ coordinator: app.media, worker: '/mnt/media' }]);
      await w.send('ask', { name: 'nas', version: VERSION, ask_id: 'n1' });
      await post(app.url, '/api/jobs', { paths: [join(app.media, 's.mp4')], preset_id: 'compress-hevc' });
      assert.equal((await w.next('assign')).body.input, '/mnt/media/s.mp4');
      await w.close();
    } finally {
      await supervisor.close();
    }
  });

  it('with no broker at all, GET /api/workers says it waits for one and DELETE says why; with the setting off, that it is off', async () => {
    t = await startTestApp({ overrides: { remote_workers: true } });
    const body = (await get(t.url, '/api/workers')).body;
    assert.deepEqual([body.remote_workers, body.broker], [true, 'none']);
    const r = await fetch(`${t.url}/api/workers/desk`, { method: 'DELETE' });
    assert.equal(r.status, 404);
    assert.match((await r.json()).error, /waiting for an MQTT broker/);
    await t.dispose();
    t = await startTestApp();
    const off = (await get(t.url, '/api/workers')).body;
    assert.deepEqual([off.remote_workers, off.broker], [false, 'none']);
    const r2 = await fetch(`${t.url}/api/workers/desk`, { method: 'DELETE' });
    assert.match((await r2.json()).error, /remote workers are off/);
  });
});
