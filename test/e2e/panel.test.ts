/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { get, post, waitFor } from '../helpers/http.js';
import { type IngressProxy, startIngressProxy } from '../helpers/ingress-proxy.js';
import { buildPanelOnce, launch, shot, watchErrors } from './panel-harness.js';

const clips = new ClipFactory();
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

describe('the web panel under Home Assistant ingress (headless Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let t: TestApp | undefined;
  let proxy: IngressProxy | undefined;
  let context: BrowserContext | undefined;

  before(async () => {
    await buildPanelOnce();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await clips.dispose();
  });
  afterEach(async () => {
    await context?.close();
    await proxy?.close();
    await t?.dispose();
    context = undefined;
    proxy = undefined;
    t = undefined;
  });

  /** A fresh app behind the ingress stand-in, and a page on the panel. */
  async function open(opts: Parameters<typeof startTestApp>[0] = {}, hash = ''): Promise<{ page: Page; errors: string[] }> {
    t = await startTestApp({ sseKeepaliveMs: 1000, ...opts });
    proxy = await startIngressProxy(t.url);
    context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(proxy.url + hash);
    await page.locator('[data-connection="live"]').waitFor();
    return { page, errors };
  }

  it('browse a folder, select it, add it with a preset: jobs appear and complete live; remove one; the chart keeps the saved bytes', async () => {
    const { page, errors } = await open();
    const app = t as TestApp;
    await clips.copyTo(await clips.h264(), join(app.media, 'Show', 'ep1.mp4'));
    await clips.copyTo(await clips.h264(), join(app.media, 'Show', 'ep2.mp4'));
    await page.getByRole('link', { name: 'Browse' }).click();
    // One media root: the panel opens on that folder itself, with live counts from the browse stream.
    await page.getByRole('heading', { name: app.media }).waitFor();
    await page.locator('li[data-path$="/Show"]').getByText('2 videos').waitFor();
    await page.getByRole('checkbox', { name: 'Select Show' }).check();
    await page.getByText('1 selected').waitFor();
    await page.getByRole('combobox', { name: 'Preset' }).selectOption('compress-hevc');
    assert.match((await page.getByRole('combobox', { name: 'Preset' }).locator('option:checked').textContent()) ?? '', /Compress \(HEVC\) \[(SW|HW)\]/);
    await shot(page, 'browse');
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByText(/Processing 1 paths in background/).waitFor();

    await page.getByRole('link', { name: 'Queue' }).click();
    const rows = page.locator('.job');
    await waitFor(async () => (await rows.count()) === 2, 'two job rows', 30_000);
    await page.locator('.job[data-status="complete"]').nth(1).waitFor({ timeout: 60_000 });
    const jobs = (await get(app.url, '/api/jobs')).body.jobs as Array<{ id: string; input_path: string; space_saved: number; status: string }>;
    assert.deepEqual(jobs.map((j) => j.status), ['complete', 'complete']);
    const saved = jobs.reduce((n, j) => n + j.space_saved, 0);
    assert.ok(saved > 0);
    await page.getByTestId('totals').getByText('2 complete').waitFor();
    assert.match((await rows.first().textContent()) ?? '', /saved/);

    // The chart: today's bar holds exactly the bytes the finished jobs saved.
    const bar = page.locator(`rect[data-date="${today()}"]`);
    await waitFor(async () => Number(await bar.getAttribute('data-saved')) === saved, "today's bar", 10_000);
    assert.ok(Number(await bar.getAttribute('height')) > 0);
    await shot(page, 'queue-complete');

    // Remove one finished job from its row: gone from the panel and the API; history unaffected.
    const first = jobs[0] as { id: string; input_path: string };
    await page.getByRole('button', { name: `Remove ${first.input_path.split('/').pop()}` }).click();
    await waitFor(async () => (await rows.count()) === 1, 'one row left');
    assert.equal((await get(app.url, `/api/jobs/${first.id}`)).status, 404);
    assert.equal((await post(app.url, '/api/jobs/clear')).body.cleared, 1);
    await waitFor(async () => (await rows.count()) === 0, 'no rows left');
    const history = await get(app.url, '/api/stats/history?days=30');
    assert.equal(history.body.total_saved, saved);
    await page.reload();
    await waitFor(async () => Number(await page.locator(`rect[data-date="${today()}"]`).getAttribute('data-saved')) === saved, 'bar after reload');
    assert.deepEqual(proxy?.strays, [], 'every URL the panel used was relative to the ingress path');
    assert.ok(proxy?.seen.some((r) => r.path === '/api/browse/stream?path=' + encodeURIComponent(app.media)));
    assert.deepEqual(errors, []);
  });

  it('cancel a running job from its row', async () => {
    const { FakeFfmpeg } = await import('../helpers/fake-ffmpeg.js');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const fake = await FakeFfmpeg.create(await mkdtemp(join(tmpdir(), 'panel-fake-')), { rules: [{ kind: 'transcode', input: 'stuck', action: 'stall', afterFrames: 3 }] });
    const { page } = await open({ overrides: { ffmpeg_path: fake.path } });
    const app = t as TestApp;
    const file = await clips.copyTo(await clips.h264(), join(app.media, 'stuck.mp4'));
    assert.equal((await post(app.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' })).status, 202);
    const row = page.locator('.job[data-status="running"]');
    await row.waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Cancel stuck.mp4' }).click();
    await page.locator('.job[data-status="cancelled"]').waitFor();
    const job = (await get(app.url, '/api/jobs')).body.jobs[0];
    assert.equal(job.status, 'cancelled');
    await page.getByText('1 cancelled', { exact: false }).waitFor();
  });

  it('SmartShrink presets, when the service lists them, bring a quality tier select that goes with the request', async () => {
    const { page } = await open();
    const app = t as TestApp;
    await clips.copyTo(await clips.h264(), join(app.media, 'film.mp4'));
    // The presets as a service with VMAF scoring lists them (this machine may have none).
    const listed = (await get(app.url, '/api/presets')).body as Array<{ id: string }>;
    const smart = { id: 'smartshrink-hevc', name: 'SmartShrink (HEVC) [SW]', description: 'Auto-optimize with VMAF analysis', encoder: 'none', codec: 'hevc', max_height: 0, is_smart_shrink: true };
    await page.route('**/api/presets', (route) => route.fulfill({ json: [...listed.filter((p) => p.id !== smart.id), smart] }));
    await page.getByRole('link', { name: 'Browse' }).click();
    await page.getByRole('checkbox', { name: 'Select film.mp4' }).check();
    assert.equal(await page.getByRole('combobox', { name: 'Quality' }).count(), 0, 'no tier for a plain preset');
    await page.getByRole('combobox', { name: 'Preset' }).selectOption('smartshrink-hevc');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('excellent');
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/jobs') && r.method() === 'POST');
    await page.getByRole('button', { name: 'Add to queue' }).click();
    assert.deepEqual((await sent).postDataJSON(), { paths: [join(app.media, 'film.mp4')], preset_id: 'smartshrink-hevc', smartshrink_quality: 'excellent' });
    // Whatever the service answers is shown (here it may refuse SmartShrink without VMAF scoring).
    await page.locator('[role="status"]').filter({ hasText: /Processing 1 paths|SmartShrink|preset/i }).first().waitFor();
  });

  it('settings: a change persists after a reload; each validation error is shown next to its field; read-only ones are marked', async () => {
    // stall_timeout_secs given like a flag/env/add-on option: read-only in the panel.
    const { page } = await open({ overrides: { stall_timeout_secs: 300 } }, '#settings');
    const locked = page.getByLabel('Stop ffmpeg after this many seconds without progress');
    await locked.waitFor();
    assert.equal(await locked.isDisabled(), true);
    assert.equal(await locked.inputValue(), '300');
    await page.locator('[data-field="stall_timeout_secs"]').getByText(/read-only here/).waitFor();
    assert.equal(await page.getByLabel('Original file').isDisabled(), false);
    const app = t as TestApp;
    const original = page.getByLabel('Original file');
    await original.selectOption('keep');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    assert.equal((await get(app.url, '/api/config')).body.original_handling, 'keep');
    await page.reload();
    await page.getByRole('button', { name: 'Save settings' }).waitFor();
    assert.equal(await page.getByLabel('Original file').inputValue(), 'keep');

    await page.getByLabel('Workers (jobs at once)').fill('9');
    await page.getByLabel('Window starts at (hour)').fill('5');
    await page.getByLabel('Window ends at (hour)').fill('5');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const workers = page.locator('[data-field="workers"]');
    await workers.getByText('workers must be a whole number between 1 and 6').waitFor();
    assert.equal(await page.getByLabel('Workers (jobs at once)').getAttribute('aria-invalid'), 'true');
    for (const field of ['schedule_start_hour', 'schedule_end_hour']) {
      assert.match((await page.locator(`[data-field="${field}"] .error`).textContent()) ?? '', /must differ/);
    }
    assert.equal(await page.locator('[data-field="original_handling"] .error').count(), 0);
    await shot(page, 'settings-errors');
    const config = (await get(app.url, '/api/config')).body;
    assert.deepEqual([config.workers, config.schedule_start_hour], [1, 22], 'nothing of a refused PUT was applied');
  });

  it('encoders: what detection found, and "Detect again" shows every encoder with its reason', async () => {
    // The fake ffmpeg answers test encodes at once: software ones pass, GPU ones find no device.
    const { FakeFfmpeg } = await import('../helpers/fake-ffmpeg.js');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const fake = await FakeFfmpeg.create(await mkdtemp(join(tmpdir(), 'panel-fake-')), { listing: { add: ['hevc_nvenc', 'hevc_vaapi'] } });
    const { page } = await open({ overrides: { ffmpeg_path: fake.path } }, '#encoders');
    await page.getByRole('cell', { name: /libx265/ }).first().waitFor();
    assert.equal(await page.locator('tr[data-encoder="hevc_nvenc"]').count(), 0, 'only working encoders before a detection');
    await page.getByRole('button', { name: 'Detect again' }).click();
    await page.getByRole('columnheader', { name: 'Why' }).waitFor({ timeout: 30_000 });
    const nvenc = page.locator('tr[data-encoder="hevc_nvenc"]');
    await nvenc.waitFor();
    assert.match((await nvenc.textContent()) ?? '', /\[HW\].*no/s);
    const detected = (await post((t as TestApp).url, '/api/encoders/detect')).body as { results: Array<{ encoder: string; detail: string }> };
    const reason = detected.results.find((r) => r.encoder === 'hevc_nvenc')?.detail ?? '';
    assert.ok(reason.length > 0);
    assert.ok(((await nvenc.textContent()) ?? '').includes(reason.slice(0, 20)), reason);
    await shot(page, 'encoders');
  });

  it('a pause made elsewhere shows in the panel, resume from the panel; a stalled stream: polling meanwhile, then a reconnect resynchronises from init', async () => {
    t = await startTestApp({ sseKeepaliveMs: 300 });
    const app = t;
    proxy = await startIngressProxy(app.url);
    context = await browser.newContext();
    // Test hook: notice a stall after 1.5 s (production: 40 s; the keepalive comes every 15 s).
    await context.addInitScript(() => {
      (window as unknown as { SHRINKRAY_PANEL: object }).SHRINKRAY_PANEL = { stallMs: 1500, pollMs: 400 };
    });
    const page = await context.newPage();
    await page.goto(proxy.url);
    await page.locator('[data-connection="live"]').waitFor();
    const state = page.getByTestId('queue-state');
    await state.getByText('Running').waitFor();

    // A pause made elsewhere (REST here; MQTT, an automation or another tab alike) shows; resume from the panel.
    assert.equal((await post(app.url, '/api/queue/pause')).status, 200);
    await state.getByText('Paused').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Resume queue' }).click();
    await state.getByText('Running').waitFor();
    assert.equal((await get(app.url, '/api/queue')).body.paused, false);

    await app.app.service.pause();
    const probe = { size: 1000, duration_ms: 1000, bitrate: 1, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [] };
    const { newJob } = await import('../../src/jobs/job.js');
    const job = (i: number) => newJob({ id: `1-${i}`, path: join(app.media, `f${i}.mkv`), presetId: 'compress-hevc', encoder: 'none', probe: probe as never, now: new Date() });
    app.app.queue.add([job(1), job(2), job(3)]);
    await waitFor(async () => (await page.locator('.job').count()) === 3, 'three rows, live');

    proxy.stall();
    await page.locator('[data-connection="polling"]').waitFor({ timeout: 10_000 });
    // Changes the stream can't deliver now reach the panel by polling.
    assert.equal((await post(app.url, '/api/jobs/clear?status=pending')).body.cleared, 3);
    await waitFor(async () => (await page.locator('.job').count()) === 0, 'rows gone while polling', 10_000);
    await app.app.service.resume();
    await state.getByText('Running').waitFor({ timeout: 10_000 });
    proxy.unstall();
    await page.locator('[data-connection="live"]').waitFor({ timeout: 15_000 });
    // Back on the stream: a new job shows up at once.
    app.app.queue.add([job(9)]);
    await page.locator('.job[data-id="1-9"]').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('[data-connection="live"]').count(), 1);
    assert.deepEqual(proxy.strays, []);
  });
});
