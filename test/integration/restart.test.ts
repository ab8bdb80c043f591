import assert from 'node:assert/strict';
import { access, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceTag } from '../../src/jobs/tempfiles.js';
import { startTestApp } from '../helpers/app.js';
import { freePort } from '../helpers/broker.js';
import { ClipFactory } from '../helpers/clips.js';
import { del, get, post, waitFor } from '../helpers/http.js';
import { processesMentioning, type ServiceProcess, startProcess } from '../helpers/process.js';

const clips = new ClipFactory();
/** ffmpeg processes whose command line names something under `dir` (read from /proc). */
const ffmpegUnder = async (dir: string): Promise<string[]> => (await processesMentioning(dir)).filter((p) => p.args.includes('ffmpeg')).map((p) => p.args);

describe('restarts (D8, D9)', function () {
  this.timeout(120_000);
  after(() => clips.dispose());

  it('after a restart GET /api/jobs has the same jobs, order and stats; pause is remembered', async () => {
    let t = await startTestApp();
    try {
      const dir = join(t.media, 'r');
      for (const n of ['c', 'a', 'b']) await clips.copyTo(await clips.h264(), join(dir, `${n}.mp4`));
      await clips.copyTo(await clips.hevc(), join(dir, 'd.mkv'));
      await post(t.url, '/api/jobs', { paths: [join(dir, 'a.mp4')], preset_id: 'compress-hevc' });
      await waitFor(async () => (await get(t.url, '/api/stats')).body.complete === 1, 'first job complete');
      await post(t.url, '/api/queue/pause');
      await post(t.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' });
      // a.mp4 is now a.mkv (HEVC, skipped); b and c are pending; d is HEVC (skipped)
      await waitFor(async () => (await get(t.url, '/api/stats')).body.total === 5, 'batch added');
      const list = (await get(t.url, '/api/jobs')).body;
      await del(t.url, `/api/jobs/${list.jobs[2].id}`);
      const before = (await get(t.url, '/api/jobs')).body;
      assert.deepEqual(before.jobs.map((j: any) => j.status), ['complete', 'skipped', 'cancelled', 'pending', 'skipped']);
      assert.ok(before.stats.session_saved > 0);

      t = await t.restart();
      const after = (await get(t.url, '/api/jobs')).body;
      assert.deepEqual(after, before);
      assert.equal((await get(t.url, '/api/queue')).body.paused, true);
      await post(t.url, '/api/stats/reset-session');
      t = await t.restart();
      const stats = (await get(t.url, '/api/stats')).body;
      assert.equal(stats.session_saved, 0);
      assert.equal(stats.lifetime_saved, before.stats.lifetime_saved);
    } finally {
      await t.dispose();
    }
  });

  it('a restart removes the temp and staged files a crash left behind (ours only) and keeps the job in its place (D9)', async () => {
    let t = await startTestApp();
    try {
      const dir = join(t.media, 'Shows');
      const file = await clips.copyTo(await clips.slow(), join(dir, 'long.mkv'));
      await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
      await waitFor(async () => (await get(t.url, '/api/jobs')).body.jobs[0]?.status === 'running', 'running');
      const id = (await get(t.url, '/api/jobs')).body.jobs[0].id;
      await t.stop(); // the job stays `running` in the database, as after a crash
      const tag = instanceTag(t.data);
      const ours = [join(t.temp, `long.${tag}01234567.shrinkray.tmp.mkv`), join(dir, `.long.${tag}76543210.shrinkray.part.mkv`)];
      // Another instance's temp file (another tag) is left alone: that instance may be running (D20).
      const users = [join(dir, 'long.shrinkray.tmp.mkv'), join(dir, 'clip.0123456789abcdef.mkv'), join(t.temp, 'notes.txt'), join(t.temp, 'long.0123456789abcdef.shrinkray.tmp.mkv')];
      for (const path of [...ours, ...users]) await writeFile(path, 'x');
      const hour = new Date().getHours();
      t = await t.restart({ schedule_enabled: true, schedule_start_hour: (hour + 2) % 24, schedule_end_hour: (hour + 3) % 24 });
      const exists = (p: string) => access(p).then(() => true, () => false);
      for (const path of ours) assert.equal(await exists(path), false, `${path} removed`);
      for (const path of users) assert.equal(await exists(path), true, `${path} kept`);
      assert.equal(await exists(file), true);
      const jobs = (await get(t.url, '/api/jobs')).body.jobs;
      assert.deepEqual(jobs.map((j: any) => [j.id, j.status, j.temp_path]), [[id, 'pending', undefined]]);
    } finally {
      await t.dispose();
    }
  });

  it('the real process: SIGTERM kills ffmpeg, removes the temp file, exits 0; on restart the job is pending in its place', async () => {
    const root = await mkdtemp(join(tmpdir(), 'shrinkray-proc-'));
    const media = join(root, 'media');
    const temp = join(root, 'temp');
    await mkdir(media, { recursive: true });
    const started: ServiceProcess[] = [];
    try {
      const a = await clips.copyTo(await clips.slow(), join(media, 'a.mkv'));
      const b = await clips.copyTo(await clips.h264(), join(media, 'b.mp4'));
      const port = await freePort();
      const args = ['--media', media, '--data', join(root, 'data'), '--temp', temp, '--port', String(port), '--host', '127.0.0.1'];
      const url = `http://127.0.0.1:${port}`;
      const first = startProcess(args, root);
      started.push(first);
      await waitFor(() => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 'service up', 60_000);
      await post(url, '/api/jobs', { paths: [a, b], preset_id: 'compress-hevc' });
      await waitFor(async () => (await get(url, '/api/jobs')).body.jobs[0]?.progress > 0, 'first job making progress', 30_000);
      assert.equal((await ffmpegUnder(temp)).length, 1);
      assert.equal((await readdir(temp)).length, 1);
      const ids = (await get(url, '/api/jobs')).body.jobs.map((j: any) => j.id);

      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0, first.output());
      assert.deepEqual(await readdir(temp), []);
      assert.deepEqual(await ffmpegUnder(temp), []);
      assert.match(first.output(), /"msg":"stopped"/);

      // Outside the schedule window nothing starts, so the recovered state can be seen as it is.
      const hour = new Date().getHours();
      const closed = ['--schedule-enabled', 'true', '--schedule-start-hour', String((hour + 2) % 24), '--schedule-end-hour', String((hour + 3) % 24)];
      const second = startProcess([...args, ...closed], root);
      started.push(second);
      await waitFor(() => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 'service up again', 60_000);
      const jobs = (await get(url, '/api/jobs')).body.jobs;
      assert.deepEqual(jobs.map((j: any) => [j.id, j.status, j.progress, j.started_at]), [[ids[0], 'pending', 0, null], [ids[1], 'pending', 0, null]]);
      second.child.kill('SIGINT');
      assert.equal(await second.exited, 0, second.output());

      // And with no window the recovered job is the first to run.
      const third = startProcess(args, root);
      started.push(third);
      await waitFor(() => fetch(`${url}/api/health`).then((r) => r.ok, () => false), 'service up a third time', 60_000);
      await waitFor(async () => (await get(url, '/api/jobs')).body.jobs[0]?.status === 'running', 'recovered job running', 20_000);
      third.child.kill('SIGTERM');
      assert.equal(await third.exited, 0);
    } finally {
      // A failed assertion must not leave a service running (it would keep mocha alive).
      for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });

  it('the process exits 2 with a readable message on a bad option, and prints --help', async () => {
    const root = await mkdtemp(join(tmpdir(), 'shrinkray-proc-'));
    try {
      const bad = startProcess(['--workers', '9'], root);
      assert.equal(await bad.exited, 2);
      assert.match(bad.output(), /workers.*between 1 and 6/);
      const help = startProcess(['--help'], root);
      assert.equal(await help.exited, 0);
      for (const flag of ['--media', '--data', '--port', '--host', '--temp', '--workers', '--log-level']) assert.ok(help.output().includes(flag), flag);
      const env = startProcess(['--port', '1'], root, { SHRINKRAY_WORKERS: 'many' });
      assert.equal(await env.exited, 2);
      assert.match(env.output(), /workers/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
