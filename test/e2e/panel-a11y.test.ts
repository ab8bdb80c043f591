/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { newJob } from '../../src/jobs/job.js';
import type { Job } from '../../src/jobs/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { type IngressProxy, startIngressProxy } from '../helpers/ingress-proxy.js';
import { axeProblems, buildPanelOnce, horizontalOverflow, launch, shot, watchErrors } from './panel-harness.js';

const clips = new ClipFactory();

/** The label of the element that has keyboard focus, looking through shadow roots. */
const focused = (page: Page) =>
  page.evaluate(() => {
    let el: Element | null = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return el ? `${el.tagName.toLowerCase()}:${el.getAttribute('aria-label') ?? el.textContent?.trim() ?? ''}` : '';
  });

describe('the web panel on a phone, by keyboard and for screen readers (headless Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let t: TestApp;
  let proxy: IngressProxy;

  before(async () => {
    await buildPanelOnce();
    browser = await launch();
    t = await startTestApp();
    await clips.copyTo(await clips.h264(), join(t.media, 'A rather long folder name for a phone screen', 'Episode with a very long file name 01.mp4'));
    await clips.copyTo(await clips.h264(), join(t.media, 'movie.mp4'));
    await t.app.service.pause();
    const probe = { size: 4_000_000_000, duration_ms: 5_400_000, bitrate: 5_000_000, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [],
      video: { index: 0, codec: 'h264', width: 1920, height: 1080, frame_rate: 24, profile: 'High', pix_fmt: 'yuv420p10le', bit_depth: 10, is_hdr: true, color_transfer: 'smpte2084', color_primaries: 'bt2020', color_space: 'bt2020nc' } };
    const at = new Date();
    const job = (i: number, extra: Partial<Job>): Job => ({
      ...newJob({ id: `1-${i}`, path: join(t.media, 'A rather long folder name for a phone screen', `A very long episode file name that will not fit ${i}.mkv`), presetId: 'compress-hevc', encoder: 'none', probe: probe as never, now: at }),
      ...extra,
    });
    const done = { completed_at: at.toISOString(), started_at: at.toISOString() };
    t.app.queue.add([
      job(1, {}),
      job(2, { status: 'complete', progress: 100, output_size: 1_500_000_000, space_saved: 2_500_000_000, transcode_secs: 3600, encoder_name: 'libx265', ...done }),
      job(3, { status: 'failed', error: 'ffmpeg exited with code 1: Conversion failed!\n[hevc @ 0x55] something went wrong in a very long line of stderr output', encoder: 'nvenc', is_hardware: true, encoder_name: 'hevc_nvenc', fallback_reason: 'hevc_nvenc failed: no device', ...done }),
      job(4, { status: 'skipped', skip_reason: 'Output larger than original (4.1 GB vs 3.7 GB)', error: 'Output larger than original (4.1 GB vs 3.7 GB)', ...done }),
      job(5, { status: 'cancelled', ...done }),
      job(6, { smartshrink_quality: 'good', vmaf_score: 95.2, selected_crf: 24 }),
    ]);
    proxy = await startIngressProxy(t.url);
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    await t?.dispose();
    await clips.dispose();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`every view at 360 px (${scheme}): no horizontal scrolling and no serious or critical axe violation`, async () => {
      const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: scheme, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const errors = watchErrors(page);
      try {
        await page.goto(proxy.url);
        await page.locator('.job').nth(5).waitFor();
        const views: Array<[string, () => Promise<unknown>]> = [
          ['queue', () => page.locator('.job[data-status="failed"]').waitFor()],
          ['browse', () => page.locator('li[data-path$="movie.mp4"]').getByText(/h264/).waitFor()],
          ['settings', async () => {
            await page.getByLabel('Workers (jobs at once)').fill('0');
            await page.getByRole('button', { name: 'Save settings' }).click();
            await page.locator('[data-field="workers"] .error').waitFor();
          }],
          ['encoders', () => page.getByRole('cell', { name: /libx265/ }).first().waitFor()],
        ];
        for (const [view, ready] of views) {
          await page.getByRole('link', { name: view[0]?.toUpperCase() + view.slice(1) }).click();
          await ready();
          await shot(page, `360-${scheme}-${view}`);
          assert.equal(await horizontalOverflow(page), 0, `${view} scrolls sideways at 360 px`);
          assert.deepEqual(await axeProblems(page), [], `${view} (${scheme})`);
        }
        // The details dialog of a failed job: the whole error, and it closes with Escape.
        await page.getByRole('link', { name: 'Queue' }).click();
        await page.locator('.job[data-status="failed"] .name').click();
        await page.getByRole('dialog').getByText('something went wrong').waitFor();
        assert.deepEqual(await axeProblems(page), [], `details dialog (${scheme})`);
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
        // The refused settings PUT (400) is the only failed request.
        assert.deepEqual(errors.filter((e) => !e.includes('status of 400')), []);
      } finally {
        await context.close();
      }
    });
  }

  it('the accessibility scan sees inside the panel (a planted unlabelled field is found)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${proxy.url}#settings`);
      await page.getByLabel('Original file').waitFor();
      await page.evaluate(() => {
        const settings = document.querySelector('sr-app')?.shadowRoot?.querySelector('sr-settings');
        settings?.shadowRoot?.querySelector('fieldset')?.append(Object.assign(document.createElement('input'), { type: 'text' }));
      });
      const problems = await axeProblems(page);
      assert.ok(problems.some((p) => p.includes('label')), problems.join('\n'));
    } finally {
      await context.close();
    }
  });

  it('is usable by keyboard: views, folders, selection and adding', async () => {
    const context = await browser.newContext({ viewport: { width: 800, height: 800 } });
    const page = await context.newPage();
    try {
      await page.goto(proxy.url);
      await page.locator('.job').first().waitFor();
      let label = '';
      for (let i = 0; i < 12 && label !== 'a:Browse'; i++) {
        await page.keyboard.press('Tab');
        label = await focused(page);
      }
      assert.equal(label, 'a:Browse');
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'A rather long folder name for a phone screen' }).focus();
      await page.keyboard.press('Enter');
      const box = page.getByRole('checkbox', { name: /Select Episode with a very long file name 01/ });
      await box.focus();
      await page.keyboard.press('Space');
      assert.equal(await box.isChecked(), true);
      await page.getByText('1 selected').waitFor();
      await page.keyboard.press('Tab');
      assert.match(await focused(page), /^select:/);
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'button:Add to queue');
      await page.keyboard.press('Enter');
      await page.getByText(/Processing 1 paths in background/).waitFor();
    } finally {
      await context.close();
    }
  });
});
