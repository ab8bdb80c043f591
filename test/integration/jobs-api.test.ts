import assert from 'node:assert/strict';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { api, del, get, post, waitFor } from '../helpers/http.js';
import { SseRecorder } from '../helpers/sse.js';

const clips = new ClipFactory();

describe('Jobs API (real HTTP, real ffprobe, real SQLite)', function () {
  this.timeout(60_000);
  let t: TestApp;
  let sse: SseRecorder;

  beforeEach(async () => {
    t = await startTestApp();
    // Paused so that jobs stay pending while the API is examined.
    assert.equal((await post(t.url, '/api/queue/pause')).status, 200);
    sse = new SseRecorder(`${t.url}/api/jobs/stream`);
    await sse.waitFor((e) => e.type === 'init', 'init');
  });
  afterEach(async () => {
    await sse.close();
    await t.dispose();
  });
  after(() => clips.dispose());

  const jobsNow = async () => (await get(t.url, '/api/jobs')).body.jobs as any[];
  const addAndWait = async (paths: string[], preset = 'compress-hevc') => {
    const before = sse.events.length;
    const res = await post(t.url, '/api/jobs', { paths, preset_id: preset });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitFor(() => sse.events.slice(before).find((e) => ['jobs_added', 'added', 'skipped'].includes(e.type)) || sse.events.slice(before).find((e) => e.type === 'discovery_progress' && e.total === 0), 'jobs added');
    return jobsNow();
  };

  describe('POST /api/jobs validation (D3): 400, a readable error, nothing queued', () => {
    const cases: Array<[string, () => { raw?: string; body?: unknown }, RegExp]> = [
      ['invalid JSON', () => ({ raw: '{"paths": [' }), /invalid JSON/],
      ['a JSON array', () => ({ body: ['x'] }), /JSON object/],
      ['no body', () => ({ raw: '' }), /JSON object/],
      ['paths missing', () => ({ body: { preset_id: 'compress-hevc' } }), /paths must be a non-empty array/],
      ['paths empty', () => ({ body: { paths: [], preset_id: 'compress-hevc' } }), /paths must be a non-empty array/],
      ['paths not an array', () => ({ body: { paths: '/media/x.mkv', preset_id: 'compress-hevc' } }), /paths must be a non-empty array/],
      ['a number in paths', () => ({ body: { paths: [5], preset_id: 'compress-hevc' } }), /every path must be a non-empty string/],
      ['an empty path', () => ({ body: { paths: [''], preset_id: 'compress-hevc' } }), /every path must be a non-empty string/],
      ['preset_id missing', () => ({ body: { paths: ['/x'] } }), /preset_id must be a non-empty string/],
      ['preset_id a number', () => ({ body: { paths: ['/x'], preset_id: 3 } }), /preset_id must be a non-empty string/],
      ['unknown preset', () => ({ body: { paths: ['/x'], preset_id: 'h266' } }), /unknown preset: h266/],
      ['SmartShrink without VMAF scoring', () => ({ body: { paths: ['/x'], preset_id: 'smartshrink-hevc', smartshrink_quality: 'good' } }), /smartshrink-hevc is not available: VMAF scoring does not work here: .*no libvmaf filter/],
      ['bad smartshrink_quality', () => ({ body: { paths: ['/x'], preset_id: 'compress-hevc', smartshrink_quality: 'great' } }), /smartshrink_quality must be/],
      ['a path outside the media folder', () => ({ body: { paths: ['/etc/passwd'], preset_id: 'compress-hevc' } }), /\/etc\/passwd \(path is outside the media folders\)/],
      ['a missing path', () => ({ body: { paths: [join(t.media, 'nope.mkv')], preset_id: 'compress-hevc' } }), /nope\.mkv \(path does not exist\)/],
      ['a relative path', () => ({ body: { paths: ['movies/a.mkv'], preset_id: 'compress-hevc' } }), /path must be absolute/],
      ['.. out of the root', () => ({ body: { paths: [`${t.media}/../data`], preset_id: 'compress-hevc' } }), /outside the media folders/],
      ['a symlink out of the root', () => ({ body: { paths: [join(t.media, 'escape')], preset_id: 'compress-hevc' } }), /escape \(path is outside the media folders\)/],
      ['a file that is not a video', () => ({ body: { paths: [join(t.media, 'notes.txt')], preset_id: 'compress-hevc' } }), /notes\.txt \(not a video file\)/],
    ];
    for (const [name, make, expected] of cases) {
      it(`rejects ${name}`, async () => {
        await symlink(t.root, join(t.media, 'escape')).catch(() => undefined);
        await writeFile(join(t.media, 'notes.txt'), 'hello');
        const { raw, body } = make();
        const res = await api(t.url, 'POST', '/api/jobs', body, raw);
        assert.equal(res.status, 400);
        assert.match(res.body.error, expected);
        assert.deepEqual(Object.keys(res.body), ['error']);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(await jobsNow(), []);
        assert.deepEqual(sse.types(), ['init']);
      });
    }

    it('names every bad path and queues none of the good ones', async () => {
      const good = await clips.copyTo(await clips.h264(), join(t.media, 'good.mp4'));
      const res = await post(t.url, '/api/jobs', { paths: [good, '/etc', join(t.media, 'gone.mkv')], preset_id: 'compress-hevc' });
      assert.equal(res.status, 400);
      assert.match(res.body.error, /\/etc \(path is outside/);
      assert.match(res.body.error, /gone\.mkv \(path does not exist\)/);
      assert.doesNotMatch(res.body.error, /good\.mp4/);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await jobsNow(), []);
    });

    it('accepts a symlink whose target is inside the root, and queues the real file', async () => {
      const real = await clips.copyTo(await clips.h264(), join(t.media, 'real', 'a.mp4'));
      await symlink(real, join(t.media, 'link.mp4'));
      const jobs = await addAndWait([join(t.media, 'link.mp4')]);
      assert.deepEqual(jobs.map((j) => j.input_path), [real]);
    });
  });

  describe('discovery', () => {
    it('answers 202 at once and adds a folder tree in name order, skipping hidden, temp, backup and non-video files', async () => {
      const h264 = await clips.h264();
      const tree = join(t.media, 'Shows');
      for (const rel of ['b/ep2.mkv', 'b/ep1.mp4', 'a.MKV', 'c/d/e/deep.m4v', '.hidden/x.mkv', 'b/.secret.mkv', 'b/ep1.0123456789abcdef.shrinkray.tmp.mkv', 'b/old.mkv.old']) {
        await clips.copyTo(h264, join(tree, rel));
      }
      await writeFile(join(tree, 'b', 'readme.txt'), 'not a video');
      const res = await post(t.url, '/api/jobs', { paths: [tree], preset_id: 'compress-hevc' });
      assert.equal(res.status, 202);
      assert.deepEqual(res.body, { status: 'processing', message: 'Processing 1 paths in background...' });
      const added = await sse.waitFor((e) => e.type === 'jobs_added', 'jobs_added');
      assert.equal(added.count, 4);
      assert.deepEqual(Object.keys(added).sort(), ['count', 'type']);
      const jobs = await jobsNow();
      assert.deepEqual(jobs.map((j) => j.input_path.slice(tree.length + 1)), ['a.MKV', 'b/ep1.mp4', 'b/ep2.mkv', 'c/d/e/deep.m4v']);
      const progress = sse.events.filter((e) => e.type === 'discovery_progress');
      assert.deepEqual(progress[0], { type: 'discovery_progress', probed: 0, total: 4 });
      assert.deepEqual(progress.at(-1), { type: 'discovery_progress', probed: 4, total: 4 });
      for (const p of progress) assert.deepEqual(Object.keys(p).sort(), ['probed', 'total', 'type']);
      // discovery_progress comes before jobs_added
      assert.ok(sse.types().lastIndexOf('discovery_progress') < sse.types().indexOf('jobs_added'));
    });

    it('fills every probed field of the job model', async () => {
      const file = await clips.copyTo(await clips.h264(), join(t.media, 'probe.mp4'));
      const [job] = await addAndWait([file]);
      assert.equal(job.status, 'pending');
      assert.match(job.id, /^\d+-\d+$/);
      assert.equal(job.preset_id, 'compress-hevc');
      assert.equal(job.encoder, 'none');
      assert.equal(job.is_hardware, false);
      assert.equal(job.video_codec, 'h264');
      assert.equal(job.width, 320);
      assert.equal(job.height, 240);
      assert.equal(job.frame_rate, 15);
      assert.equal(job.bit_depth, 8);
      assert.equal(job.is_hdr, false);
      assert.ok(job.duration_ms >= 1900 && job.duration_ms <= 2100, String(job.duration_ms));
      assert.ok(job.bitrate > 100_000);
      assert.ok(job.input_size > 10_000);
      assert.equal(typeof job.profile, 'string');
      assert.equal(job.progress, 0);
      assert.equal(job.speed, 0);
      assert.equal(job.eta, '');
      assert.match(job.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal(job.started_at, null);
      assert.equal(job.completed_at, null);
    });

    it('a single file emits `added`; an HEVC source is `skipped` with the reason; a corrupt file is a failed job that says why', async () => {
      const one = await clips.copyTo(await clips.h264(), join(t.media, 'one.mp4'));
      await addAndWait([one]);
      const added = sse.events.find((e) => e.type === 'added');
      assert.equal(added.job.input_path, one);
      assert.equal(added.job.status, 'pending');

      const hevc = await clips.copyTo(await clips.hevc(), join(t.media, 'hevc.mkv'));
      await addAndWait([hevc]);
      const skipped = sse.events.find((e) => e.type === 'skipped');
      assert.equal(skipped.job.status, 'skipped');
      assert.equal(skipped.job.skip_reason, 'File is already encoded in HEVC');

      const bad = await clips.copyTo(await clips.garbage(), join(t.media, 'bad.mkv'));
      await addAndWait([bad]);
      const failed = (await jobsNow()).find((j) => j.input_path === bad);
      assert.equal(failed.status, 'failed');
      assert.match(failed.error, /^cannot read the video: ffprobe failed: .+/);
      // announced like any failure, so notifications and Home Assistant's job_failed see it
      const event = await sse.waitFor((e) => e.type === 'failed', 'failed event');
      assert.equal(event.job.id, failed.id);
    });

    it('a folder without videos still reports discovery_progress 0/0 and adds nothing', async () => {
      await mkdir(join(t.media, 'empty'));
      await post(t.url, '/api/jobs', { paths: [join(t.media, 'empty')], preset_id: 'compress-hevc' });
      const p = await sse.waitFor((e) => e.type === 'discovery_progress', 'progress');
      assert.deepEqual(p, { type: 'discovery_progress', probed: 0, total: 0 });
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(sse.types().includes('jobs_added'), false);
    });

    it('never queues the same file twice (D4): overlapping paths count once, a pending file is not added again', async () => {
      const dir = join(t.media, 'dup');
      const a = await clips.copyTo(await clips.h264(), join(dir, 'a.mp4'));
      await clips.copyTo(await clips.h264(), join(dir, 'b.mp4'));
      const jobs = await addAndWait([dir, a, dir]);
      assert.equal(jobs.length, 2);
      const before = sse.events.length;
      await post(t.url, '/api/jobs', { paths: [a], preset_id: 'compress-av1' });
      await waitFor(() => sse.events.slice(before).find((e) => e.type === 'discovery_progress' && e.total === 0), 'empty discovery');
      assert.equal((await jobsNow()).length, 2);
    });
  });

  describe('single-job endpoints', () => {
    it('GET /api/jobs/{id}: the job, or 404', async () => {
      const file = await clips.copyTo(await clips.h264(), join(t.media, 'x.mp4'));
      const [job] = await addAndWait([file]);
      const res = await get(t.url, `/api/jobs/${job.id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, job);
      const missing = await get(t.url, '/api/jobs/123-1');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { error: 'job not found' });
    });

    it('DELETE: cancels a pending job, 409 once terminal, 404 when unknown', async () => {
      const file = await clips.copyTo(await clips.h264(), join(t.media, 'x.mp4'));
      const [job] = await addAndWait([file]);
      const res = await del(t.url, `/api/jobs/${job.id}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'cancelled' });
      const event = await sse.waitFor((e) => e.type === 'cancelled', 'cancelled');
      assert.equal(event.job.status, 'cancelled');
      assert.match(event.job.completed_at, /Z$/);
      const again = await del(t.url, `/api/jobs/${job.id}`);
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, { error: 'job already in terminal state: cancelled' });
      assert.equal((await del(t.url, '/api/jobs/1-1')).status, 404);
    });

    it('POST /api/jobs/{id}/remove removes one finished job with a `removed` event; refuses active ones', async () => {
      const file = await clips.copyTo(await clips.h264(), join(t.media, 'x.mp4'));
      const [job] = await addAndWait([file]);
      const refused = await post(t.url, `/api/jobs/${job.id}/remove`);
      assert.equal(refused.status, 409);
      await del(t.url, `/api/jobs/${job.id}`);
      const res = await post(t.url, `/api/jobs/${job.id}/remove`);
      assert.deepEqual([res.status, res.body], [200, { removed: true }]);
      const removed = await sse.waitFor((e) => e.type === 'removed', 'removed');
      assert.equal(removed.job.id, job.id);
      assert.deepEqual(await jobsNow(), []);
      assert.equal((await post(t.url, `/api/jobs/${job.id}/remove`)).status, 404);
    });

    it('retry: 404 unknown, 400 when not failed, 400 when the file is gone', async () => {
      assert.equal((await post(t.url, '/api/jobs/1-1/retry')).status, 404);
      const file = await clips.copyTo(await clips.h264(), join(t.media, 'x.mp4'));
      const [job] = await addAndWait([file]);
      const notFailed = await post(t.url, `/api/jobs/${job.id}/retry`);
      assert.deepEqual([notFailed.status, notFailed.body], [400, { error: 'can only retry failed jobs' }]);
      const bad = await clips.copyTo(await clips.garbage(), join(t.media, 'bad.mkv'));
      await addAndWait([bad]);
      const failed = (await jobsNow()).find((j) => j.status === 'failed');
      const { rm } = await import('node:fs/promises');
      await rm(bad);
      const gone = await post(t.url, `/api/jobs/${failed.id}/retry`);
      assert.equal(gone.status, 400);
      assert.match(gone.body.error, /file no longer exists/);
      assert.equal((await jobsNow()).length, 2, 'nothing changed');
    });
  });

  describe('clear', () => {
    it('clears by status or everything not running, with a `removed` event per job; rejects unknown statuses', async () => {
      const dir = join(t.media, 'c');
      for (const n of ['a', 'b', 'c']) await clips.copyTo(await clips.h264(), join(dir, `${n}.mp4`));
      await clips.copyTo(await clips.hevc(), join(dir, 'd.mkv'));
      const jobs = await addAndWait([dir]);
      await del(t.url, `/api/jobs/${jobs[0].id}`);
      const bogus = await post(t.url, '/api/jobs/clear?status=done');
      assert.equal(bogus.status, 400);
      assert.match(bogus.body.error, /status must be one of: pending, complete, failed, cancelled, skipped/);
      assert.equal((await post(t.url, '/api/jobs/clear?status=running')).status, 400);

      const skipped = await post(t.url, '/api/jobs/clear?status=skipped');
      assert.deepEqual(skipped.body, { cleared: 1, message: 'Cleared 1 jobs' });
      assert.deepEqual((await jobsNow()).map((j) => j.status), ['cancelled', 'pending', 'pending']);
      const all = await post(t.url, '/api/jobs/clear');
      assert.deepEqual(all.body, { cleared: 3, message: 'Cleared 3 jobs' });
      await waitFor(() => sse.events.filter((e) => e.type === 'removed').length === 4, '4 removed events');
      assert.deepEqual(await jobsNow(), []);
    });
  });

  describe('queue, stats, health and errors', () => {
    it('pause/resume answers and the pause state is readable (D8)', async () => {
      assert.deepEqual((await get(t.url, '/api/queue')).body, { paused: true, workers: 1, running: [] });
      assert.deepEqual((await post(t.url, '/api/queue/pause')).body, { paused: true, requeued: 0 });
      assert.deepEqual((await post(t.url, '/api/queue/resume')).body, { paused: false });
      assert.equal((await get(t.url, '/api/queue')).body.paused, false);
    });

    it('workers: 1–6, 400 otherwise', async () => {
      for (const bad of [0, 7, 2.5, '2', null]) {
        const res = await post(t.url, '/api/queue/workers', { workers: bad });
        assert.equal(res.status, 400, String(bad));
        assert.equal(res.body.error, 'workers must be an integer between 1 and 6');
      }
      assert.deepEqual((await post(t.url, '/api/queue/workers', { workers: 3 })).body, { workers: 3 });
      assert.equal((await get(t.url, '/api/queue')).body.workers, 3);
    });

    it('stats have the contract fields in order; reset-session answers', async () => {
      const stats = (await get(t.url, '/api/stats')).body;
      assert.deepEqual(Object.keys(stats), ['pending', 'running', 'complete', 'failed', 'cancelled', 'skipped', 'total', 'total_saved', 'session_saved', 'lifetime_saved']);
      assert.deepEqual((await post(t.url, '/api/stats/reset-session')).body, { status: 'session reset' });
      assert.deepEqual((await get(t.url, '/api/jobs')).body, { jobs: [], stats });
    });

    it('refuses state changes from another web origin (a page cannot drive the queue through the browser)', async () => {
      const evil = await fetch(`${t.url}/api/jobs/clear`, { method: 'POST', headers: { origin: 'http://evil.example' } });
      assert.equal(evil.status, 403);
      assert.deepEqual(await evil.json(), { error: 'cross-site request refused' });
      const sandboxed = await fetch(`${t.url}/api/queue/resume`, { method: 'POST', headers: { origin: 'null' } });
      assert.equal(sandboxed.status, 403);
      assert.equal((await get(t.url, '/api/queue')).body.paused, true, 'nothing changed');
      const own = await fetch(`${t.url}/api/jobs/clear`, { method: 'POST', headers: { origin: t.url } });
      assert.equal(own.status, 200);
      const reading = await fetch(`${t.url}/api/jobs`, { headers: { origin: 'http://evil.example' } });
      assert.equal(reading.headers.get('access-control-allow-origin'), null, 'no CORS: other sites cannot read');
    });

    it('GET / is HTML with relative links only (it works under the ingress path prefix)', async () => {
      // The panel when it is built (dist/web), else the small status page: both must work under ingress.
      const res = await fetch(`${t.url}/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      const html = await res.text();
      assert.match(html, /<title>Shrinkray/);
      assert.doesNotMatch(html, /(href|src)="\//, 'no root-absolute links');
      if (html.includes('<h1>Shrinkray ')) assert.match(html, /href="api\/jobs"/);
    });

    it('health answers; unknown routes are JSON 404; wrong methods are JSON 405', async () => {
      const health = await get(t.url, '/api/health');
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      const unknown = await get(t.url, '/api/nope');
      assert.deepEqual([unknown.status, unknown.body], [404, { error: 'not found' }]);
      const wrong = await api(t.url, 'PUT', '/api/jobs');
      assert.equal(wrong.status, 405);
      assert.match(wrong.body.error, /not allowed/);
      assert.match(wrong.headers.get('content-type') ?? '', /application\/json/);
    });

    it('nothing is ever written outside the media, data and temp folders', async () => {
      assert.deepEqual((await readdir(t.root)).sort(), ['data', 'media', 'temp']);
    });
  });
});

describe('a worker count fixed by a flag or the environment', () => {
  it('stays fixed: the same value is fine, another one is a 400', async () => {
    const t = await startTestApp({ overrides: { workers: 2 } });
    try {
      assert.deepEqual((await post(t.url, '/api/queue/workers', { workers: 2 })).body, { workers: 2 });
      const res = await post(t.url, '/api/queue/workers', { workers: 3 });
      assert.equal(res.status, 400);
      assert.match(res.body.error, /workers is set by a command-line flag/);
      assert.equal((await get(t.url, '/api/queue')).body.workers, 2);
    } finally {
      await t.dispose();
    }
  });
});
