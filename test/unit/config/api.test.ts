import assert from 'node:assert/strict';
import { API_WRITABLE, configView, maskSecret, planUpdate } from '../../../src/config/api.js';
import { type SettingKey, type Settings, settingsSchema } from '../../../src/config/index.js';

const TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const facts = { version: '1.0.0', notifyOnComplete: true, encoders: { hevc: 'none', av1: 'nvenc' }, defaultQuality: { hevc: 22, av1: 32 }, overridden: [] as SettingKey[] };
const settings = (over: Partial<Settings> = {}): Settings => ({ ...settingsSchema.parse({ media_paths: ['/media', '/share'] }), ...over });
const none = () => false;

describe('config API view and update plan', () => {
  it('masks the Pushover token and hides other secrets', () => {
    const view = configView(settings({ pushover_app_token: TOKEN, pushover_user_key: 'u', api_token: 'secret', mqtt_password: 'pw' }), facts);
    assert.equal(view.pushover_app_token, '********nyUi');
    assert.equal(view.pushover_configured, true);
    assert.ok(!JSON.stringify(view).includes(TOKEN));
    assert.ok(!JSON.stringify(view).includes('secret'));
    assert.ok(!('mqtt_password' in view));
    assert.equal(maskSecret(''), '');
    assert.equal(maskSecret('short'), '********');
  });

  it("carries upstream's fields, sorted, with every root", () => {
    const view = configView(settings(), facts);
    const keys = Object.keys(view);
    assert.deepEqual(keys, [...keys].sort());
    for (const key of ['version', 'media_path', 'original_handling', 'workers', 'has_temp_path', 'pushover_user_key', 'pushover_app_token', 'pushover_configured', 'notify_on_complete', 'quality_hevc', 'quality_av1', 'default_quality_hevc', 'default_quality_av1', 'schedule_enabled', 'schedule_start_hour', 'schedule_end_hour', 'output_format', 'tonemap_hdr', 'tonemap_algorithm', 'max_concurrent_analyses', 'allow_same_codec', 'keep_larger_files', 'log_level', 'hevc_encoder', 'av1_encoder']) {
      assert.ok(key in view, key);
    }
    assert.equal(view.media_path, '/media');
    assert.deepEqual(view.media_paths, ['/media', '/share']);
    assert.equal(view.pushover_configured, false);
    assert.equal(view.av1_encoder, 'nvenc');
    for (const key of API_WRITABLE) assert.ok(key in view, `${key} is writable but not shown`);
  });

  it('sorts a body into a patch and the notify flag; lower-cases the log level', () => {
    const plan = planUpdate({ workers: 3, log_level: 'DEBUG', notify_on_complete: true }, settings(), none);
    assert.deepEqual(plan, { patch: { workers: 3, log_level: 'debug' }, notifyOnComplete: true, problems: [] });
  });

  it('ignores the facts GET returns, so GET → PUT round-trips', () => {
    const current = settings({ pushover_app_token: TOKEN });
    const body = JSON.parse(JSON.stringify(configView(current, facts))) as Record<string, unknown>;
    const plan = planUpdate(body, current, none);
    assert.deepEqual(plan.problems, []);
    assert.ok(!('pushover_app_token' in plan.patch), 'the masked token must not overwrite the real one');
    assert.ok(!('media_paths' in plan.patch));
    assert.equal(plan.notifyOnComplete, true);
  });

  it('refuses a masked-looking token that is not the current one', () => {
    const plan = planUpdate({ pushover_app_token: '********abcd' }, settings({ pushover_app_token: TOKEN }), none);
    assert.equal(plan.problems.length, 1);
    assert.match(plan.problems[0] ?? '', /masked/);
    assert.deepEqual(planUpdate({ pushover_app_token: 'newtoken' }, settings(), none).patch, { pushover_app_token: 'newtoken' });
  });

  it('refuses to change locked settings but accepts their current value', () => {
    const current = settings({ workers: 3 });
    const overridden = (key: SettingKey) => key === 'workers';
    assert.deepEqual(planUpdate({ workers: 3 }, current, overridden), { patch: {}, problems: [] });
    const changed = planUpdate({ workers: 2, media_paths: ['/'], ffmpeg_path: '/bin/sh', pushover_url: 'http://evil/' }, current, overridden);
    assert.deepEqual(changed.patch, {});
    assert.deepEqual(changed.problems, [
      'workers is set by a command-line flag, environment variable or add-on option and cannot be changed here',
      'media_paths cannot be changed through the API',
      'ffmpeg_path cannot be changed through the API',
      'pushover_url cannot be changed through the API',
    ]);
  });

  it('always refuses secrets GET never shows, even with the right value (no guessing)', () => {
    const plan = planUpdate({ api_token: 'secret', mqtt_password: '' }, settings({ api_token: 'secret' }), none);
    assert.equal(plan.problems.length, 2);
  });

  it('reports unknown fields, a bad notify flag and a non-object body', () => {
    assert.deepEqual(planUpdate({ nope: 1, notify_on_complete: 'yes' }, settings(), none).problems, [
      'nope is not a known setting',
      'notify_on_complete must be true or false',
    ]);
    for (const body of [undefined, null, [], 'x', 3]) {
      assert.equal(planUpdate(body, settings(), none).problems.length, 1, JSON.stringify(body));
    }
  });
});
