import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig, type Settings, SettingsStore } from '../../../src/config/index.js';

describe('SettingsStore and loadConfig (D16)', () => {
  let root: string;
  let data: string;
  const file = () => join(data, 'settings.yaml');
  const readYaml = async () => parse(await readFile(file(), 'utf8')) as Record<string, unknown>;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'shrinkray-settings-'));
    data = join(root, 'data');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('saves only file values and the patch, never overrides', async () => {
    const store = SettingsStore.fromValues({ quality_hevc: 20 }, { workers: 3, media_paths: ['/m'] }, data, root);
    await store.update({ log_level: 'debug' });
    assert.deepEqual(await readYaml(), { quality_hevc: 20, log_level: 'debug' });
    assert.equal(store.get().workers, 3);
    assert.equal(store.get().log_level, 'debug');
  });

  it('an override wins over a value written to the file', async () => {
    const store = SettingsStore.fromValues({}, { workers: 3 }, data, root);
    await store.update({ workers: 2 });
    assert.equal(store.get().workers, 3);
    assert.equal(store.isOverridden('workers'), true);
    assert.equal(store.isOverridden('log_level'), false);
  });

  it('a refused update changes nothing: no file, same values, no change event', async () => {
    const store = SettingsStore.fromValues({}, {}, data, root);
    let changes = 0;
    store.on('change', () => {
      changes += 1;
    });
    const before = store.get();
    await assert.rejects(store.update({ workers: 2, quality_av1: 7, output_format: 'avi' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 2);
      return true;
    });
    assert.deepEqual(store.check({ workers: 2, quality_av1: 7 }), ['quality_av1 must be a whole number between 20 and 50 (or 0 for the encoder default)']);
    assert.equal(store.get(), before);
    assert.equal(changes, 0);
    await assert.rejects(readFile(file()), { code: 'ENOENT' });
  });

  it('emits change with the new and previous values', async () => {
    const store = SettingsStore.fromValues({}, {}, data, root);
    const seen: Array<[Settings, Settings]> = [];
    store.on('change', (next, prev) => seen.push([next, prev]));
    await store.update({ workers: 4 });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.[0].workers, 4);
    assert.equal(seen[0]?.[1].workers, 1);
  });

  it('runs concurrent updates one after the other, losing neither', async () => {
    const store = SettingsStore.fromValues({}, {}, data, root);
    await Promise.all([store.update({ workers: 2 }), store.update({ log_level: 'warn' }), store.update({ tonemap_hdr: true })]);
    assert.deepEqual(await readYaml(), { workers: 2, log_level: 'warn', tonemap_hdr: true });
  });

  it('loadConfig: file < environment < flags; persisted values come back; overrides are not written', async () => {
    await mkdir(data, { recursive: true });
    await writeFile(file(), 'workers: 2\nlog_level: warn\nquality_hevc: 25\n');
    const config = await loadConfig({
      argv: ['--data', data, '--log-level', 'error', '--media', '/a', '--media', '/b'],
      env: { SHRINKRAY_WORKERS: '5', SHRINKRAY_LOG_LEVEL: 'debug', SHRINKRAY_QUALITY_AV1: '30' },
      cwd: root,
    });
    const s = config.settings.get();
    assert.equal(s.workers, 5);
    assert.equal(s.log_level, 'error');
    assert.equal(s.quality_hevc, 25);
    assert.equal(s.quality_av1, 30);
    assert.deepEqual(s.media_paths, ['/a', '/b']);
    await config.settings.update({ keep_larger_files: true });
    assert.deepEqual(await readYaml(), { workers: 2, log_level: 'warn', quality_hevc: 25, keep_larger_files: true });

    const again = await loadConfig({ argv: ['--data', data], env: {}, cwd: root });
    assert.equal(again.settings.get().keep_larger_files, true);
    assert.equal(again.settings.get().workers, 2);
  });

  it('several media roots from the environment, resolved against the working folder, without duplicates', async () => {
    const config = await loadConfig({ argv: ['--data', data], env: { SHRINKRAY_MEDIA: 'media:/share:media' }, cwd: root });
    assert.deepEqual(config.settings.get().media_paths, [join(root, 'media'), '/share']);
  });

  it('a settings file with bad values stops the start with every problem', async () => {
    await mkdir(data, { recursive: true });
    await writeFile(file(), 'workers: 9\nschedule_start_hour: 4\nschedule_end_hour: 4\n');
    await assert.rejects(loadConfig({ argv: ['--data', data], env: {}, cwd: root }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 2, error.problems.join(' | '));
      return true;
    });
  });

  it('a bad flag and a bad environment value are both reported', async () => {
    await assert.rejects(
      loadConfig({ argv: ['--data', data, '--workers', 'many'], env: { SHRINKRAY_OUTPUT_FORMAT: 'avi' }, cwd: root }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems.sort(), ["output_format must be 'mkv' or 'mp4'", 'workers must be a whole number between 1 and 6']);
        return true;
      },
    );
  });
});
