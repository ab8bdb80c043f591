/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';

const clips = new ClipFactory();
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('a browser EventSource (headless Chromium) sees every event through onmessage', function () {
  this.timeout(90_000);
  let browser: Browser;
  let t: TestApp;

  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.dispose();
    await clips.dispose();
  });

  it('init, discovery, added, started, progress, complete, cancelled, removed arrive as unnamed messages', async () => {
    t = await startTestApp();
    const page = await browser.newPage();
    await page.goto(`${t.url}/api/health`);
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[]; open: boolean };
      w.seen = [];
      const source = new EventSource('/api/jobs/stream');
      source.onopen = () => {
        w.open = true;
      };
      source.onmessage = (event) => w.seen.push(JSON.parse(event.data).type);
    });
    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.includes('init'));
    const a = await clips.copyTo(await clips.h264(), join(t.media, 'a.mp4'));
    await fetch(`${t.url}/api/jobs`, { method: 'POST', body: JSON.stringify({ paths: [a], preset_id: 'compress-hevc' }) });
    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.includes('complete'), undefined, { timeout: 60_000 });
    await fetch(`${t.url}/api/queue/pause`, { method: 'POST' });
    const b = await clips.copyTo(await clips.h264(), join(t.media, 'b.mp4'));
    await fetch(`${t.url}/api/jobs`, { method: 'POST', body: JSON.stringify({ paths: [b], preset_id: 'compress-hevc' }) });
    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.filter((x) => x === 'added').length === 2);
    const jobs = (await (await fetch(`${t.url}/api/jobs`)).json()) as { jobs: Array<{ id: string; status: string }> };
    const pending = jobs.jobs.find((j) => j.status === 'pending');
    assert.ok(pending);
    await fetch(`${t.url}/api/jobs/${pending.id}`, { method: 'DELETE' });
    await fetch(`${t.url}/api/jobs/clear`, { method: 'POST' });
    await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.includes('removed'));
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    for (const type of ['init', 'discovery_progress', 'added', 'started', 'progress', 'complete', 'cancelled', 'removed']) {
      assert.ok(seen.includes(type), `${type} in ${seen.join(',')}`);
    }
    assert.equal(seen[0], 'init');
  });
});
