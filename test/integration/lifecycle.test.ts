import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory, ffprobeJson } from '../helpers/clips.js';
import { del, get, post, waitFor } from '../helpers/http.js';
import { SseRecorder } from '../helpers/sse.js';

const clips = new ClipFactory();

/** ffmpeg processes whose command line mentions `needle` (a test's own temp folder). */
function ffmpegProcessesFor(needle: string): string[] {
  const out = execFileSync('ps', ['-eww', '-o', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('ffmpeg') && l.includes(needle) && !l.includes('ps -eo'));
}

describe('job lifecycle (real ffmpeg transcodes)', function () {
  this.timeout(120_000);
  let t: TestApp;
  let sse: SseRecorder;

  const start = async (overrides: Record<string, unknown> = {}) => {
    t = await startTestApp({ overrides });
    sse = new SseRecorder(`${t.url}/api/jobs/stream`);
    await sse.waitFor((e) => e.type === 'init', 'init');
  };
  // A test may give the service (and its ffmpeg children) an OS temp folder of its own (TMPDIR).
  let osTemp: { dir: string; saved: string | undefined } | undefined;
  const ownOsTemp = async (): Promise<string> => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'lifecycle-os-temp-'));
    osTemp = { dir, saved: process.env.TMPDIR };
    process.env.TMPDIR = dir;
    return dir;
  };
  afterEach(async () => {
    await sse?.close();
    await t?.dispose();
    if (osTemp !== undefined) {
      if (osTemp.saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = osTemp.saved;
      await rm(osTemp.dir, { recursive: true, force: true });
      osTemp = undefined;
    }
  });
  after(() => clips.dispose());

  const jobs = async () => (await get(t.url, '/api/jobs')).body.jobs as any[];
  const finished = (id: string) => sse.waitFor((e) => ['complete', 'failed', 'skipped', 'cancelled'].includes(e.type) && e.job.id === id, `end of ${id}`, 90_000);

  it('runs a whole job: started → progress → complete, replaces the original in place and keeps its mtime (D11)', async () => {
    await start();
    const file = await clips.copyTo(await clips.withSubtitles(), join(t.media, 'Movies', 'film.mkv'));
    const mtime = new Date('2020-01-02T03:04:05Z');
    await utimes(file, mtime, mtime);
    const inputSize = (await stat(file)).size;
    // From here on the OS temp folder is a fresh one: whatever the job writes there is seen, and nothing
    // else running on the machine can add to it.
    const { tmpdir } = await import('node:os');
    const jobTemp = await ownOsTemp();
    assert.equal(tmpdir(), jobTemp);
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const added = await sse.waitFor((e) => e.type === 'added', 'added');
    const id = added.job.id;
    const done = await finished(id);
    assert.equal(done.type, 'complete', JSON.stringify(done));

    const mine = sse.events.filter((e) => e.job?.id === id).map((e) => e.type);
    assert.equal(mine[0], 'added');
    assert.equal(mine[1], 'started');
    assert.equal(mine.at(-1), 'complete');
    assert.ok(mine.slice(2, -1).every((type) => type === 'progress'), mine.join(','));
    const started = sse.events.find((e) => e.type === 'started');
    assert.equal(started.job.status, 'running');
    assert.match(started.job.started_at, /Z$/);
    for (const p of sse.events.filter((e) => e.type === 'progress')) {
      assert.equal(p.job.status, 'running');
      assert.ok(p.job.progress >= 0 && p.job.progress <= 100);
      assert.equal(typeof p.job.speed, 'number');
      assert.equal(typeof p.job.eta, 'string');
    }

    const job = done.job;
    assert.equal(job.status, 'complete');
    assert.equal(job.progress, 100);
    assert.equal(job.output_path, file);
    assert.equal(job.input_size, inputSize);
    assert.equal(job.output_size, (await stat(file)).size);
    assert.equal(job.space_saved, job.input_size - job.output_size);
    assert.ok(job.space_saved > 0);
    assert.equal(typeof job.transcode_secs, 'number');
    assert.match(job.completed_at, /Z$/);
    assert.equal(job.encoder, 'none');
    assert.equal(job.encoder_name, 'libx265');
    assert.equal(job.temp_path, undefined);

    const probe = await ffprobeJson(file);
    const types = probe.streams.map((s) => `${s.codec_type}:${s.codec_name}`);
    assert.deepEqual(types, ['video:hevc', 'audio:aac', 'audio:aac', 'subtitle:subrip']);
    assert.equal((await stat(file)).mtime.getTime(), mtime.getTime());
    assert.deepEqual((await readdir(join(t.media, 'Movies'))).sort(), ['film.mkv']);
    assert.deepEqual(await readdir(t.temp), []);
    // Nothing was written anywhere else: not beside the media folder, not in the OS temp folder.
    assert.deepEqual((await readdir(t.root)).sort(), ['data', 'media', 'temp']);
    assert.deepEqual(await readdir(jobTemp), []);

    const stats = (await get(t.url, '/api/stats')).body;
    assert.equal(stats.complete, 1);
    assert.equal(stats.session_saved, job.space_saved);
    assert.equal(stats.lifetime_saved, job.space_saved);
    assert.equal(stats.total_saved, job.space_saved);
  });

  it('an MP4 source becomes <name>.mkv and the original is deleted only after (replace)', async () => {
    await start();
    const file = await clips.copyTo(await clips.h264(), join(t.media, 'clip.mp4'));
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-av1' });
    const done = await finished((await sse.waitFor((e) => e.type === 'added', 'added')).job.id);
    assert.equal(done.type, 'complete', JSON.stringify(done.job));
    assert.equal(done.job.output_path, join(t.media, 'clip.mkv'));
    assert.deepEqual(await readdir(t.media), ['clip.mkv']);
    assert.equal((await ffprobeJson(join(t.media, 'clip.mkv'))).streams[0]?.codec_name, 'av1');
  });

  it('keep mode leaves the original as <file>.old, byte for byte', async () => {
    await start({ original_handling: 'keep' });
    const file = await clips.copyTo(await clips.h264(), join(t.media, 'keep.mkv'));
    const original = await readFile(file);
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const id = (await sse.waitFor((e) => e.type === 'added', 'added')).job.id;
    assert.equal((await finished(id)).type, 'complete');
    assert.deepEqual((await readdir(t.media)).sort(), ['keep.mkv', 'keep.mkv.old']);
    assert.ok(original.equals(await readFile(`${file}.old`)));
    assert.equal((await ffprobeJson(file)).streams[0]?.codec_name, 'hevc');
  });

  it('cancel of a running job kills ffmpeg, removes the temp file, leaves the original untouched; 409 after', async () => {
    await start();
    const file = await clips.copyTo(await clips.slow(), join(t.media, 'long.mkv'));
    const original = await readFile(file);
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const id = (await sse.waitFor((e) => e.type === 'started', 'started')).job.id;
    await sse.waitFor((e) => e.type === 'progress' && e.job.progress > 0, 'progress');
    assert.equal((await readdir(t.temp)).length, 1, 'a temp file while running');
    assert.equal(ffmpegProcessesFor(t.temp).length, 1);
    const res = await del(t.url, `/api/jobs/${id}`);
    assert.deepEqual([res.status, res.body], [200, { status: 'cancelled' }]);
    const cancelled = await sse.waitFor((e) => e.type === 'cancelled', 'cancelled');
    assert.equal(cancelled.job.status, 'cancelled');
    await waitFor(async () => (await readdir(t.temp)).length === 0 && ffmpegProcessesFor(t.temp).length === 0, 'temp file and ffmpeg gone', 10_000);
    assert.ok(original.equals(await readFile(file)));
    assert.equal((await del(t.url, `/api/jobs/${id}`)).status, 409);
    assert.equal(sse.types().filter((x) => x === 'failed').length, 0);
  });

  it('pause requeues the running job at the front; resume runs it again to completion', async () => {
    await start();
    const a = await clips.copyTo(await clips.slow(8), join(t.media, 'q', 'a.mkv'));
    await clips.copyTo(await clips.h264(), join(t.media, 'q', 'b.mp4'));
    await post(t.url, '/api/jobs', { paths: [join(t.media, 'q')], preset_id: 'compress-hevc' });
    const started = await sse.waitFor((e) => e.type === 'started', 'started');
    assert.equal(started.job.input_path, a);
    await sse.waitFor((e) => e.type === 'progress', 'progress');
    const paused = await post(t.url, '/api/queue/pause');
    assert.deepEqual(paused.body, { paused: true, requeued: 1 });
    const requeued = await sse.waitFor((e) => e.type === 'requeued', 'requeued');
    assert.equal(requeued.job.id, started.job.id);
    assert.equal(requeued.job.status, 'pending');
    assert.equal(requeued.job.progress, 0);
    assert.equal(requeued.job.started_at, null);
    await waitFor(async () => (await readdir(t.temp)).length === 0, 'temp removed');
    const list = await jobs();
    assert.deepEqual(list.map((j) => [j.input_path, j.status]), [[a, 'pending'], [join(t.media, 'q', 'b.mp4'), 'pending']]);
    assert.equal((await get(t.url, '/api/queue')).body.paused, true);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(sse.types().filter((x) => x === 'started').length, 1, 'nothing starts while paused');

    await post(t.url, '/api/queue/resume');
    const second = await sse.waitFor((e) => e.type === 'started' && e !== started, 'restart');
    assert.equal(second.job.id, started.job.id, 'the requeued job runs first');
    assert.equal((await finished(started.job.id)).type, 'complete');
  });

  it('two workers run two jobs at once; shrinking to one requeues the newer', async () => {
    await start();
    assert.deepEqual((await post(t.url, '/api/queue/workers', { workers: 2 })).body, { workers: 2 });
    const dir = join(t.media, 'two');
    await clips.copyTo(await clips.slow(), join(dir, 'a.mkv'));
    await clips.copyTo(await clips.slow(), join(dir, 'b.mkv'));
    await post(t.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' });
    await waitFor(async () => (await get(t.url, '/api/stats')).body.running === 2, 'two running');
    await waitFor(() => ffmpegProcessesFor(t.temp).length === 2, 'two ffmpeg processes at once');
    const [first, second] = await jobs();
    const res = await post(t.url, '/api/queue/workers', { workers: 1 });
    assert.deepEqual(res.body, { workers: 1 });
    const requeued = await sse.waitFor((e) => e.type === 'requeued', 'requeued');
    assert.equal(requeued.job.id, second.id);
    const list = await jobs();
    assert.deepEqual(list.map((j) => [j.id, j.status]), [[second.id, 'pending'], [first.id, 'running']]);
    await waitFor(() => ffmpegProcessesFor(t.temp).length === 1, 'one ffmpeg');
  });

  it('retry of a failed job: a new job in the same place, the old one removed', async () => {
    await start();
    await post(t.url, '/api/queue/pause');
    const dir = join(t.media, 'r');
    const bad = await clips.copyTo(await clips.garbage(), join(dir, 'a.mkv'));
    await clips.copyTo(await clips.h264(), join(dir, 'b.mp4'));
    await post(t.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' });
    await sse.waitFor((e) => e.type === 'jobs_added', 'jobs_added');
    const [failed, other] = await jobs();
    assert.equal(failed.status, 'failed');
    await rm(bad);
    await clips.copyTo(await clips.h264(), bad);
    const res = await post(t.url, `/api/jobs/${failed.id}/retry`);
    assert.equal(res.status, 200);
    assert.notEqual(res.body.id, failed.id);
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.input_path, bad);
    const removed = await sse.waitFor((e) => e.type === 'removed', 'removed');
    assert.equal(removed.job.id, failed.id);
    assert.ok(sse.events.find((e) => e.type === 'added' && e.job.id === res.body.id));
    assert.deepEqual((await jobs()).map((j) => j.id), [res.body.id, other.id]);
    await post(t.url, '/api/queue/resume');
    assert.equal((await finished(res.body.id)).type, 'complete');
  });

  it('a source replaced during the transcode (a download manager upgrade) is never overwritten', async () => {
    await start();
    const file = await clips.copyTo(await clips.slow(8), join(t.media, 'upgrade.mkv'));
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const started = await sse.waitFor((e) => e.type === 'started', 'started');
    await sse.waitFor((e) => e.type === 'progress' && e.job.progress > 0, 'progress');
    // The upgrade lands as a new file renamed over the old one, as Sonarr and Radarr do.
    const upgrade = await clips.copyTo(await clips.h264(), join(t.root, 'upgrade.mkv'));
    const { rename } = await import('node:fs/promises');
    await rename(upgrade, file);
    const upgraded = await readFile(file);
    const done = await finished(started.job.id);
    assert.equal(done.type, 'failed');
    assert.match(done.job.error, /the source file changed while it was being transcoded; nothing was replaced/);
    assert.ok(upgraded.equals(await readFile(file)), 'the upgraded file is untouched');
    assert.deepEqual(await readdir(t.media), ['upgrade.mkv']);
    assert.deepEqual(await readdir(t.temp), []);
  });

  it('a very long file name (240 bytes of UTF-8) still works: temp and staging names are shortened', async () => {
    await start();
    const name = `${'é'.repeat(118)}.mp4`;
    const file = await clips.copyTo(await clips.h264(), join(t.media, name));
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    const id = (await sse.waitFor((e) => e.type === 'added', 'added')).job.id;
    const done = await finished(id);
    assert.equal(done.type, 'complete', done.job.error);
    assert.deepEqual(await readdir(t.media), [`${'é'.repeat(118)}.mkv`]);
  });
});
