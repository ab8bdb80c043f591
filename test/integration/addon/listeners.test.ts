import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, startApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/log.js';
import { freePort } from '../../helpers/broker.js';

/** GET from a chosen local address (the whole 127/8 is loopback on Linux). */
function getFrom(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('add-on listeners (D17): ingress only for the Supervisor, the direct API only with the token', function () {
  this.timeout(30_000);
  let root: string;
  let app: App | undefined;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'addon-it-'));
    await mkdir(join(root, 'media'));
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await rm(root, { recursive: true, force: true });
  });

  const start = async (options: Record<string, unknown>, extraArgs: string[]) => {
    await writeFile(join(root, 'options.json'), JSON.stringify(options));
    const config = await loadConfig({
      // The options name /media (all an add-on may use); the flag, which wins, points at a temp folder.
      argv: ['--addon-options', join(root, 'options.json'), '--media', join(root, 'media'), '--data', join(root, 'data'), '--temp', join(root, 'tmp'), '--host', '127.0.0.1', ...extraArgs],
      env: {},
      cwd: root,
    });
    app = await startApp({ settings: config.settings, log: createLogger('silent') });
    return app;
  };

  it('the ingress port answers the allowed peer only (health stays open); options are read-only overrides', async () => {
    const a = await start({ media_paths: ['/media'], log_level: 'warn' }, ['--port', '0', '--allowed-peers', '127.0.0.2']);
    const base = a.url();
    const stranger = await getFrom(`${base}/api/jobs`, '127.0.0.1');
    assert.equal(stranger.status, 403);
    assert.deepEqual(JSON.parse(stranger.body), { error: 'this port only answers Home Assistant ingress' });
    assert.equal((await getFrom(`${base}/api/health`, '127.0.0.1')).status, 200);
    const proxy = await getFrom(`${base}/api/jobs`, '127.0.0.2');
    assert.equal(proxy.status, 200);
    assert.deepEqual(JSON.parse(proxy.body).jobs, []);
    // add-on options are overrides: read-only through the API, never written to settings.yaml
    assert.equal(a.settings.get().log_level, 'warn');
    assert.ok(a.settings.isOverridden('log_level'));
    assert.ok(a.settings.isOverridden('media_paths'));
    await a.settings.update({ workers: 2 });
    const saved = await readFile(join(root, 'data', 'settings.yaml'), 'utf8');
    assert.doesNotMatch(saved, /log_level|media_paths|allowed_peers/);
  });

  it('a token opens the direct API port, which refuses requests without it', async () => {
    const apiPort = await freePort();
    const a = await start({ media_paths: ['/media'], api_token: 'tok-123456789', api_port: apiPort }, ['--port', '0', '--allowed-peers', '127.0.0.2']);
    const api = a.apiUrl();
    assert.equal(api, `http://127.0.0.1:${apiPort}`);
    const none = await getFrom(`${api}/api/jobs`, '127.0.0.1');
    assert.equal(none.status, 401);
    const wrong = await getFrom(`${api}/api/jobs`, '127.0.0.1', { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    const right = await getFrom(`${api}/api/jobs`, '127.0.0.1', { authorization: 'Bearer tok-123456789' });
    assert.equal(right.status, 200);
    const sseToken = await getFrom(`${api}/api/stats?token=tok-123456789`, '127.0.0.1');
    assert.equal(sseToken.status, 200);
    // the ingress side needs no token from the proxy
    assert.equal((await getFrom(`${a.url()}/api/stats`, '127.0.0.2')).status, 200);
  });

  it('refuses to start with a direct API port but no token', async () => {
    await assert.rejects(start({ media_paths: ['/media'] }, ['--api-port', '8081']), /api_port needs api_token/);
  });
});
