/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { WorkerInfo as ServerWorkerInfo } from '../../src/remote/coordinator.js';
import { VERSION } from '../../src/version.js';
import type { WorkerInfo as PanelWorkerInfo } from '../../src/web/lib/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { type Broker, startBroker } from '../helpers/broker.js';
import { get, waitFor } from '../helpers/http.js';
import { type IngressProxy, startIngressProxy } from '../helpers/ingress-proxy.js';
import { axeProblems, buildPanelOnce, horizontalOverflow, launch, shot, watchErrors } from './panel-harness.js';

// The panel mirrors the server's WorkerInfo (it cannot import it): this stops compiling when they drift.
const sameShape = (server: ServerWorkerInfo, panel: PanelWorkerInfo): [PanelWorkerInfo, ServerWorkerInfo] => [server, panel];
void sameShape;

type Encoder = { codec: string; encoder: string; accel: string; hardware: boolean };
const SOFTWARE: Encoder[] = [{ codec: 'hevc', encoder: 'libx265', accel: 'none', hardware: false }];

/** A hand-driven worker: announces itself (retained status) and publishes what the test tells it to. */
async function fakeWorker(url: string, name: string, media: string, o: { version?: string; encoders?: Encoder[]; slots?: number; free?: number } = {}) {
  const client: MqttClient = await connectAsync(url, { protocolVersion: 5, clientId: `fake-${name}` });
  const send = (kind: string, body: object) => client.publishAsync(`shrinkray/workers/${name}/${kind}`, JSON.stringify({ v: 1, ...body }), { qos: 1 });
  const status = { name, version: o.version ?? VERSION, online: true, encoders: o.encoders ?? SOFTWARE, slots: o.slots ?? 1, free: o.free ?? 1, path_maps: [{ coordinator: media, worker: media }], running: [] };
  const announce = (online: boolean) =>
    client.publishAsync(`shrinkray/workers/${name}/status`, JSON.stringify(online ? { v: 1, ...status } : { v: 1, name, online: false }), { qos: 1, retain: true });
  await announce(true);
  return { client, send, announce, close: () => client.endAsync() };
}

type Listed = { remote_workers: boolean; broker: string; workers: Array<{ name: string; online: boolean; refused: string | null }> };
const listed = async (t: TestApp) => (await get<Listed>(t.url, '/api/workers')).body;
const workerNamed = async (t: TestApp, name: string) => (await listed(t)).workers.find((w) => w.name === name);

describe('the web panel lists remote workers and forgets an offline one (issue 12, headless Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let broker: Broker;
  let t: TestApp;
  let proxy: IngressProxy;
  let context: BrowserContext | undefined;
  const workers: Array<{ close(): Promise<unknown> }> = [];

  before(async () => {
    await buildPanelOnce();
    browser = await launch();
    broker = await startBroker();
    t = await startTestApp({ sseKeepaliveMs: 1000, overrides: { remote_workers: true, mqtt_url: broker.url, local_encoding: false, remote_lease_secs: 2 } });
    await waitFor(async () => (await listed(t)).broker === 'connected', 'remote workers on');
    proxy = await startIngressProxy(t.url);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });
  after(async () => {
    for (const w of workers) await w.close();
    await browser?.close();
    await proxy?.close();
    await t?.dispose();
    await broker?.close();
  });

  async function openEncoders(): Promise<{ page: Page; errors: string[] }> {
    context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(proxy.url);
    await page.locator('[data-connection="live"]').waitFor();
    await page.getByRole('link', { name: 'Encoders' }).click();
    return { page, errors };
  }

  it('shows each worker (online, encoders, slots, refused reason); an offline one gets Forget, which asks first and removes it', async () => {
    const desk = await fakeWorker(broker.url, 'desk-gpu', t.media, {
      encoders: [{ codec: 'hevc', encoder: 'hevc_nvenc', accel: 'nvenc', hardware: true }, ...SOFTWARE],
      slots: 2,
      free: 1,
    });
    const old = await fakeWorker(broker.url, 'old-box', t.media, { version: '0.0.1' });
    workers.push(desk, old);
    await waitFor(() => workerNamed(t, 'old-box'), 'old-box announced');
    await old.send('ask', { name: 'old-box', version: '0.0.1', ask_id: 'o1' });
    await waitFor(async () => (await workerNamed(t, 'old-box'))?.refused, 'old-box refused');

    const { page, errors } = await openEncoders();
    const deskRow = page.locator('li[data-worker="desk-gpu"]');
    const oldRow = page.locator('li[data-worker="old-box"]');
    await deskRow.waitFor();
    await page.getByRole('heading', { name: 'Remote workers' }).waitFor();
    assert.match((await page.getByTestId('local-slots').textContent()) ?? '', /local encoding off/);
    assert.equal(await deskRow.getAttribute('data-online'), 'true');
    assert.equal(await deskRow.locator('.badge').textContent(), 'Online');
    assert.equal(await deskRow.locator('.hw').textContent(), 'hevc_nvenc (HEVC)');
    assert.equal(await deskRow.locator('.slots').textContent(), '1 of 2');
    assert.equal(await deskRow.locator('.running').textContent(), '0');
    assert.match((await deskRow.locator('.seen').textContent()) ?? '', /^(just now|\d+ s ago)$/);
    assert.match((await deskRow.textContent()) ?? '', new RegExp(`Version\\s*${VERSION.replaceAll('.', '\\.')}`));
    assert.equal(await deskRow.getByRole('button', { name: /Forget/ }).count(), 0, 'an online worker cannot be forgotten');
    assert.equal(await oldRow.locator('.hw').textContent(), 'software only');
    assert.match((await oldRow.locator('.refused').textContent()) ?? '', /Refused: worker old-box runs shrinkray 0\.0\.1 but the coordinator runs/);
    await shot(page, 'workers-360');
    assert.equal(await horizontalOverflow(page), 0, 'the workers list scrolls sideways at 360 px');
    assert.deepEqual(await axeProblems(page), []);

    // Offline (its last will's shape): the next refresh shows it, without a reload.
    await desk.announce(false);
    const forget = deskRow.getByRole('button', { name: 'Forget desk-gpu' });
    await forget.waitFor({ timeout: 15_000 });
    assert.equal(await deskRow.getAttribute('data-online'), 'false');
    assert.equal(await deskRow.locator('.badge').textContent(), 'Offline');
    await oldRow.scrollIntoViewIfNeeded();
    await shot(page, 'workers-360-offline', false);
    assert.deepEqual(await axeProblems(page), []);

    // Cancelling the confirmation does nothing.
    page.once('dialog', (d) => void d.dismiss());
    await forget.click();
    await sleep(500);
    assert.ok(await workerNamed(t, 'desk-gpu'), 'a dismissed confirmation forgot the worker');
    assert.equal(proxy.seen.filter((r) => r.method === 'DELETE').length, 0);
    assert.equal(await deskRow.count(), 1);

    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await forget.click();
    await deskRow.waitFor({ state: 'detached', timeout: 10_000 });
    assert.match(asked, /Forget the remote worker desk-gpu\?/);
    assert.equal(await workerNamed(t, 'desk-gpu'), undefined, 'GET /api/workers still lists the forgotten worker');
    assert.deepEqual(
      proxy.seen.filter((r) => r.method === 'DELETE').map((r) => r.path),
      ['/api/workers/desk-gpu'],
    );
    assert.deepEqual(proxy.strays, []);
    await page.getByRole('status').getByText('Forgot desk-gpu.').waitFor();
    assert.equal(await oldRow.count(), 1, 'the other worker stays');
    assert.deepEqual(errors, []);
  });

  it('a refused forget (the worker came back) shows the error on its row; polling stops when the view closes', async () => {
    const nas = await fakeWorker(broker.url, 'nas', t.media);
    workers.push(nas);
    await nas.announce(false);
    await waitFor(async () => (await workerNamed(t, 'nas'))?.online === false, 'nas offline');
    const { page, errors } = await openEncoders();
    const row = page.locator('li[data-worker="nas"]');
    const forget = row.getByRole('button', { name: 'Forget nas' });
    await forget.waitFor();
    // The panel keeps its last (offline) view while the worker comes back: its refreshes get that
    // same answer until the click, however slow the machine is.
    const stale = await (await page.waitForResponse((r) => r.url().endsWith('/api/workers') && r.request().method() === 'GET')).text();
    await page.route('**/api/workers', (route) => (route.request().method() === 'GET' ? route.fulfill({ status: 200, contentType: 'application/json', body: stale }) : route.continue()));
    await nas.announce(true);
    await waitFor(async () => (await workerNamed(t, 'nas'))?.online, 'nas online again');
    page.once('dialog', (d) => void d.accept());
    await forget.click();
    const problem = row.locator('.forget-error');
    await problem.waitFor();
    await page.unroute('**/api/workers');
    assert.match((await problem.textContent()) ?? '', /worker 'nas' is online: stop it first/);
    assert.equal(await problem.getAttribute('role'), 'alert');
    // The next refresh shows it online, and an online worker has no Forget button.
    await forget.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal(await row.getAttribute('data-online'), 'true');
    assert.ok(await workerNamed(t, 'nas'), 'a refused forget removed the worker');
    assert.equal(await horizontalOverflow(page), 0);
    assert.deepEqual(await axeProblems(page), []);
    assert.deepEqual(
      errors.filter((e) => !e.includes('status of 409')),
      [],
    );

    // Away from the view, the list is no longer fetched.
    const polls = () => proxy.seen.filter((r) => r.method === 'GET' && r.path === '/api/workers').length;
    await page.getByRole('link', { name: 'Queue' }).click();
    await page.getByTestId('pause').waitFor();
    await sleep(300);
    const before = polls();
    await sleep(6000);
    assert.equal(polls(), before, 'the workers list is still polled after its view closed');
  });
});

describe('the web panel with remote workers off (headless Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let t: TestApp;
  let proxy: IngressProxy;

  before(async () => {
    await buildPanelOnce();
    browser = await launch();
    t = await startTestApp();
    proxy = await startIngressProxy(t.url);
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    await t?.dispose();
  });

  it('says remote workers are off and how to turn them on, with the local slots', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(`${proxy.url}#encoders`);
      const off = page.getByTestId('remote-off');
      await off.waitFor();
      assert.match((await off.textContent()) ?? '', /Remote workers are off\. Set the remote_workers option to true/);
      assert.match((await page.getByTestId('local-slots').textContent()) ?? '', /local encoding on, 0 of 1 slot in use/);
      assert.equal(await page.locator('li[data-worker]').count(), 0);
      assert.equal(await horizontalOverflow(page), 0);
      assert.deepEqual(await axeProblems(page), []);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  it('on, but with no broker found yet: says so instead of "off"', async () => {
    const waiting = await startTestApp({ overrides: { remote_workers: true } });
    const waitingProxy = await startIngressProxy(waiting.url);
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    try {
      const page = await context.newPage();
      await page.goto(`${waitingProxy.url}#encoders`);
      const line = page.getByTestId('broker-waiting');
      await line.waitFor();
      assert.match((await line.textContent()) ?? '', /Remote workers are on, but no MQTT broker was found yet/);
      assert.equal(await page.getByTestId('remote-off').count(), 0);
    } finally {
      await context.close();
      await waitingProxy.close();
      await waiting.dispose();
    }
  });
});
