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
    for (const ok of ['/media', '/media/Movies', '/share', '/share/videos', '/media/TV/', '/share/.hidden']) assert.ok(re.test(ok), ok);
    for (const bad of ['media', '/data', '/', '/mediafoo', '/config', '/media/../etc', '/share/..', '/media/./x', '/media//x']) assert.ok(!re.test(bad), bad);
    // the prebuilt image, with the project's home beside it
    assert.match(manifest.image, /^ghcr\.io\/[a-z0-9._-]+\/[a-z0-9._-]+$/);
    assert.doesNotMatch(manifest.image, /[:@]/, 'the Supervisor adds the tag (the version) itself');
    assert.match(manifest.url, /^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    assert.equal(manifest.schema.log_format, 'list(pretty|json)?');
    // every option maps to a real setting
    const { mapAddonOptions } = await import('../../../src/config/addon.js');
    const { checkSettings } = await import('../../../src/config/index.js');
    const sample = { media_paths: ['/media'], log_level: 'info', log_format: 'json', temp_path: '/share/tmp', mqtt_url: 'mqtt://core-mosquitto:1883', mqtt_username: 'u', mqtt_password: 'p', mqtt_base_topic: 'shrinkray', mqtt_discovery_prefix: 'homeassistant', api_token: 'token-1234', remote_workers: true, remote_prefer: 'any', remote_lease_secs: 60, local_encoding: false };
    assert.deepEqual(Object.keys(sample).sort(), Object.keys(manifest.schema).sort());
    const checked = checkSettings(mapAddonOptions(sample));
    assert.ok(checked.ok, checked.ok ? '' : checked.problems.join('; '));
  });

  it('only the manifest is named config.yaml/json; the s6 scripts and health check are executable in git', () => {
    const files = execFileSync('git', ['ls-files', '-s'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const stray = files.filter((l) => /(^|\/)config\.(ya?ml|json)$/.test(l) && !/\tconfig\.yaml$/.test(l));
    assert.deepEqual(stray, []);
    for (const path of ['addon/rootfs/etc/s6-overlay/s6-rc.d/shrinkray/run', 'addon/rootfs/etc/s6-overlay/s6-rc.d/shrinkray/finish', 'addon/rootfs/usr/local/bin/shrinkray-healthcheck', 'addon/rootfs/usr/local/bin/shrinkray-image-check']) {
      const line = files.find((l) => l.endsWith(`\t${path}`));
      assert.ok(line, `${path} is tracked`);
      assert.ok(line.startsWith('100755'), `${path} is executable: ${line}`);
    }
  });

  it('the Dockerfile builds from a pinned base, copies what the service runs, and health-checks it', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const base = dockerfile.match(/^ARG BUILD_FROM=(ghcr\.io\/home-assistant\/base:(\S+))$/m);
    assert.ok(base, 'ARG BUILD_FROM=ghcr.io/home-assistant/base:<tag>');
    assert.match(base[2] ?? '', /^\d+\.\d+$/, 'pinned to an Alpine minor, never latest');
    // older Supervisors building on the device read build.yaml: the same base for every architecture
    const build = parse(await readFile(join(ROOT, 'build.yaml'), 'utf8'));
    const manifest = parse(await readFile(join(ROOT, 'config.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(build.build_from).sort(), [...manifest.arch].sort());
    for (const from of Object.values(build.build_from)) assert.equal(from, base[1]);
    assert.deepEqual(Object.keys(build).sort(), ['build_from'], 'squash/codenotary are linter errors; args/labels live in the Dockerfile');
    assert.match(dockerfile, /COPY addon\/rootfs \//);
    assert.match(dockerfile, /HEALTHCHECK .*\n\s+CMD \["\/usr\/local\/bin\/shrinkray-healthcheck"\]/);
    const runScript = await readFile(join(SERVICE, 'run'), 'utf8');
    assert.match(runScript, /APP_DIR:-\/app/);
    assert.match(dockerfile, /WORKDIR \/app/);
    assert.match(dockerfile, /COPY --from=build \/app\/dist \.\/dist/);
    // `npm run build` also bundles the panel with scripts/build-web.mjs: everything it reads is copied first.
    const build2 = dockerfile.slice(0, dockerfile.indexOf('RUN npm run build'));
    for (const copied of ['scripts', 'src', 'tsconfig.build.json']) assert.match(build2, new RegExp(`COPY [^\\n]*${copied}`), `${copied} copied before the build`);
    // D20: encoders die with the service only where setpriv exists.
    assert.match(dockerfile, /apk add --no-cache [^\n]*\bsetpriv\b/);
  });

  it('the image carries a VMAF-capable ffmpeg from pinned, checksummed sources, and checks itself', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const stage = dockerfile.slice(dockerfile.indexOf(' AS vmaf'), dockerfile.indexOf('# --- runtime'));
    assert.ok(stage.length > 100, 'a vmaf build stage');
    assert.match(stage, /apk add [^\n]*\bxxd\b/, "libvmaf's built-in models need xxd");
    assert.match(stage, /-Dbuilt_in_models=true/);
    assert.match(stage, /--default-library=static/);
    for (const [name, sum] of [['VMAF', 'SHA256=[0-9a-f]{64}'], ['FFMPEG', 'SHA512=[0-9a-f]{128}']]) {
      assert.match(stage, new RegExp(`^ARG ${name}_VERSION=\\d+\\.\\d+\\.\\d+$`, 'm'), `${name} version pinned`);
      assert.match(stage, new RegExp(`^ARG ${name}_${sum}$`, 'm'), `${name} checksum`);
    }
    assert.match(stage, /sha256sum -c -/);
    assert.match(stage, /sha512sum -c -/);
    for (const flag of ['--enable-libvmaf', '--enable-libdav1d', '--disable-autodetect', '--disable-network', '--disable-encoders', '--enable-muxer=null']) assert.ok(stage.includes(flag), flag);
    // beside Alpine's ffmpeg (which keeps VAAPI, Quick Sync, libx265, SVT-AV1), and the program is told where
    assert.match(dockerfile, /apk add --no-cache nodejs ffmpeg /);
    assert.match(dockerfile, /^COPY --from=vmaf \/opt\/ffmpeg-vmaf\/bin\/ffmpeg \/usr\/local\/bin\/ffmpeg-vmaf$/m);
    assert.match(dockerfile, /SHRINKRAY_VMAF_FFMPEG=\/usr\/local\/bin\/ffmpeg-vmaf/);
    assert.match(dockerfile, /^RUN \/usr\/local\/bin\/shrinkray-image-check$/m);
    assert.ok(dockerfile.indexOf('RUN /usr/local/bin/shrinkray-image-check') > dockerfile.indexOf('COPY addon/rootfs /'), 'the check runs after the script is copied');
  });

  it('the image workflow builds both architectures natively, publishes on a tag and only checks on pull requests', async () => {
    const workflow = parse(await readFile(join(ROOT, '.github/workflows/image.yaml'), 'utf8'));
    assert.deepEqual(workflow.on.push.tags, ['v*']);
    assert.ok('pull_request' in workflow.on);
    const matrix = workflow.jobs.build.strategy.matrix.include as { arch: string; platform: string; runner: string }[];
    const manifest = parse(await readFile(join(ROOT, 'config.yaml'), 'utf8'));
    assert.deepEqual(matrix.map((m) => m.arch).sort(), [...manifest.arch].sort());
    assert.equal(matrix.find((m) => m.arch === 'aarch64')?.runner, 'ubuntu-24.04-arm', 'no QEMU for the ffmpeg build');
    const steps = JSON.stringify(workflow.jobs);
    assert.match(steps, /scripts\/version-check\.ts/);
    assert.match(steps, /frenck\/action-addon-linter/);
    assert.match(steps, /push-by-digest=true/);
    assert.match(steps, /type=cacheonly/, 'pull requests build without pushing');
    assert.equal(workflow.jobs.publish.if, "startsWith(github.ref, 'refs/tags/v')");
    assert.match(JSON.stringify(workflow.jobs.publish), /imagetools create -t \\"\$\{IMAGE\}:\$\{VERSION\}\\"/);
  });

  describe('outside Docker, with the program built as in the image', () => {
    let root: string;
    let app: string;
    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'addon-run-'));
      // What the image holds in /app: the built program, its modules and package.json.
      app = join(root, 'app');
      await mkdir(app);
      await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')]);
      await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'));
      await cp(join(ROOT, 'package.json'), join(app, 'package.json'));
    });
    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    /** Runs the s6 `run` script with options.json in a fresh data folder; resolves with the child. */
    const startService = async (options: Record<string, unknown>, env: Record<string, string> = {}) => {
      const data = await mkdtemp(join(root, 'data-'));
      await writeFile(join(data, 'options.json'), JSON.stringify(options));
      const child = spawn('sh', [join(SERVICE, 'run')], { env: { ...process.env, APP_DIR: app, DATA_DIR: data, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { text: '' };
      child.stdout.on('data', (d) => {
        out.text += d;
      });
      child.stderr.on('data', (d) => {
        out.text += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      return { child, out, exited };
    };

    it('the s6 run script starts the service from options.json; readable log lines; the health check passes; SIGTERM exits 0', async () => {
      const media = await mkdtemp(join(root, 'media-'));
      const port = await freePort();
      // The options name /media, as an add-on must; the environment (which wins) points at temp folders.
      const { child, out, exited } = await startService(
        { media_paths: ['/media'], log_level: 'info', mqtt_url: '' },
        { SHRINKRAY_MEDIA: media, SHRINKRAY_TEMP: join(root, 'tmp'), SHRINKRAY_PORT: String(port), SHRINKRAY_HOST: '127.0.0.1' },
      );
      const healthy = () =>
        run('sh', [HEALTHCHECK], { env: { ...process.env, SHRINKRAY_PORT: String(port) } }).then(
          () => true,
          () => false,
        );
      await waitFor(healthy, `health check (${out.text})`, 30_000);
      // The ingress port answers only the Supervisor's proxy, not this test.
      const res = await fetch(`http://127.0.0.1:${port}/api/jobs`);
      assert.equal(res.status, 403);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out.text);
      // The add-on's Log tab gets one readable line per event, not JSON.
      const lines = out.text.split('\n').filter((l) => l.trim() !== '');
      assert.ok(lines.length >= 2, out.text);
      for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (DEBUG|INFO |WARN |ERROR|FATAL) \S/, line);
      assert.ok(lines.some((l) => / INFO {2}shrinkray listening url=http:\/\/127\.0\.0\.1:\d+ /.test(l)), out.text);
      assert.ok(lines.some((l) => / INFO {2}shutting down signal=SIGTERM$/.test(l)), out.text);
      assert.equal(await healthy(), false);
    });

    it('a media folder that leaves /media stops the start with a clear message (exit 2)', async () => {
      const { out, exited } = await startService({ media_paths: ['/media/Movies', '/media/../etc'] }, { SHRINKRAY_PORT: String(await freePort()) });
      assert.equal(await exited, 2, out.text);
      assert.match(out.text, /^shrinkray: invalid configuration:\n {2}add-on option media_paths\[1\]: "\/media\/\.\.\/etc" is outside \/media or \/share \(it resolves to \/etc\); the add-on only works in folders under \/media or \/share\n/);
    });

    describe('the image self-check (shrinkray-image-check)', () => {
      const CHECK = join(ROOT, 'addon/rootfs/usr/local/bin/shrinkray-image-check');
      /** A stand-in for the scoring ffmpeg: lists a libvmaf filter and prints the given score. */
      const fakeVmaf = async (score: string) => {
        const path = join(root, `fake-vmaf-${score}`);
        await writeFile(path, `#!/bin/sh\ncase "$*" in *-filters*) echo " ... libvmaf          VV->V      Calculate the VMAF between two video streams.";; *) echo "[Parsed_libvmaf_0 @ 0x5581] VMAF score: ${score}" >&2;; esac\n`, { mode: 0o755 });
        return path;
      };
      const check = (env: Record<string, string>) =>
        run('sh', [CHECK], { env: { ...process.env, FFMPEG: 'ffmpeg', NODE: process.execPath, APP_DIR: app, ...env } }).then(
          ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
          (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: error.stdout + error.stderr }),
        );

      it('passes the encoders of the real ffmpeg here, and fails on an ffmpeg without libvmaf', async () => {
        const result = await check({ SHRINKRAY_VMAF_FFMPEG: 'ffmpeg' });
        assert.equal(result.code, 1, result.out);
        assert.match(result.out, /image check: ffmpeg encodes with: libx265 libsvtav1/);
        assert.match(result.out, /image check FAILED: ffmpeg has no libvmaf filter/);
      });

      it('fails when an encoder the add-on needs is missing (x86_64 needs VAAPI and Quick Sync)', async () => {
        const noQsv = join(root, 'ffmpeg-no-qsv');
        await writeFile(noQsv, '#!/bin/sh\ncase "$*" in *-encoders*) ffmpeg "$@" | grep -v qsv;; *) exec ffmpeg "$@";; esac\n', { mode: 0o755 });
        const result = await check({ FFMPEG: noQsv, CHECK_ARCH: 'x86_64', SHRINKRAY_VMAF_FFMPEG: await fakeVmaf('93.1') });
        assert.equal(result.code, 1, result.out);
        assert.match(result.out, /has no hevc_qsv encoder/);
        // aarch64 needs only the software encoders
        const arm = await check({ FFMPEG: noQsv, CHECK_ARCH: 'aarch64', SHRINKRAY_VMAF_FFMPEG: await fakeVmaf('93.1') });
        assert.equal(arm.code, 0, arm.out);
      });

      it('reads the VMAF score of the HEVC and AV1 clips, refuses an implausible one, and starts the program', async () => {
        const ok = await check({ SHRINKRAY_VMAF_FFMPEG: await fakeVmaf('93.412') });
        assert.equal(ok.code, 0, ok.out);
        assert.match(ok.out, /VMAF of the hevc clip: 93\.412\n.*VMAF of the av1 clip: 93\.412\n.*passed/s);
        const low = await check({ SHRINKRAY_VMAF_FFMPEG: await fakeVmaf('12.5') });
        assert.equal(low.code, 1, low.out);
        assert.match(low.out, /VMAF score 12\.5 for hevc is implausible/);
        const noApp = await check({ SHRINKRAY_VMAF_FFMPEG: await fakeVmaf('93.4'), APP_DIR: join(root, 'nowhere') });
        assert.equal(noApp.code, 1);
        assert.match(noApp.out, /the program does not start/);
      });
    });
  });
});
