import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { newJob } from '../../src/jobs/job.js';
import type { Job } from '../../src/jobs/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { del, post, waitFor } from '../helpers/http.js';
import { SseRecorder } from '../helpers/sse.js';

const clips = new ClipFactory();

const JOB_KEYS = ['id', 'input_path', 'preset_id', 'encoder', 'is_hardware', 'status', 'progress', 'speed', 'eta', 'input_size', 'created_at', 'started_at', 'completed_at'];

function assertJobShape(job: any): void {
  for (const key of JOB_KEYS) assert.ok(key in job, `job has ${key}`);
  assert.equal(typeof job.id, 'string');
  assert.ok(job.started_at === null || typeof job.started_at === 'string');
}

describe('SSE /api/jobs/stream (D5–D7)', function () {
  this.timeout(90_000);
  let t: TestApp;
  const recorders: SseRecorder[] = [];
  const open = () => {
    const r = new SseRecorder(`${t.url}/api/jobs/stream`);
    recorders.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(recorders.splice(0).map((r) => r.close()));
    await t.dispose();
  });
  after(() => clips.dispose());

  it('sends headers for a stream, `: ok`, then `init` with jobs and stats, then comment keepalives', async () => {
    t = await startTestApp({ sseKeepaliveMs: 150 });
    const sse = open();
    const init = await sse.waitFor((e) => e.type === 'init', 'init');
    assert.deepEqual(init.jobs, []);
    assert.deepEqual(Object.keys(init.stats), ['pending', 'running', 'complete', 'failed', 'cancelled', 'skipped', 'total', 'total_saved', 'session_saved', 'lifetime_saved']);
    assert.match(sse.headers?.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(sse.headers?.get('content-encoding'), null);
    assert.match(sse.headers?.get('cache-control') ?? '', /no-cache/);
    assert.ok(sse.raw.startsWith(': ok\n\ndata: {"type":"init"'), sse.raw.slice(0, 40));
    await waitFor(() => sse.comments.length >= 3, 'keepalives', 5000);
    // Unnamed messages only: no `event:` lines, so EventSource.onmessage sees everything.
    assert.equal(/^event:/m.test(sse.raw), false);
  });

  it('carries every event type with its payload shape through a real run', async () => {
    t = await startTestApp();
    const sse = open();
    await sse.waitFor((e) => e.type === 'init', 'init');
    // a batch: jobs_added + discovery_progress; then the pending one is requeued/cancelled/removed
    const dir = join(t.media, 'batch');
    await clips.copyTo(await clips.slow(), join(dir, 'a.mkv'));
    await clips.copyTo(await clips.h264(), join(dir, 'b.mp4'));
    await clips.copyTo(await clips.hevc(), join(dir, 'c.mkv'));
    await clips.copyTo(await clips.garbage(), join(dir, 'd.mkv'));
    await post(t.url, '/api/jobs', { paths: [dir], preset_id: 'compress-hevc' });
    const added = await sse.waitFor((e) => e.type === 'jobs_added', 'jobs_added');
    assert.deepEqual(added, { type: 'jobs_added', count: 4 });
    const started = await sse.waitFor((e) => e.type === 'started', 'started');
    assertJobShape(started.job);
    await sse.waitFor((e) => e.type === 'progress', 'progress');
    await post(t.url, '/api/queue/pause');
    const requeued = await sse.waitFor((e) => e.type === 'requeued', 'requeued');
    assert.equal(requeued.job.id, started.job.id);
    const cancelled = await del(t.url, `/api/jobs/${started.job.id}`);
    assert.equal(cancelled.status, 200);
    await sse.waitFor((e) => e.type === 'cancelled', 'cancelled');
    await post(t.url, '/api/jobs/clear?status=cancelled');
    const removed = await sse.waitFor((e) => e.type === 'removed', 'removed');
    assert.equal(removed.job.id, started.job.id);
    await post(t.url, '/api/queue/resume');
    const complete = await sse.waitFor((e) => e.type === 'complete', 'complete');
    assertJobShape(complete.job);
    assert.equal(complete.job.status, 'complete');
    // single adds: `added`, and `skipped` for a file already in the target codec
    const single = await clips.copyTo(await clips.hevc(), join(t.media, 'single.mkv'));
    await post(t.url, '/api/jobs', { paths: [single], preset_id: 'compress-hevc' });
    const skipped = await sse.waitFor((e) => e.type === 'skipped', 'skipped');
    assert.equal(skipped.job.skip_reason, 'File is already encoded in HEVC');
    // a job that fails while running: the file turns to garbage after it was probed
    const { writeFile } = await import('node:fs/promises');
    await post(t.url, '/api/queue/pause');
    const victim = await clips.copyTo(await clips.h264(), join(t.media, 'victim.mp4'));
    await post(t.url, '/api/jobs', { paths: [victim], preset_id: 'compress-hevc' });
    await sse.waitFor((e) => e.type === 'added', 'added');
    await writeFile(victim, Buffer.alloc(2048, 1));
    await post(t.url, '/api/queue/resume');
    const failed = await sse.waitFor((e) => e.type === 'failed' && e.job.input_path === victim, 'failed', 60_000);
    // the garbage file of the batch was announced as failed when it was added
    assert.ok(sse.events.find((e) => e.type === 'failed' && e.job.input_path.endsWith('/batch/d.mkv')));
    assert.match(failed.job.error, /cannot read the input file/);

    const seen = new Set(sse.types());
    for (const type of ['init', 'jobs_added', 'discovery_progress', 'added', 'started', 'progress', 'requeued', 'cancelled', 'removed', 'complete', 'skipped', 'failed']) {
      assert.ok(seen.has(type), `saw ${type}`);
    }
    for (const e of sse.events) {
      if ('job' in e) assertJobShape(e.job);
      assert.ok(!['paused', 'workers', 'stats'].includes(e.type), 'internal events stay internal');
    }
  });

  it('sends at most 2 progress events a second per job (D7), and never drops a state change', async () => {
    t = await startTestApp();
    const sse = open();
    await sse.waitFor((e) => e.type === 'init', 'init');
    const file = await clips.copyTo(await clips.slow(6), join(t.media, 'p.mkv'));
    await post(t.url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' });
    await sse.waitFor((e) => e.type === 'complete', 'complete', 60_000);
    const times: number[] = [];
    const progress = sse.events.filter((e) => e.type === 'progress');
    assert.ok(progress.length >= 2, `progress events: ${progress.length}`);
    const started = Date.parse(sse.events.find((e) => e.type === 'started').job.started_at);
    const completed = Date.parse(sse.events.find((e) => e.type === 'complete').job.completed_at);
    const seconds = Math.max(1, (completed - started) / 1000);
    times.push(progress.length / seconds);
    assert.ok(progress.length <= Math.ceil(seconds * 2) + 1, `${progress.length} progress events in ${seconds} s`);
  });

  it('a client that stops reading is disconnected; the queue and other clients go on (D6)', async () => {
    t = await startTestApp({ sseMaxBufferedBytes: 256 * 1024 });
    const good = open();
    await good.waitFor((e) => e.type === 'init', 'init');
    const url = new URL(t.url);
    const socket = connect(Number(url.port), url.hostname);
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => undefined);
    socket.write('GET /api/jobs/stream HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause(); // never read: the server's buffer fills up
    await new Promise((r) => setTimeout(r, 200));
    const jobs: Job[] = [];
    const probe = { size: 1, duration_ms: 1000, bitrate: 1, format: 'x', audio: [], subtitles: [], attachments: [], coverArt: [] };
    for (let i = 0; i < 3000; i++) {
      jobs.push(newJob({ id: `1-${i}`, path: `${t.media}/${'x'.repeat(200)}${i}.mkv`, presetId: 'compress-hevc', encoder: 'none', probe, now: new Date() }));
    }
    await post(t.url, '/api/queue/pause');
    for (let round = 0; round < 6; round++) {
      t.app.queue.add(jobs.map((j) => ({ ...j, id: `${round}-${j.id}` })));
      t.app.queue.clear();
      await new Promise((r) => setTimeout(r, 400));
    }
    // A paused socket sees no end of stream; reading now drains what the kernel holds, then the
    // end shows whether the server gave up on it. A live SSE stream would never end.
    socket.resume();
    await waitFor(() => closed, 'slow client disconnected', 10_000);
    socket.destroy();
    // the well-behaved client saw every removal and is still connected
    await good.waitFor((e) => e.type === 'removed' && e.job.id === '5-1-2999', 'the last removal');
    await post(t.url, '/api/queue/resume');
    assert.equal((await fetch(`${t.url}/api/health`)).status, 200);
  });
});
