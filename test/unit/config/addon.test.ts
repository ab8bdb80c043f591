import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddonOptionsError, mapAddonOptions, readAddonOptions } from '../../../src/config/addon.js';
import { ConfigError, checkSettings, loadConfig } from '../../../src/config/index.js';
import { readEnvironment } from '../../../src/config/sources.js';

describe('add-on options → settings', () => {
  it('fixes the ingress listener and passes the options that are set', () => {
    assert.deepEqual(mapAddonOptions({ media_paths: ['/media', '/share/videos'], log_level: 'debug', mqtt_url: '', api_token: '' }), {
      port: 8099,
      host: '0.0.0.0',
      allowed_peers: ['172.30.32.2'],
      log_format: 'pretty',
      temp_path: '/media/.shrinkray-tmp',
      media_paths: ['/media', '/share/videos'],
      log_level: 'debug',
    });
  });

  it('passes the remote-worker options, false included (a coordinator that encodes nothing itself)', () => {
    const mapped = mapAddonOptions({ remote_workers: true, local_encoding: false, remote_prefer: 'any', remote_lease_secs: 60 });
    assert.deepEqual([mapped.remote_workers, mapped.local_encoding, mapped.remote_prefer, mapped.remote_lease_secs], [true, false, 'any', 60]);
    assert.equal(checkSettings(mapped).ok, true);
    assert.equal('remote_workers' in mapAddonOptions({}), false, 'unset options leave the defaults');
  });

  it('temp files go beside the first media folder (same filesystem, hidden), unless the option says otherwise', () => {
    assert.equal(mapAddonOptions({ media_paths: ['/share/videos', '/media'] }).temp_path, '/share/videos/.shrinkray-tmp');
    assert.equal(mapAddonOptions({}).temp_path, '/media/.shrinkray-tmp');
    assert.equal(mapAddonOptions({ temp_path: '/share/tmp' }).temp_path, '/share/tmp');
  });

  it('a token opens the direct API port (8080 unless another is given)', () => {
    assert.equal(mapAddonOptions({ api_token: 'secret-token' }).api_port, 8080);
    assert.equal(mapAddonOptions({ api_token: 'secret-token', api_port: 9000 }).api_port, 9000);
    assert.equal(mapAddonOptions({ api_port: 9000 }).api_port, undefined);
  });

  it('the mapped settings validate, and a direct port without a token does not', () => {
    const mapped = mapAddonOptions({ media_paths: ['/media'], api_token: 't' });
    assert.equal(checkSettings(mapped).ok, true);
    const bad = checkSettings({ api_port: 8080 });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.problems.join(), /api_port needs api_token/);
    const peers = checkSettings({ allowed_peers: ['not-an-ip'] });
    assert.equal(peers.ok, false);
  });

  it('reads /data/options.json, and says which file is broken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'addon-'));
    try {
      await writeFile(join(dir, 'options.json'), JSON.stringify({ media_paths: ['/media'] }));
      assert.deepEqual((await readAddonOptions(join(dir, 'options.json'))).media_paths, ['/media']);
      await writeFile(join(dir, 'bad.json'), '{');
      await assert.rejects(readAddonOptions(join(dir, 'bad.json')), /cannot read the add-on options .*bad\.json/);
      await writeFile(join(dir, 'list.json'), '[]');
      await assert.rejects(readAddonOptions(join(dir, 'list.json')), /expected a JSON object/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('media folders are normalised and must stay inside /media or /share', () => {
    assert.deepEqual(mapAddonOptions({ media_paths: ['/media//Movies/', '/share/./videos', '/media/TV/../Films', '/media/'] }).media_paths, ['/media/Movies', '/share/videos', '/media/Films', '/media']);
    assert.equal(mapAddonOptions({ media_paths: ['/share/a/../b/'] }).temp_path, '/share/b/.shrinkray-tmp');
    const refused: [string, RegExp][] = [
      ['/media/../etc', /media_paths\[0\]: "\/media\/\.\.\/etc" is outside \/media or \/share \(it resolves to \/etc\)/],
      ['/share/../../data', /resolves to \/data/],
      ['/media/..', /resolves to \/\)/],
      ['/mediafoo', /"\/mediafoo" is outside/],
      ['media/Movies', /not an absolute path/],
      ['/media/a\0b', /NUL byte/],
      ['', /expected a folder/],
    ];
    for (const [bad, message] of refused) {
      assert.throws(() => mapAddonOptions({ media_paths: ['/media', bad] }), (error: Error) => {
        assert.match(error.message.replace('[1]', '[0]'), message);
        return true;
      }, bad);
    }
  });

  it('temp_path follows the same rule; every problem is reported at once', () => {
    assert.equal(mapAddonOptions({ temp_path: '/share/tmp/' }).temp_path, '/share/tmp');
    assert.throws(() => mapAddonOptions({ media_paths: ['/media/../etc', '/config'], temp_path: '/data/tmp' }), (error: AddonOptionsError) => {
      assert.equal(error.problems.length, 3);
      assert.match(error.problems.join('\n'), /media_paths\[0\].*\n.*media_paths\[1\]: "\/config" is outside.*\n.*temp_path: "\/data\/tmp" is outside/);
      return true;
    });
  });

  it('a bad media folder in options.json is a ConfigError naming the option (main exits 2 with it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'addon-'));
    try {
      await writeFile(join(dir, 'options.json'), JSON.stringify({ media_paths: ['/media/../etc'] }));
      await assert.rejects(readAddonOptions(join(dir, 'options.json')), /^Error: add-on option media_paths\[0\]: "\/media\/\.\.\/etc" is outside \/media or \/share \(it resolves to \/etc\)/);
      await assert.rejects(loadConfig({ argv: ['--addon-options', join(dir, 'options.json'), '--data', join(dir, 'data')], env: {}, cwd: dir }), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^invalid configuration:\n {2}add-on option media_paths\[0\]: .* \(it resolves to \/etc\)/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the add-on logs readable lines unless json is chosen', () => {
    assert.equal(mapAddonOptions({}).log_format, 'pretty');
    assert.equal(mapAddonOptions({ log_format: 'json' }).log_format, 'json');
  });

  it('takes the Supervisor token from SUPERVISOR_TOKEN', () => {
    assert.equal(readEnvironment({ SUPERVISOR_TOKEN: 'abc' }).values.supervisor_token, 'abc');
    assert.equal(readEnvironment({ SUPERVISOR_TOKEN: 'abc', SHRINKRAY_SUPERVISOR_TOKEN: 'def' }).values.supervisor_token, 'def');
  });
});
