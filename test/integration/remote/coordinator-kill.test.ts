import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { type Broker, freePort, startBroker } from '../../helpers/broker.js';
import { ClipFactory, ffprobeJson } from '../../helpers/clips.js';
import { get, post, waitFor } from '../../helpers/http.js';
import { encodesOf, type ServiceProcess, startProcess } from '../../helpers/process.js';

const clips = new ClipFactory();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 12: "an original is never lost whatever dies when". The coordinator is a real process here,
 * killed with SIGKILL (no goodbye, no lease messages, its last will on the broker) while a worker
 * process encodes its job, and again at the hand-over, when the staged output appears beside the
 * original. The restarted coordinator requeues (D9) and never re-attaches; the worker stops the dead
 * coordinator's job at once on seeing the new session.
 */
describe('SIGKILL of the coordinator during a remote job (issue 12)', function () {
  this.timeout(180_000);
  let broker: Broker;
  let root: string;
  let media: string;
  let port: number;
  let url: string;
  let coordinator: ServiceProcess | undefined;
  const workers: ServiceProcess[] = [];

  const startCoordinator = async () => {
    const args = ['--media', media, '--data', join(root, 'data'), '--temp', join(root, 'temp'), '--port', String(port), '--host', '127.0.0.1'];
    const p = startProcess([...args, '--remote-workers', 'true', '--mqtt-url', broker.url, '--local-encoding', 'false', '--remote-lease-secs', '30'], root);
    coordinator = p;
    await waitFor(() => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 'coordinator up', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${p.output().slice(-3000)}`);
    });
    return p;
  };
  const kill = async () => {
    const p = coordinator as ServiceProcess;
    p.child.kill('SIGKILL');
    await p.exited;
  };
  const jobOf = async (input: string) => (await get(url, '/api/jobs')).body.jobs.find((x: { input_path: string }) => x.input_path === input);
  const allLines = () => workers.flatMap((w) => w.output().split('\n'));

  before(async () => {
    broker = await startBroker();
    root = await mkdtemp(join(tmpdir(), 'shrinkray-coordkill-'));
    media = join(root, 'media');
    await mkdir(media);
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await startCoordinator();
    // Two workers, each seeing the media folder through its own mount point.
    for (const name of ['desk', 'nas']) {
      await symlink(media, join(root, `mnt-${name}`));
      workers.push(startProcess(['worker', '--mqtt-url', broker.url, '--name', name, '--path-map', `${media}=${join(root, `mnt-${name}`)}`, '--temp', join(root, `temp-${name}`), '--log-level', 'debug'], root, { SHRINKRAY_WORKER_ASK_REPEAT_MS: '500' }));
    }
    await waitFor(async () => {
      const body = (await get(url, '/api/workers')).body;
      return ['desk', 'nas'].every((n) => body.workers.some((w: { name: string; online: boolean; encoders: unknown[] }) => w.name === n && w.online && w.encoders.length > 0));
    }, 'both workers online', 60_000);
  });

  /** Watchers still sampling (a failed test never reaches its stop): stopped after every test. */
  const watching: Array<() => Promise<unknown>> = [];
  afterEach(async function () {
    await Promise.all(watching.splice(0).map((stop) => stop()));
    if (this.currentTest?.state === 'failed') {
      process.stderr.write(coordinator?.output().slice(-4000) ?? '');
      for (const w of workers) process.stderr.write(w.output().slice(-3000));
    }
  });

  after(async () => {
    for (const p of [coordinator, ...workers.splice(0)]) {
      if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await p?.exited;
    }
    await broker?.close();
    await rm(root, { recursive: true, force: true });
    await clips.dispose();
  });

  /** Polls every 20 ms until stopped; every sample must see the original (same inode) or a finished HEVC file in its place. */
  function watchOriginal(path: string, ino: number) {
    let on = true;
    let maxEncodes = 0;
    const problems: string[] = [];
    const loop = (async () => {
      while (on) {
        const now = await stat(path).catch(() => undefined);
        if (!now) problems.push(`${path} missing at ${new Date().toISOString()}`);
        maxEncodes = Math.max(maxEncodes, await encodesOf(basename(path)));
        await sleep(20);
      }
    })();
    const stop = async () => {
      on = false;
      await loop;
      return { problems, maxEncodes, ino };
    };
    watching.push(stop);
    return { stop };
  }

  async function finishes(input: string) {
    const done = await waitFor(async () => {
      const j = await jobOf(input);
      return j && j.status !== 'pending' && j.status !== 'running' && j;
    }, 'job finished', 90_000);
    assert.equal(done.status, 'complete', done.error);
    const jobs = ((await get(url, '/api/jobs')).body.jobs as Array<{ input_path: string }>).filter((j) => j.input_path === input);
    assert.equal(jobs.length, 1, 'one job for the file');
    const probe = await ffprobeJson(input);
    assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.codec_name, 'hevc');
    await waitFor(async () => (await encodesOf(basename(input))) === 0, 'no encoder left', 10_000);
    return done;
  }

  it('killed mid-transcode: the restarted coordinator requeues the job, the worker stops the old run at once, the job completes once', async () => {
    const folder = join(media, 'mid');
    await mkdir(folder);
    const input = await clips.copyTo(await clips.slow(8), join(folder, 'mid.mkv'));
    const before = await stat(input);
    assert.equal((await post(url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' })).status, 202);
    const running = await waitFor(async () => {
      const j = await jobOf(input);
      return j?.status === 'running' && j.progress > 0 && j;
    }, 'job running with progress', 60_000);
    const watch = watchOriginal(input, before.ino);
    await kill();
    // Nobody tells the worker: it keeps encoding for the dead coordinator until the new one appears.
    await sleep(500);
    assert.equal(await encodesOf('mid.mkv'), 1, 'the worker still encodes after the kill');
    // The lease (30 s) outlasts the restart even under load, so what stops the old run is the new
    // coordinator's session, not the lease running out.
    await startCoordinator();
    const again = await jobOf(input);
    assert.ok(again.status === 'pending' || (again.status === 'running' && again.progress < running.progress), `after the restart: ${again.status} at ${again.progress} %`);
    await waitFor(() => allLines().some((l) => l.includes(running.id) && l.includes('the coordinator restarted')), 'the worker stopped the old run', 10_000);
    const done = await finishes(input);
    const seen = await watch.stop();
    assert.equal((await stat(input)).ino === before.ino, false, 'the original was replaced at the end');
    assert.deepEqual(seen.problems, [], 'the file was missing at some moment');
    assert.equal(seen.maxEncodes, 1, 'never encoded twice at once');
    assert.deepEqual(await readdir(folder), ['mid.mkv']);
    assert.ok(done.worker === 'desk' || done.worker === 'nas');
  });

  for (const delay of [0, 150]) {
    it(`killed at the hand-over (${delay} ms after the staged output appears): the original is never lost, the job completes once, nothing is left`, async () => {
      const folder = join(media, `handover-${delay}`);
      await mkdir(folder);
      const input = await clips.copyTo(await clips.slow(4), join(folder, 'hand.mkv'));
      const before = await stat(input);
      assert.equal((await post(url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' })).status, 202);
      const watch = watchOriginal(input, before.ino);
      // The staged file is hidden beside the original: `.hand.<16 hex>.shrinkray.part.mkv`.
      await waitFor(async () => (await readdir(folder)).some((n) => n.includes('.shrinkray.part.')), 'staged output beside the original', 90_000);
      if (delay > 0) await sleep(delay);
      await kill();
      const afterKill = await readdir(folder);
      await startCoordinator();
      await finishes(input);
      const seen = await watch.stop();
      assert.deepEqual(seen.problems, [], `the file was missing at some moment (folder after the kill: ${afterKill.join(', ')})`);
      assert.deepEqual(await readdir(folder), ['hand.mkv']);
      // Every worker's temp folder is empty again.
      for (const name of ['desk', 'nas']) assert.deepEqual(await readdir(join(root, `temp-${name}`)), [], name);
    });
  }
});
