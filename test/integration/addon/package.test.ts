import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { freePort } from '../../helpers/broker.js';
import { waitFor } from '../../helpers/http.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const SERVICE = join(ROOT, 'addon/rootfs/etc/s6-overlay/s6-rc.d/shrinkray');
const HEALTHCHECK = join(ROOT, 'addon/rootfs/usr/local/bin/shrinkray-healthcheck');

/** Keys the add-on linter rejects when set to the Supervisor's default value (ha-addon-and-mqtt.md §1.8). */
const LINTER_DEFAULTS: Record<string, unknown> = {
  apparmor: true, audio: false, auth_api: false, backup: 'hot', boot: 'auto', docker_api: false, full_access: false,
  gpio: false, hassio_api: false, hassio_role: 'default', homeassistant_api: false, host_network: false, host_pid: false,
  ingress: false, ingress_port: 8099, ingress_stream: false, init: true, panel_admin: true, panel_icon: 'mdi:puzzle',
  stage: 'stable', startup: 'application', stdin: false, timeout: 10, tmpfs: false, uart: false, udev: false, usb: false, video: false,
};

describe('the add-on package', function () {
  this.timeout(120_000);

  it('the manifest follows the Supervisor and linter rules, and matches its translations', async () => {
    const manifest = parse(await readFile(join(ROOT, 'config.yaml'), 'utf8'));
    for (const key of ['name', 'version', 'slug', 'description', 'arch']) assert.ok(manifest[key], `required ${key}`);
    assert.equal(manifest.version, JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);
    assert.match(manifest.slug, /^[-_.A-Za-z0-9]+$/);
    for (const arch of manifest.arch) assert.ok(['amd64', 'aarch64'].includes(arch), arch);
    for (const [key, value] of Object.entries(LINTER_DEFAULTS)) assert.notDeepEqual(manifest[key], value, `${key} set to its default`);
    for (const banned of ['watchdog', 'webui', 'advanced', 'full_access']) assert.equal(manifest[banned], undefined, banned);
    assert.equal(manifest.init, false, 's6-overlay base image needs init: false');
    for (const m of manifest.map) assert.match(m, /^(addon_config|all_addon_configs|homeassistant_config|ssl|addons|backup|share|media)(:(rw|ro))?$/);
    for (const s of manifest.services) assert.match(s, /^(mqtt|mysql):(provide|want|need)$/);
    for (const d of manifest.devices) assert.ok(!d.includes(':'), `device ${d} uses the old format`);
    assert.deepEqual(Object.keys(manifest.options).filter((k) => !(k in manifest.schema)), []);
    const translations = parse(await readFile(join(ROOT, 'translations/en.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(translations.configuration).sort(), Object.keys(manifest.schema).sort());
    assert.deepEqual(Object.keys(translations.network).sort(), Object.keys(manifest.ports).sort());
    // media folders can only be under /media or /share, as absolute paths
    const pattern = String(manifest.schema.media_paths[0]).match(/^match\((.*)\)$/)?.[1];
    assert.ok(pattern);
    const re = new RegExp(`^(?:${pattern})$`);
    for (const ok of ['/media', '/media/Movies', '/share', '/share/videos']) assert.ok(re.test(ok), ok);
    for (const bad of ['media', '/data', '/', '/mediafoo', '/config']) assert.ok(!re.test(bad), bad);
    // every option maps to a real setting
    const { mapAddonOptions } = await import('../../../src/config/addon.js');
    const { checkSettings } = await import('../../../src/config/index.js');
    const sample = { media_paths: ['/media'], log_level: 'info', temp_path: '/share/tmp', mqtt_url: 'mqtt://core-mosquitto:1883', mqtt_username: 'u', mqtt_password: 'p', mqtt_base_topic: 'shrinkray', mqtt_discovery_prefix: 'homeassistant', api_token: 'token-1234' };
    assert.deepEqual(Object.keys(sample).sort(), Object.keys(manifest.schema).sort());
    const checked = checkSettings(mapAddonOptions(sample));
    assert.ok(checked.ok, checked.ok ? '' : checked.problems.join('; '));
  });

  it('only the manifest is named config.yaml/json; the s6 scripts and health check are executable in git', () => {
    const files = execFileSync('git', ['ls-files', '-s'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const stray = files.filter((l) => /(^|\/)config\.(ya?ml|json)$/.test(l) && !/\tconfig\.yaml$/.test(l));
    assert.deepEqual(stray, []);
    for (const path of ['addon/rootfs/etc/s6-overlay/s6-rc.d/shrinkray/run', 'addon/rootfs/etc/s6-overlay/s6-rc.d/shrinkray/finish', 'addon/rootfs/usr/local/bin/shrinkray-healthcheck']) {
      const line = files.find((l) => l.endsWith(`\t${path}`));
      assert.ok(line, `${path} is tracked`);
      assert.ok(line.startsWith('100755'), `${path} is executable: ${line}`);
    }
  });

  it('the Dockerfile builds from a real base, copies what the service runs, and health-checks it', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^ARG BUILD_FROM=ghcr\.io\/home-assistant\/base:/m);
    assert.match(dockerfile, /COPY addon\/rootfs \//);
    assert.match(dockerfile, /HEALTHCHECK .*\n\s+CMD \["\/usr\/local\/bin\/shrinkray-healthcheck"\]/);
    const runScript = await readFile(join(SERVICE, 'run'), 'utf8');
    assert.match(runScript, /APP_DIR:-\/app/);
    assert.match(dockerfile, /WORKDIR \/app/);
    assert.match(dockerfile, /COPY --from=build \/app\/dist \.\/dist/);
  });

  it('the s6 run script starts the service from options.json; the health check passes; SIGTERM exits 0', async () => {
    const root = await mkdtemp(join(tmpdir(), 'addon-run-'));
    try {
      // What the image holds in /app: the built program, its modules and package.json.
      const app = join(root, 'app');
      await mkdir(app);
      await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')]);
      await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'));
      await cp(join(ROOT, 'package.json'), join(app, 'package.json'));
      const data = join(root, 'data');
      const media = join(root, 'media');
      await mkdir(data);
      await mkdir(media);
      await writeFile(join(data, 'options.json'), JSON.stringify({ media_paths: [media], log_level: 'info', mqtt_url: '' }));
      const port = await freePort();
      const env = { ...process.env, APP_DIR: app, DATA_DIR: data, SHRINKRAY_PORT: String(port), SHRINKRAY_HOST: '127.0.0.1' };
      const child = spawn('sh', [join(SERVICE, 'run')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => {
        output += d;
      });
      child.stderr.on('data', (d) => {
        output += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const healthy = () =>
        run('sh', [HEALTHCHECK], { env: { ...process.env, SHRINKRAY_PORT: String(port) } }).then(
          () => true,
          () => false,
        );
      await waitFor(healthy, `health check (${output})`, 30_000);
      // The ingress port answers only the Supervisor's proxy, not this test.
      const res = await fetch(`http://127.0.0.1:${port}/api/jobs`);
      assert.equal(res.status, 403);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.match(output, /"allowed_peers"|shrinkray listening/);
      assert.equal(await healthy(), false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
