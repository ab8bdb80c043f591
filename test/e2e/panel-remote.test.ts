/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Browser, BrowserContext } from 'playwright-core';
import { VERSION } from '../../src/version.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { type Broker, startBroker } from '../helpers/broker.js';
import { ClipFactory } from '../helpers/clips.js';
import { get, post, waitFor } from '../helpers/http.js';
import { type IngressProxy, startIngressProxy } from '../helpers/ingress-proxy.js';
import { buildPanelOnce, launch, watchErrors } from './panel-harness.js';

const clips = new ClipFactory();

describe('the web panel shows the remote worker of a job (issue 12, headless Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let broker: Broker;
  let t: TestApp;
  let proxy: IngressProxy;
  let context: BrowserContext;
  let worker: MqttClient;

  before(async () => {
    await buildPanelOnce();
    browser = await launch();
    broker = await startBroker();
    t = await startTestApp({ sseKeepaliveMs: 1000, overrides: { remote_workers: true, mqtt_url: broker.url, local_encoding: false, remote_lease_secs: 30 } });
    proxy = await startIngressProxy(t.url);
    // The fake worker's single ask is not retained: the coordinator must be subscribed before it is sent.
    const app = t;
    await waitFor(async () => (await get(app.url, '/api/workers')).body.broker === 'connected', 'the coordinator on the broker', 30_000);
  });
  after(async () => {
    await worker?.endAsync();
    await context?.close();
    await browser?.close();
    await proxy?.close();
    await t?.dispose();
    await broker?.close();
    await clips.dispose();
  });

  it('a job running on a remote worker says "on <worker>" in its row and its details', async () => {
    // A hand-driven worker that asks once and holds the job it gets (its lease outlives the test).
    worker = await connectAsync(broker.url, { protocolVersion: 5, clientId: 'fake-desk' });
    const assigned = new Promise<void>((resolve) => worker.on('message', (topic) => topic.endsWith('/assign') && resolve()));
    await worker.subscribeAsync('shrinkray/workers/desk-gpu/#');
    const status = { v: 1, name: 'desk-gpu', version: VERSION, online: true, encoders: [{ codec: 'hevc', encoder: 'libx265', accel: 'none', hardware: false }], slots: 1, free: 1, path_maps: [{ coordinator: t.media, worker: t.media }], running: [] };
    await worker.publishAsync('shrinkray/workers/desk-gpu/status', JSON.stringify(status), { qos: 1, retain: true });
    await worker.publishAsync('shrinkray/workers/desk-gpu/ask', JSON.stringify({ v: 1, name: 'desk-gpu', version: VERSION, ask_id: 'p1' }), { qos: 1 });
    context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(proxy.url);
    await page.locator('[data-connection="live"]').waitFor();
    const file = await clips.copyTo(await clips.h264(1), join(t.media, 'remote.mp4'));
    assert.equal((await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' })).status, 202);
    await assigned;
    const row = page.locator('.job[data-status="running"]');
    await row.waitFor({ timeout: 30_000 });
    await waitFor(async () => /\bon desk-gpu\b/.test((await row.locator('.enc').textContent()) ?? ''), 'worker shown in the row', 10_000);
    assert.match((await row.locator('.enc').getAttribute('title')) ?? '', /remote worker desk-gpu/);
    await row.getByRole('button', { name: 'remote.mp4', exact: true }).click();
    await page.getByRole('dialog').getByText('on desk-gpu', { exact: false }).waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
  });
});
