import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { freePort } from '../../helpers/broker.js';
import { variants } from '../../helpers/path-variants.js';
import { rawRequest } from '../../helpers/raw-http.js';

const TOKEN = 'tok-0123456789abcdef';

/** Every guarded route, as the contract spells it. */
const ROUTES: Array<[string, string, string?]> = [
  ['GET', '/api/jobs'],
  ['GET', '/api/stats'],
  ['GET', '/api/jobs/stream'],
  ['GET', '/api/config'],
  ['PUT', '/api/config', '{"workers":2}'],
  ['POST', '/api/jobs', '{"paths":["/"],"preset_id":"compress-hevc"}'],
  ['POST', '/api/jobs/clear'],
  ['POST', '/api/queue/pause'],
  ['GET', '/api/queue'],
  ['GET', '/api/browse'],
  ['GET', '/api/encoders'],
  ['GET', '/api/presets'],
  ['POST', '/api/stats/reset-session'],
  ['GET', '/api/workers'],
  ['DELETE', '/api/workers/desk'],
];

describe('one way in (D21): the token and the ingress guard hold for every spelling of every path', function () {
  this.timeout(120_000);
  let t: TestApp;
  let ingress: TestApp;
  let direct: string;
  before(async () => {
    const apiPort = await freePort();
    t = await startTestApp({ overrides: { api_token: TOKEN } });
    // The add-on layout: ingress answers only its peer (here 127.0.0.2), the direct port needs the token.
    ingress = await startTestApp({ overrides: { api_token: TOKEN, api_port: apiPort, allowed_peers: ['127.0.0.2'] } });
    direct = ingress.app.apiUrl() as string;
  });
  after(async () => {
    await t?.dispose();
    await ingress?.dispose();
  });

  const listeners = () => [
    { name: 'main (token)', base: t.url, refused: [401, 404, 405] },
    { name: 'direct API port', base: direct, refused: [401, 404, 405] },
    { name: 'ingress (stranger)', base: ingress.url, refused: [403] },
  ];

  it('no variant of a guarded route answers without the token; every refusal is JSON', async () => {
    let tried = 0;
    for (const l of listeners()) {
      for (const [method, path, body] of ROUTES) {
        for (const p of variants(path)) {
          const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
          const res = await rawRequest(l.base, method, p, headers, body ?? '');
          tried += 1;
          assert.ok(res.status >= 400 && res.status < 500, `${l.name}: ${method} ${p} answered ${res.status} without the token`);
          if (l.name === 'ingress (stranger)') assert.equal(res.status, 403, `${l.name}: ${method} ${p}`);
          assert.match(res.headers['content-type'] ?? '', /json/, `${l.name}: ${method} ${p} answered ${res.status} with ${res.headers['content-type']}`);
          assert.equal(typeof JSON.parse(res.body).error, 'string', `${l.name}: ${method} ${p}`);
        }
      }
    }
    assert.ok(tried > 900, `tried ${tried}`);
  });

  it('a wrong token, a token in another header or a lower-case scheme trick is refused; the right one works', async () => {
    for (const base of [t.url, direct]) {
      for (const headers of [{ authorization: 'Bearer nope' }, { authorization: TOKEN }, { 'x-api-token': TOKEN }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }]) {
        const res = await rawRequest(base, 'GET', '/api/jobs', headers);
        assert.equal(res.status, 401, `${base} ${JSON.stringify(headers)}`);
      }
      assert.equal((await rawRequest(base, 'GET', '/api/jobs', { authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.equal((await rawRequest(base, 'GET', '/api/jobs', { authorization: `bearer ${TOKEN}` })).status, 200);
      assert.equal((await rawRequest(base, 'GET', `/api/jobs?token=${TOKEN}`)).status, 200);
    }
    // The Supervisor's proxy reaches ingress without a token.
    assert.equal((await rawRequest(ingress.url, 'GET', '/api/health')).status, 200);
  });

  it('only GET /api/health, spelled exactly, is open', async () => {
    assert.equal((await rawRequest(t.url, 'GET', '/api/health')).status, 200);
    for (const p of ['/API/health', '/api/health/', '/api/health/../jobs', '/api//health']) {
      const res = await rawRequest(t.url, 'GET', p);
      assert.notEqual(res.status, 200, p);
    }
  });

  it('a method a route lacks is a JSON 405 with Allow; an unknown path is a JSON 404; garbage is a JSON 400', async () => {
    for (const method of ['TRACE', 'PROPFIND', 'PATCH', 'DELETE', 'MKCOL', 'LOCK', 'PURGE', 'SEARCH']) {
      const res = await rawRequest(t.url, method, '/api/jobs', { authorization: `Bearer ${TOKEN}` });
      assert.equal(res.status, 405, method);
      assert.match(res.headers.allow ?? '', /GET/, method);
      assert.match(res.headers.allow ?? '', /POST/, method);
      assert.match(JSON.parse(res.body).error, /not allowed/);
    }
    for (const method of ['TRACE', 'PROPFIND', 'GET']) {
      const res = await rawRequest(t.url, method, '/nothing/here');
      assert.equal(res.status, 404, method);
      assert.deepEqual(JSON.parse(res.body), { error: 'not found' });
    }
    for (const method of ['FOO', 'G ET', 'GET\u0000']) {
      const res = await rawRequest(t.url, method, '/api/jobs');
      assert.equal(res.status, 400, method);
      assert.match(res.headers['content-type'] ?? '', /json/);
      assert.equal(typeof JSON.parse(res.body).error, 'string');
    }
  });
});

describe('DNS rebinding (D21): without a token only expected host names are served', function () {
  this.timeout(30_000);
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ overrides: { allowed_hosts: ['nas.lan'], public_url: 'http://shrink.example.org:8080' } });
  });
  after(async () => t?.dispose());

  it('refuses an attacker-controlled name and serves IP literals, localhost, allowed and public names', async () => {
    for (const host of ['evil.example', 'evil.example:80', 'nas.lan.evil.example', '127.0.0.1.evil.example', '']) {
      const res = await rawRequest(t.url, 'GET', '/api/jobs', { host });
      assert.equal(res.status, 403, `Host: ${host}`);
      assert.equal(typeof JSON.parse(res.body).error, 'string');
    }
    for (const host of ['127.0.0.1', '127.0.0.1:8080', 'localhost:1', '[::1]:8080', 'NAS.lan', 'nas.lan.', 'shrink.example.org', '192.168.1.20:8080']) {
      const res = await rawRequest(t.url, 'GET', '/api/jobs', { host });
      assert.equal(res.status, 200, `Host: ${host}`);
    }
  });

  it('a token makes the host check unnecessary: any name works with the token', async () => {
    const withToken = await startTestApp({ overrides: { api_token: TOKEN } });
    try {
      const res = await rawRequest(withToken.url, 'GET', '/api/jobs', { host: 'my-own-dns-name.example', authorization: `Bearer ${TOKEN}` });
      assert.equal(res.status, 200);
    } finally {
      await withToken.dispose();
    }
  });
});
