import assert from 'node:assert/strict';
import { checkSettings, SETTING_KEYS, settingsSchema } from '../../../src/config/index.js';
import { SAME_HOURS_PROBLEM } from '../../../src/config/schema.js';

/** Values each setting must refuse, alone. */
const BAD: Record<string, unknown[]> = {
  media_paths: [[], '/media', [''], [3]],
  temp_path: [3, null],
  port: [-1, 65536, 80.5, '8080'],
  host: ['', 1],
  workers: [0, 7, 1.5, '2', null, true],
  log_level: ['verbose', '', 3],
  log_format: ['text', 'JSON', '', 1],
  original_handling: ['delete', '', 'Keep'],
  output_format: ['avi', 'MKV', ''],
  quality_hevc: [14, 41, 1, -1, 22.5, '22'],
  quality_av1: [19, 51, 10, 30.5, '30'],
  tonemap_hdr: ['yes', 1, null],
  tonemap_algorithm: ['magic', 'Hable', ''],
  allow_same_codec: ['true', 0],
  keep_larger_files: ['false', 1],
  max_concurrent_analyses: [0, 4, 1.5],
  schedule_enabled: ['on', 1],
  schedule_start_hour: [-1, 24, 1.5, '22'],
  schedule_end_hour: [-1, 24, 2.5, '6'],
  pushover_user_key: [1, null],
  pushover_app_token: [1, false],
  pushover_url: ['not a url', 'ftp://example.com/x', ''],
  stall_timeout_secs: [4, 86401, 10.5],
  first_frame_timeout_secs: [0, 3601],
  ffmpeg_path: ['', 5],
  ffprobe_path: [''],
  vmaf_ffmpeg: [1, null],
  vmaf_model: [false, 2],
  mqtt_url: [1],
  mqtt_username: [1],
  mqtt_password: [1],
  mqtt_base_topic: ['a b', 'x#', ''],
  mqtt_discovery_prefix: ['home+assistant'],
  mqtt_state_interval_secs: [0, 3601, 1.5],
  supervisor_url: ['supervisor', 'ftp://supervisor'],
  supervisor_token: [1],
  public_url: [false],
  api_token: [1],
  allowed_peers: ['172.30.32.2', ['not an ip'], [5]],
  api_port: [-1, 65536, 1.5],
  allowed_hosts: ['nas.lan', ['a b'], ['evil/x'], [5]],
  remote_workers: ['yes', 1],
  remote_prefer: ['gpu', ''],
  remote_lease_secs: [1, 601, 2.5],
  local_encoding: ['no', 0],
};

/** Values at the edges that must pass. */
const GOOD: Record<string, unknown[]> = {
  workers: [1, 6],
  quality_hevc: [0, 15, 40],
  quality_av1: [0, 20, 50],
  schedule_start_hour: [0, 23],
  max_concurrent_analyses: [1, 3],
  log_level: ['debug', 'info', 'warn', 'error'],
  tonemap_algorithm: ['hable', 'bt2390', 'reinhard', 'mobius', 'clip', 'linear', 'gamma'],
  pushover_url: ['http://127.0.0.1:9/1/messages.json', 'https://api.pushover.net/1/messages.json'],
  media_paths: [['/media', '/share']],
};

describe('settings schema (D16)', () => {
  it('accepts the defaults, and every setting has a bad-value row', () => {
    assert.equal(checkSettings({}).ok, true);
    assert.deepEqual(Object.keys(BAD).sort(), [...SETTING_KEYS].sort());
  });

  for (const [key, values] of Object.entries(BAD)) {
    it(`refuses a bad ${key} with one message naming it`, () => {
      for (const value of values) {
        const checked = checkSettings({ [key]: value });
        assert.equal(checked.ok, false, `${key}=${JSON.stringify(value)} was accepted`);
        if (checked.ok) continue;
        assert.equal(checked.problems.length, 1, checked.problems.join(' | '));
        assert.match(checked.problems[0] ?? '', new RegExp(`^${key} `));
      }
    });
  }

  for (const [key, values] of Object.entries(GOOD)) {
    it(`accepts ${key} at its edges`, () => {
      for (const value of values) {
        // The hours need a partner that differs (D10).
        const partner = key === 'schedule_start_hour' ? { schedule_end_hour: value === 0 ? 1 : 0 } : {};
        const checked = checkSettings({ [key]: value, ...partner });
        assert.equal(checked.ok, true, `${key}=${JSON.stringify(value)}: ${checked.ok ? '' : checked.problems.join(' | ')}`);
      }
    });
  }

  it('uses the readable rule as message, once per setting even when several checks fail', () => {
    const checked = checkSettings({ workers: 2.5, quality_hevc: 3 });
    assert.equal(checked.ok, false);
    if (checked.ok) return;
    assert.deepEqual(checked.problems, [
      'workers must be a whole number between 1 and 6',
      'quality_hevc must be a whole number between 15 and 40 (or 0 for the encoder default)',
    ]);
  });

  it('reports several bad values and unknown keys at once', () => {
    const checked = checkSettings({ workers: 0, log_level: 'loud', output_format: 'avi', bogus: 1, schedule_end_hour: 99 });
    assert.equal(checked.ok, false);
    if (checked.ok) return;
    assert.equal(checked.problems.length, 5, checked.problems.join(' | '));
    for (const key of ['workers', 'log_level', 'output_format', 'bogus', 'schedule_end_hour']) {
      assert.ok(checked.problems.some((p) => p.startsWith(`${key} `)), key);
    }
    assert.ok(checked.problems.includes('bogus is not a known setting'));
  });

  it('refuses start == end (D10), also against a default, and together with other problems', () => {
    for (const values of [{ schedule_start_hour: 3, schedule_end_hour: 3 }, { schedule_start_hour: 6 }, { schedule_end_hour: 22 }]) {
      const checked = checkSettings(values);
      assert.equal(checked.ok, false, JSON.stringify(values));
      if (!checked.ok) assert.deepEqual(checked.problems, [SAME_HOURS_PROBLEM]);
    }
    const both = checkSettings({ schedule_start_hour: 5, schedule_end_hour: 5, workers: 9 });
    assert.equal(both.ok, false);
    if (!both.ok) assert.equal(both.problems.length, 2);
    assert.equal(checkSettings({ schedule_start_hour: 5, schedule_end_hour: 6 }).ok, true);
  });

  it('has upstream defaults', () => {
    const d = settingsSchema.parse({});
    assert.equal(d.workers, 1);
    assert.equal(d.original_handling, 'replace');
    assert.equal(d.output_format, 'mkv');
    assert.equal(d.schedule_start_hour, 22);
    assert.equal(d.schedule_end_hour, 6);
    assert.equal(d.schedule_enabled, false);
    assert.equal(d.tonemap_algorithm, 'hable');
    assert.equal(d.max_concurrent_analyses, 1);
    assert.equal(d.pushover_url, 'https://api.pushover.net/1/messages.json');
  });
});
