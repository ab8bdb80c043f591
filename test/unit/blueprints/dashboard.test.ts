/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { buildDiscovery } from '../../../src/mqtt/discovery.js';
import { makeTopics } from '../../../src/mqtt/topics.js';
import { dashboardEntities, extractDashboard, renderDashboard, sampleEntities } from './dashboard.js';

const ROOT = process.cwd();
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'docs/images/dashboard.png');
/** Set to write docs/images/dashboard.png again after changing the dashboard in DOCS.md. */
const WRITE = process.env.SHRINKRAY_WRITE_SCREENSHOT === '1';

describe('the dashboard in DOCS.md', function () {
  this.timeout(60_000);
  let docs: string;
  before(async () => {
    docs = await readFile(join(ROOT, 'DOCS.md'), 'utf8');
  });

  it('uses only stock cards and only entities the service publishes, with their types', () => {
    const dashboard = extractDashboard(docs);
    const published = new Map(buildDiscovery({ topics: makeTopics('shrinkray', 'homeassistant', 'x'), swVersion: 'x' }).map((d) => [String(d.payload.default_entity_id), d.component]));
    const used = dashboardEntities(dashboard);
    assert.ok(used.size >= 15, `a dashboard worth the name (${used.size} entities)`);
    for (const id of used) assert.equal(published.get(id), id.split('.')[0], `${id} is published as a ${id.split('.')[0]}`);
    const stock = new Set(['tile', 'gauge', 'entities', 'history-graph', 'button', 'horizontal-stack', 'vertical-stack', 'logbook', 'glance']);
    const types = JSON.stringify(dashboard).match(/"type":"[^"]+"/g) ?? [];
    for (const t of types) assert.ok(stock.has(t.slice(8, -1)), t);
    // buttons press their own entity
    for (const [, node] of Object.entries(dashboard.cards)) {
      if (node.type !== 'horizontal-stack') continue;
      for (const b of node.cards as Record<string, unknown>[]) {
        const tap = b.tap_action as { action: string; perform_action: string; target: { entity_id: string } };
        assert.deepEqual([tap.action, tap.perform_action, tap.target.entity_id], ['perform-action', 'button.press', b.entity]);
      }
    }
  });

  it('renders in headless Chromium with every card and the published states; the screenshot is committed and small', async () => {
    const dashboard = extractDashboard(docs);
    const entities = sampleEntities();
    const html = renderDashboard(dashboard, entities);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
      const page = await browser.newPage({ viewport: { width: 900, height: 760 }, deviceScaleFactor: 1 });
      await page.setContent(html);
      const cards = await page.$$eval('[data-card]', (els) => els.map((e) => e.getAttribute('data-card')));
      const expected = dashboard.cards.flatMap((c) => (c.type === 'horizontal-stack' ? (c.cards as { type: string }[]).map((i) => i.type) : [c.type]));
      assert.deepEqual(cards.sort(), [...expected].sort());
      const text = await page.evaluate(() => document.body.textContent ?? '');
      // states computed from the real projections and discovery templates
      for (const shown of ['Running', 'Off', '63.4 %', 'Big Buck Bunny (2008).mkv', '3.1 x', 'hevc_vaapi', '7 jobs', '184.20 GB', 'Retry failed']) assert.ok(text.includes(shown), `${shown} in ${text}`);
      if (WRITE) {
        const height = await page.evaluate(() => document.body.scrollHeight);
        await page.setViewportSize({ width: 900, height });
        await writeFile(SCREENSHOT, await page.screenshot({ type: 'png', fullPage: true }));
      }
    } finally {
      await browser?.close();
    }
    const size = (await stat(SCREENSHOT)).size;
    assert.ok(size > 10_000 && size < 200_000, `docs/images/dashboard.png is ${size} bytes`);
  });
});
