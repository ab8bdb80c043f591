import assert from 'node:assert/strict';
import { mkdir, readdir, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { type Broker, startBroker } from '../../helpers/broker.js';
import { ClipFactory, ffprobeJson } from '../../helpers/clips.js';
import { get, post, waitFor } from '../../helpers/http.js';
import { encodesOf, type ServiceProcess, startProcess } from '../../helpers/process.js';

const clips = new ClipFactory();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Watchers still sampling (a failed test never reaches its stop): stopped after every test. */
const watching: Array<() => Promise<unknown>> = [];

/** Samples encodesOf every 100 ms until stopped; `stop()` resolves with the most seen at once. */
function watchEncodes(name: string) {
  let max = 0;
  let on = true;
  const loop = (async () => {
    while (on) {
      max = Math.max(max, await encodesOf(name));
      await sleep(100);
    }
  })();
  const stop = async () => {
    on = false;
    await loop;
    return max;
  };
  watching.push(stop);
  return { stop };
}

/** Every file under `dir` (recursively), relative names. */
async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

describe('remote workers over MQTT (issue 12): a coordinator and two worker processes', function () {
  this.timeout(120_000);
  let broker: Broker;
  let t: TestApp;
  const workers: ServiceProcess[] = [];

  const startWorker = (name: string, mount: string, extra: string[] = []) => {
    const w = startProcess(['worker', '--mqtt-url', broker.url, '--name', name, '--path-map', `${t.media}=${mount}`, '--temp', join(t.root, `temp-${name}`), '--log-level', 'debug', ...extra], t.root, { SHRINKRAY_WORKER_ASK_REPEAT_MS: '500' });
    workers.push(w);
    return w;
  };
  const online = (names: string[]) =>
    waitFor(async () => {
      const body = (await get(t.url, '/api/workers')).body;
      return names.every((n) => body.workers.some((w: { name: string; online: boolean; encoders: unknown[] }) => w.name === n && w.online && w.encoders.length > 0));
    }, `workers ${names.join(', ')} online`, 60_000);

  // One coordinator and two workers for the whole file: a worker process takes ~13 s to start here.
  before(async () => {
    broker = await startBroker();
    t = await startTestApp({ overrides: { remote_workers: true, mqtt_url: broker.url, local_encoding: false, remote_lease_secs: 3 } });
    await symlink(t.media, join(t.root, 'mnt-a'));
    await symlink(t.media, join(t.root, 'mnt-b'));
    startWorker('desk', join(t.root, 'mnt-a'));
    startWorker('nas', join(t.root, 'mnt-b'));
    await online(['desk', 'nas']);
  });

  afterEach(async function () {
    await Promise.all(watching.splice(0).map((stop) => stop()));
    if (this.currentTest?.state === 'failed') for (const w of workers) process.stderr.write(w.output().slice(-4000));
  });

  after(async () => {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
      await w.exited;
    }
    await t.dispose();
    await broker.close();
    await clips.dispose();
  });

  it('spreads jobs over both workers; every output is verified HEVC, nothing is left behind', async () => {
    const folder = join(t.media, 'show');
    await mkdir(folder);
    for (let i = 0; i < 4; i++) await clips.copyTo(await clips.h264(2), join(folder, `ep${i}.mp4`));
    assert.equal((await post(t.url, '/api/jobs', { paths: [folder], preset_id: 'compress-hevc' })).status, 202);
    const jobs = await waitFor(async () => {
      const list = (await get(t.url, '/api/jobs')).body.jobs as Array<{ status: string; worker?: string; output_path?: string; error?: string }>;
      return list.length === 4 && list.every((j) => j.status !== 'pending' && j.status !== 'running') && list;
    }, 'all jobs finished', 90_000);
    assert.deepEqual(jobs.map((j) => [j.status, j.error]), jobs.map(() => ['complete', undefined]));
    assert.deepEqual(new Set(jobs.map((j) => j.worker)), new Set(['desk', 'nas']));
    for (const j of jobs) {
      const probe = await ffprobeJson(j.output_path as string);
      assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.codec_name, 'hevc');
    }
    assert.deepEqual(await tree(folder), ['ep0.mkv', 'ep1.mkv', 'ep2.mkv', 'ep3.mkv']);
  });

  it('SIGKILL of a worker mid-transcode: the job is requeued and finished by the other; no staging left, the original intact until then', async () => {
    const folder = join(t.media, 'kill');
    await mkdir(folder);
    const input = await clips.copyTo(await clips.slow(8), join(folder, 'film.mkv'));
    const before = await stat(input);
    assert.equal((await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' })).status, 202);
    const running = await waitFor(async () => {
      const j = (await get(t.url, '/api/jobs')).body.jobs.find((x: { input_path: string }) => x.input_path === input);
      return j?.status === 'running' && j.progress > 0 && j;
    }, 'job running with progress', 60_000);
    const victim = running.worker as string;
    const other = victim === 'desk' ? 'nas' : 'desk';
    const proc = workers[victim === 'desk' ? 0 : 1] as ServiceProcess;
    proc.child.kill('SIGKILL');
    await proc.exited;
    const killedAt = Date.now();
    const requeuedOrMoved = await waitFor(async () => {
      const j = (await get(t.url, '/api/jobs')).body.jobs.find((x: { input_path: string }) => x.input_path === input);
      return (j?.status === 'pending' || j?.worker === other) && j;
    }, 'job taken back', 10_000);
    assert.ok(Date.now() - killedAt < 7000, `requeued ${Date.now() - killedAt} ms after the kill: the lease (3 s), the 1 s check, polling, a loaded machine`);
    assert.notEqual(requeuedOrMoved.status, 'complete');
    const now = await stat(input);
    assert.equal(now.ino, before.ino, 'the original is untouched after the kill');
    const done = await waitFor(async () => {
      const j = (await get(t.url, '/api/jobs')).body.jobs.find((x: { input_path: string }) => x.input_path === input);
      return j && j.status !== 'pending' && j.status !== 'running' && j;
    }, 'job finished', 90_000);
    assert.equal(done.status, 'complete', done.error);
    assert.equal(done.worker, other);
    assert.deepEqual(await tree(folder), ['film.mkv']);
    const probe = await ffprobeJson(input);
    assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.codec_name, 'hevc');
  });

  const jobOf = async (input: string) => (await get(t.url, '/api/jobs')).body.jobs.find((x: { input_path: string }) => x.input_path === input);
  const runningWithProgress = (input: string) =>
    waitFor(async () => {
      const j = await jobOf(input);
      return j?.status === 'running' && j.progress > 0 && j;
    }, 'job running with progress', 60_000);
  const finished = (input: string) =>
    waitFor(async () => {
      const j = await jobOf(input);
      return j && j.status !== 'pending' && j.status !== 'running' && j;
    }, 'job finished', 90_000);
  /** Log lines of every worker process that mention the job and say `what`. */
  const workerLines = (jobId: string, what: string) => workers.flatMap((w) => w.output().split('\n')).filter((l) => l.includes(jobId) && l.includes(what));

  it('broker stopped for longer than the lease: the job is requeued, finishes after the broker returns, encoded once at a time and completed once', async () => {
    const folder = join(t.media, 'outage');
    await mkdir(folder);
    const input = await clips.copyTo(await clips.slow(8), join(folder, 'outage.mkv'));
    const before = await stat(input);
    assert.equal((await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' })).status, 202);
    const running = await runningWithProgress(input);
    const watch = watchEncodes('outage.mkv');
    await broker.stop();
    const stoppedAt = Date.now();
    // The coordinator takes the job back when the lease (3 s) runs out, with nobody to renew it.
    await waitFor(async () => (await jobOf(input))?.status === 'pending', 'requeued while the broker is down', 10_000);
    assert.ok(Date.now() - stoppedAt < 8000, `requeued after ${Date.now() - stoppedAt} ms`);
    // The worker's lease ran out too: its ffmpeg is gone and its staging file removed.
    await waitFor(async () => (await encodesOf('outage.mkv')) === 0 && (await tree(folder)).length === 1, 'the worker stopped its encode', 10_000);
    assert.deepEqual(await tree(folder), ['outage.mkv']);
    assert.equal((await stat(input)).ino, before.ino, 'the original is untouched during the outage');
    await sleep(1000);
    assert.equal((await jobOf(input)).status, 'pending', 'nobody can take the job while the broker is down');
    await broker.start();
    const done = await finished(input);
    assert.equal(done.status, 'complete', done.error);
    assert.equal(await watch.stop(), 1, 'the encode is seen, and never two at once');
    assert.deepEqual(await tree(folder), ['outage.mkv']);
    const probe = await ffprobeJson(input);
    assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.codec_name, 'hevc');
    const jobs = ((await get(t.url, '/api/jobs')).body.jobs as Array<{ input_path: string }>).filter((j) => j.input_path === input);
    assert.equal(jobs.length, 1);
    assert.ok(workerLines(running.id, 'job stopped on this worker').length >= 1, 'the first run was stopped');
    assert.equal(workerLines(running.id, 'job assigned').length, 2, 'assigned once before and once after the outage');
  });

  it('coordinator restarted mid-job: the job is requeued (never re-attached), never encoded twice at once, the original intact', async () => {
    const folder = join(t.media, 'restart');
    await mkdir(folder);
    const input = await clips.copyTo(await clips.slow(8), join(folder, 'restart.mkv'));
    const before = await stat(input);
    assert.equal((await post(t.url, '/api/jobs', { paths: [input], preset_id: 'compress-hevc' })).status, 202);
    const running = await runningWithProgress(input);
    const watch = watchEncodes('restart.mkv');
    t = await t.restart();
    const again = await jobOf(input);
    assert.ok(again.status === 'pending' || (again.status === 'running' && again.progress < running.progress), `after the restart: ${again.status} at ${again.progress} %`);
    assert.equal((await stat(input)).ino, before.ino, 'the original is untouched by the restart');
    const done = await finished(input);
    assert.equal(done.status, 'complete', done.error);
    assert.equal(await watch.stop(), 1, 'the encode is seen, and never two at once');
    assert.deepEqual(await tree(folder), ['restart.mkv']);
    const probe = await ffprobeJson(input);
    assert.equal(probe.streams.find((s) => s.codec_type === 'video')?.codec_name, 'hevc');
    assert.ok(workerLines(running.id, 'job stopped on this worker').length >= 1, 'the first run was stopped, not re-attached');
    assert.equal(workerLines(running.id, 'job assigned').length, 2, 'assigned again after the restart');
  });
});
