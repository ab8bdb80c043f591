import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Koa from 'koa';
import { homeRoutes } from '../../src/api/home.js';
import { close, listen } from '../../src/api/listen.js';
import { newJob } from '../../src/jobs/job.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { get } from '../helpers/http.js';
import { buildPanelOnce } from './panel-harness.js';

const raw = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe('serving the panel: caching, ingress base, the space-saved history endpoint', function () {
  this.timeout(60_000);
  let t: TestApp;
  before(async () => {
    await buildPanelOnce();
    t = await startTestApp();
  });
  after(() => t?.dispose());

  it('index.html is never cached and takes its <base> from a well-formed X-Ingress-Path only', async () => {
    const plain = await raw(`${t.url}/`);
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(plain.headers.get('cache-control'), 'no-store');
    assert.match(plain.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await plain.text();
    assert.match(html, /<base href="\.\/">/);
    assert.match(html, /<script type="module" src="assets\/main-[A-Z0-9]+\.js">/, 'a relative, hashed script');
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//, 'nothing from a CDN or a font service');

    const ingress = await (await raw(`${t.url}/`, { 'X-Ingress-Path': '/api/hassio_ingress/Ab-9_x' })).text();
    assert.match(ingress, /<base href="\/api\/hassio_ingress\/Ab-9_x\/">/);
    for (const bad of ['//evil.example/x', '/a"><script>alert(1)</script>', 'relative/path', '/a/../b', 'javascript:alert(1)']) {
      const page = await (await raw(`${t.url}/`, { 'X-Ingress-Path': bad })).text();
      assert.match(page, /<base href="\.\/">/, bad);
    }
  });

  it('hashed assets are cached for a year, gzipped on request; other names are 404 (no path is ever joined)', async () => {
    const html = await (await raw(`${t.url}/`)).text();
    const script = /src="(assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1] ?? '';
    const plain = await raw(`${t.url}/${script}`, { 'accept-encoding': 'identity' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(plain.headers.get('content-type') ?? '', /text\/javascript/);
    const body = Buffer.from(await plain.arrayBuffer());
    const { request } = await import('node:http');
    const zipped = await new Promise<{ encoding: string | undefined; data: Buffer }>((resolve, reject) => {
      request(`${t.url}/${script}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], data: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    assert.equal(zipped.encoding, 'gzip');
    assert.ok(zipped.data.length < body.length / 2);
    assert.doesNotMatch(body.toString(), /fonts\.(googleapis|gstatic)|unpkg|jsdelivr|cdnjs/, 'works offline');
    assert.deepEqual(gunzipSync(zipped.data), body);
    console.log(`      panel bundle: ${(body.length / 1024).toFixed(1)} KiB, ${(zipped.data.length / 1024).toFixed(1)} KiB gzipped`);
    assert.ok(zipped.data.length < 100 * 1024, 'goal: under 100 KB gzipped');

    for (const path of ['/assets/nope.js', '/assets/..%2Fpackage.json', '/assets/%2e%2e/index.html', `/${script.toUpperCase()}`, `/${script}/`]) {
      const res = await get(t.url, path);
      assert.equal(res.status, 404, path);
      assert.equal(typeof res.body.error, 'string', path);
    }
  });

  it('without a built panel, / still answers with the status page', async () => {
    const app = new Koa();
    const r = homeRoutes({ view: t.app.queue, encoders: t.app.encoders, version: 'x', panelDirs: [join(t.root, 'no-panel')] });
    app.use(r.routes());
    const { server, url } = await listen(app.callback(), 0, '127.0.0.1');
    try {
      const page = await (await raw(`${url}/`)).text();
      assert.match(page, /The web panel is not built here/);
      assert.match(page, /0 pending/);
    } finally {
      await close(server);
    }
  });

  it('GET /api/stats/history: 30 days by default, 90 on request, bad values refused; it survives a restart and clearing', async () => {
    const def = await get(t.url, '/api/stats/history');
    assert.equal(def.status, 200);
    assert.equal(def.body.history.length, 30);
    assert.equal((await get(t.url, '/api/stats/history?days=90')).body.history.length, 90);
    for (const bad of ['0', '-1', '2.5', 'abc', '367']) assert.equal((await get(t.url, `/api/stats/history?days=${bad}`)).status, 400, bad);
    assert.equal((await get(t.url, '/api/stats/history?days=1&days=2')).status, 400);
    assert.equal((await get(t.url, '/api/Stats/History')).status, 404, 'routes are case-sensitive');

    // A job finishing through the queue (no transcode needed for the history itself).
    const q = t.app.queue;
    const probe = { size: 5000, duration_ms: 1000, bitrate: 1, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [] };
    await t.app.service.pause();
    q.add([newJob({ id: '1-1', path: join(t.media, 'a.mkv'), presetId: 'compress-hevc', encoder: 'none', probe: probe as never, now: new Date() })]);
    assert.ok(q.start('1-1', join(t.temp, 'x.mkv')));
    q.complete('1-1', { output_path: join(t.media, 'a.mkv'), output_size: 1500 });
    const after = await get(t.url, '/api/stats/history?days=1');
    assert.deepEqual([after.body.total_saved, after.body.total_jobs], [3500, 1]);
    await t.app.service.clear();
    t = await t.restart();
    const again = await get(t.url, '/api/stats/history?days=1');
    assert.deepEqual([again.body.total_saved, again.body.total_jobs], [3500, 1]);
    assert.equal((await get(t.url, '/api/jobs')).body.jobs.length, 0);
  });
});
