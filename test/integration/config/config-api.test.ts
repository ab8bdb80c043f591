import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { api, get } from '../../helpers/http.js';
import { type ConfigTestApp, startFromConfig } from './start.js';

const put = (t: ConfigTestApp, body: unknown) => api(t.url, 'PUT', '/api/config', body);
const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';

async function settingsFile(t: ConfigTestApp): Promise<Record<string, unknown> | undefined> {
  try {
    return parse(await readFile(join(t.data, 'settings.yaml'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Each bad value alone must be refused (with a valid change beside it that must not be applied). */
const BAD: Array<[string, unknown]> = [
  ['workers', 0],
  ['workers', 7],
  ['workers', '2'],
  ['max_concurrent_analyses', 4],
  ['original_handling', 'delete'],
  ['quality_hevc', 14],
  ['quality_hevc', 41],
  ['quality_av1', 19],
  ['quality_av1', 51],
  ['schedule_enabled', 'yes'],
  ['schedule_start_hour', 24],
  ['schedule_end_hour', -1],
  ['output_format', 'avi'],
  ['tonemap_hdr', 1],
  ['tonemap_algorithm', 'magic'],
  ['allow_same_codec', 'no'],
  ['keep_larger_files', null],
  ['log_level', 'loud'],
  ['pushover_user_key', 5],
  ['pushover_app_token', false],
  ['stall_timeout_secs', 1],
  ['first_frame_timeout_secs', 0],
  ['notify_on_complete', 'yes'],
  ['media_paths', ['/']],
  ['ffmpeg_path', '/bin/sh'],
  ['pushover_url', 'http://elsewhere.example/'],
  ['api_token', 'x'],
  ['no_such_setting', 1],
];

describe('GET/PUT /api/config (integration)', function () {
  this.timeout(30_000);
  let t: ConfigTestApp;
  beforeEach(async () => {
    t = await startFromConfig();
  });
  afterEach(() => t.dispose());

  it("GET answers upstream's fields, says which are set outside, and no secret", async () => {
    const res = await get(t.url, '/api/config');
    assert.equal(res.status, 200);
    const c = res.body;
    assert.equal(c.workers, 1);
    assert.equal(c.original_handling, 'replace');
    assert.equal(c.media_path, t.media);
    assert.deepEqual(c.media_paths, [t.media]);
    assert.equal(c.has_temp_path, true);
    assert.equal(c.notify_on_complete, false);
    assert.equal(c.pushover_configured, false);
    assert.equal(c.default_quality_hevc, 22);
    assert.equal(c.hevc_encoder, 'none');
    assert.deepEqual(c.overridden, ['host', 'media_paths', 'port', 'temp_path']);
    assert.ok(!('api_token' in c) && !('mqtt_password' in c) && !('pushover_url' in c));
  });

  it('refuses each bad value alone with a 400 naming it, and applies nothing', async () => {
    const before = (await get(t.url, '/api/config')).body;
    for (const [key, value] of BAD) {
      const res = await put(t, { keep_larger_files: true, [key]: value });
      assert.equal(res.status, 400, `${key}=${JSON.stringify(value)}`);
      assert.equal(res.body.errors.length, 1, res.body.error);
      assert.match(res.body.errors[0], new RegExp(`^${key} `));
      assert.ok(res.body.error.includes(res.body.errors[0]));
    }
    assert.deepEqual((await get(t.url, '/api/config')).body, before);
    assert.equal(await settingsFile(t), undefined, 'nothing was saved');
  });

  it('several bad values: one 400 listing all; the valid ones beside them are not applied', async () => {
    const res = await put(t, { workers: 3, quality_hevc: 3, quality_av1: 99, log_level: 'LOUD', output_format: 'avi', schedule_start_hour: 4, schedule_end_hour: 4 });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors.length, 5, res.body.error);
    assert.match(res.body.error, /^invalid settings: /);
    assert.ok(res.body.errors.some((e: string) => e.startsWith('schedule_start_hour and schedule_end_hour must differ')));
    assert.equal((await get(t.url, '/api/queue')).body.workers, 1, 'the pool was not resized');
    assert.equal((await get(t.url, '/api/config')).body.workers, 1);
  });

  it('refuses start == end (D10) and a body that is not a JSON object', async () => {
    const same = await put(t, { schedule_enabled: true, schedule_start_hour: 3, schedule_end_hour: 3 });
    assert.equal(same.status, 400);
    assert.deepEqual(same.body.errors.length, 1);
    const broken = await api(t.url, 'PUT', '/api/config', undefined, '{"workers": ');
    assert.equal(broken.status, 400);
    assert.ok(Array.isArray(broken.body.errors));
    const list = await put(t, [1, 2]);
    assert.equal(list.status, 400);
  });

  it('applies at once: the pool resizes, the log level changes, the schedule and the rest are live', async () => {
    const res = await put(t, { workers: 3, log_level: 'DEBUG', quality_hevc: 28, schedule_enabled: true, schedule_start_hour: 1, schedule_end_hour: 5, tonemap_hdr: true, notify_on_complete: true });
    assert.deepEqual([res.status, res.body], [200, { status: 'updated' }]);
    assert.equal((await get(t.url, '/api/queue')).body.workers, 3);
    assert.equal(t.log.level, 'debug');
    t.log.level = 'silent';
    const s = t.app.settings.get();
    assert.deepEqual([s.quality_hevc, s.schedule_enabled, s.schedule_start_hour, s.tonemap_hdr], [28, true, 1, true]);
    const c = (await get(t.url, '/api/config')).body;
    assert.deepEqual([c.workers, c.log_level, c.notify_on_complete], [3, 'debug', true]);
    assert.deepEqual(await settingsFile(t), { workers: 3, log_level: 'debug', quality_hevc: 28, schedule_enabled: true, schedule_start_hour: 1, schedule_end_hour: 5, tonemap_hdr: true });
  });

  it('never echoes the Pushover token; sending back what GET gave keeps the real one', async () => {
    assert.equal((await put(t, { pushover_user_key: 'ukey', pushover_app_token: TOKEN })).status, 200);
    const shown = (await get(t.url, '/api/config')).body;
    assert.equal(shown.pushover_app_token, '********nyUi');
    assert.equal(shown.pushover_configured, true);
    assert.ok(!JSON.stringify(shown).includes(TOKEN));
    const back = await put(t, { ...shown, workers: 2 });
    assert.equal(back.status, 200, back.body?.error);
    assert.equal(t.app.settings.get().pushover_app_token, TOKEN);
    assert.equal((await settingsFile(t))?.pushover_app_token, TOKEN);
    const wrong = await put(t, { pushover_app_token: '********0000' });
    assert.equal(wrong.status, 400);
    assert.equal(t.app.settings.get().pushover_app_token, TOKEN);
  });

  it('persists across a restart, notify_on_complete included', async () => {
    await put(t, { workers: 2, original_handling: 'keep', quality_av1: 30, allow_same_codec: true, keep_larger_files: true, max_concurrent_analyses: 3, output_format: 'mp4', tonemap_algorithm: 'mobius', notify_on_complete: true });
    const before = (await get(t.url, '/api/config')).body;
    await t.stop();
    t = await startFromConfig({ root: t.root });
    const after = (await get(t.url, '/api/config')).body;
    assert.deepEqual(after, before);
    assert.equal((await get(t.url, '/api/queue')).body.workers, 2);
  });
});

describe('flags and environment are never written back (D16)', function () {
  this.timeout(30_000);
  let t: ConfigTestApp;
  beforeEach(async () => {
    t = await startFromConfig({ argv: ['--log-level', 'warn'], env: { SHRINKRAY_WORKERS: '2', SHRINKRAY_QUALITY_HEVC: '24' } });
  });
  afterEach(() => t.dispose());

  it('shows the override, accepts it unchanged, refuses a change, and keeps it out of settings.yaml', async () => {
    const c = (await get(t.url, '/api/config')).body;
    assert.deepEqual([c.workers, c.log_level, c.quality_hevc], [2, 'warn', 24]);
    assert.ok(['log_level', 'quality_hevc', 'workers'].every((k) => c.overridden.includes(k)));
    assert.equal((await put(t, { ...c, keep_larger_files: true })).status, 200);
    const refused = await put(t, { workers: 3, log_level: 'debug', quality_av1: 30 });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors.length, 2);
    assert.match(refused.body.error, /workers is set by a command-line flag, environment variable or add-on option/);
    assert.deepEqual(await settingsFile(t), { keep_larger_files: true });
    assert.equal(t.app.settings.get().quality_av1, 0, 'the valid field beside the refused ones was not applied');
    await t.stop();
    t = await startFromConfig({ root: t.root });
    const plain = (await get(t.url, '/api/config')).body;
    assert.deepEqual([plain.workers, plain.log_level, plain.quality_hevc, plain.keep_larger_files], [1, 'info', 0, true]);
  });
});
