/**
 * Client churn (issue 8, "Prove it"): 200 SSE clients (FAULTS_SCALE scales the count) connect to
 * GET /api/jobs/stream and leave in six different ways (closing before the answer, after init,
 * half-closing, never reading, half a request line, fetch aborts) while real jobs run and the queue
 * is paused, resumed and cleared; 10 stable clients stay connected throughout.
 *
 * - The stable clients each receive exactly the events the queue emitted for SSE, in order
 *   (compared with a recorder subscribed to the queue itself), and that stream tells the whole
 *   story: every job added → started → (requeued by the pause → started) → complete → removed.
 *   The SSE contract (jobs-api.md) has no paused/resumed event: a pause shows as `requeued` for
 *   the running job and a resume as its next `started`.
 * - The queue holds as many subscribers after the churn as before it (counted at run time on the
 *   app's queue; nothing added to src), and this process as many sockets.
 * - The V8 heap after full collections returns to within HEAP_MARGIN of its baseline.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSE_EVENT_TYPES } from '../../src/jobs/types.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ClipFactory } from '../helpers/clips.js';
import { gcFunction, openSockets, settledHeapBytes, subscriberCount } from '../helpers/faults-heap.js';
import { h264Clip, realFfmpeg, routingFfmpeg } from '../helpers/faults-media.js';
import { Prng } from '../helpers/faults-prng.js';
import { CHURN_STYLES, type ChurnResult, churnClient } from '../helpers/faults-sse.js';
import { get, post, waitFor } from '../helpers/http.js';
import { SseRecorder } from '../helpers/sse.js';
import { FaultReport, scaled } from './report.js';

const STABLE = 10;
const HEAP_MARGIN = 10 * 1024 * 1024;
const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('faults: SSE client churn', function () {
  this.timeout(150_000);
  const report = new FaultReport('client-churn');
  const rng = Prng.fromEnv();
  const churnCount = scaled(200);
  const clips = new ClipFactory();
  let root: string;
  let t: TestApp | undefined;
  const stable: SseRecorder[] = [];

  after(async () => {
    report.print();
    await Promise.all(stable.map((s) => s.close()));
    await t?.dispose().catch(() => undefined);
    if (root) await rm(root, { recursive: true, force: true });
    await clips.dispose();
  });

  it(`${STABLE} stable clients get every state change while ${churnCount} clients come and go; subscribers, sockets and heap return to baseline`, async () => {
    report.note(`seed ${rng.seed} (FAULTS_SEED replays the churn schedule), ${churnCount} churn clients, ${STABLE} stable`);
    root = await realpath(await mkdtemp(join(tmpdir(), 'shrinkray-faults-churn-')));
    const media = join(root, 'media');
    const tools = join(root, 'tools');
    await mkdir(join(media, 'paced'), { recursive: true });
    await mkdir(tools, { recursive: true });
    // Three clips whose encodes read their input in real time (2 s each), so the run lasts long
    // enough to churn through, plus one more for the clear.
    const source = await h264Clip(join(tools, 'clip.mp4'), 2, '160x120', 10);
    const files = await Promise.all(['a', 'b', 'c', 'd'].map((n) => clips.copyTo(source, join(media, 'paced', `${n}.mp4`))));
    const ffmpegPath = await routingFfmpeg(tools, { real: await realFfmpeg(), slow: { match: 'paced', rate: 1 } });
    t = await startTestApp({ root, overrides: { ffmpeg_path: ffmpegPath, workers: 1 } });
    const url = t.url;
    const queue = t.app.queue;
    const stream = `${url}/api/jobs/stream`;

    // Warm up (first requests compile code and fill lazy caches), then take the baselines.
    await Promise.all(Array.from({ length: 20 }, (_, i) => churnClient(url, '/api/jobs/stream', CHURN_STYLES[i % CHURN_STYLES.length] ?? 'fetch-abort', 100)));
    await sleep(300);
    for (let i = 0; i < STABLE; i++) stable.push(new SseRecorder(stream));
    await Promise.all(stable.map((s) => s.waitFor((e) => e.type === 'init', 'init')));
    const gcAvailable = gcFunction() !== undefined;
    const subsBefore = subscriberCount(queue);
    const socketsBefore = openSockets();
    const heapBefore = await settledHeapBytes();
    report.note(`baseline: heap ${MB(heapBefore)} (gc ${gcAvailable ? 'forced' : 'NOT available'}), queue subscribers ${subsBefore ? `${subsBefore.count} [${subsBefore.where.join(', ')}]` : 'not observable'}, open sockets ${socketsBefore}`);

    // The truth: what the queue emitted for SSE, recorded from the queue itself.
    const truth: string[] = [];
    const stopTruth = queue.subscribe((event) => {
      if (SSE_EVENT_TYPES.has(event.type)) truth.push(JSON.stringify(event));
    });
    const stableStart = stable.map((s) => s.events.length);

    // The churn: clients start at random moments over ~16 s (about the run's length), live
    // 20..1500 ms, at most 20 at a time. The queue's subscriber count is sampled meanwhile: its
    // peak shows that the count does see SSE clients come and go.
    const results: ChurnResult[] = [];
    let churnDone = false;
    let peakSubs = subsBefore?.count ?? 0;
    const sampler = setInterval(() => {
      peakSubs = Math.max(peakSubs, subscriberCount(queue)?.count ?? 0);
    }, 25);
    // A failed assertion below skips the clearInterval: it must not keep mocha running.
    sampler.unref();
    const churn = (async () => {
      const windowMs = 16_000;
      const starts = Array.from({ length: churnCount }, () => rng.int(0, windowMs)).sort((a, b) => a - b);
      const began = Date.now();
      const live = new Set<Promise<void>>();
      for (const at of starts) {
        const wait = at - (Date.now() - began);
        if (wait > 0) await sleep(wait);
        while (live.size >= 20) await Promise.race(live);
        const style = rng.pick(CHURN_STYLES);
        const p = churnClient(url, '/api/jobs/stream', style, rng.int(20, 1500)).then((r) => {
          results.push(r);
        });
        live.add(p);
        void p.finally(() => live.delete(p));
      }
      await Promise.all(live);
      churnDone = true;
    })();

    // The run, meanwhile: three jobs added one by one, a pause while one runs and a resume, the
    // rest of the run, then a fourth job added while paused and cleared, then a clear of the rest.
    const jobs = async () => (await get(url, '/api/jobs')).body.jobs as any[];
    const flow = (async () => {
      for (const file of files.slice(0, 3)) {
        assert.equal((await post(url, '/api/jobs', { paths: [file], preset_id: 'compress-hevc' })).status, 202);
        await waitFor(async () => (await jobs()).some((j) => j.input_path === file), `job for ${file}`);
      }
      // Pause while a job is well inside its run; if it still finishes first (a loaded machine),
      // nothing was requeued: resume and try on the next job.
      let requeued = 0;
      for (let attempt = 0; attempt < 3 && requeued === 0; attempt++) {
        await waitFor(async () => (await jobs()).find((j) => j.status === 'running' && j.progress > 0 && j.progress < 60), 'a job running with progress', 30_000);
        const paused = await post(url, '/api/queue/pause');
        assert.equal(paused.status, 200);
        requeued = paused.body.requeued;
        await sleep(400);
        assert.equal((await post(url, '/api/queue/resume')).status, 200);
      }
      assert.equal(requeued, 1, 'a pause requeued the running job');
      await waitFor(async () => (await jobs()).filter((j) => j.status === 'complete').length === 3 && true, 'three jobs complete', 60_000);
      assert.equal((await post(url, '/api/queue/pause')).status, 200);
      assert.equal((await post(url, '/api/jobs', { paths: [files[3]], preset_id: 'compress-hevc' })).status, 202);
      await waitFor(async () => (await jobs()).some((j) => j.input_path === files[3] && j.status === 'pending'), 'the fourth job pending');
      assert.equal((await post(url, '/api/jobs/clear?status=pending')).body.cleared, 1);
      assert.equal((await post(url, '/api/queue/resume')).status, 200);
      assert.equal((await post(url, '/api/jobs/clear')).body.cleared, 3);
    })();
    await flow;
    const flowEndedDuringChurn = !churnDone;
    await churn;
    clearInterval(sampler);
    await sleep(500);
    stopTruth();

    // Every stable client saw exactly what the queue emitted, in order.
    for (const [i, s] of stable.entries()) {
      await waitFor(() => s.events.length - (stableStart[i] ?? 0) >= truth.length, `stable client ${i} to catch up`, 10_000).catch(() => undefined);
      const got = s.events.slice(stableStart[i]).map((e) => JSON.stringify(e));
      const same = got.length === truth.length && got.every((g, k) => g === truth[k]);
      report.count('stable clients', same ? 'every event, in order' : 'MISSED/REORDERED (FAIL)');
      assert.deepEqual(got, truth, `stable client ${i}`);
    }
    // And the stream tells the whole story (a guard against an empty or partial truth).
    const story = truth.map((line) => JSON.parse(line)).filter((e) => e.type !== 'progress' && e.type !== 'discovery_progress');
    const byFile = (path: string) => story.filter((e) => e.job?.input_path === path).map((e) => e.type);
    const pausedJob = story.find((e) => e.type === 'requeued')?.job?.input_path as string | undefined;
    for (const file of files.slice(0, 3)) {
      const expected = file === pausedJob ? ['added', 'started', 'requeued', 'started', 'complete', 'removed'] : ['added', 'started', 'complete', 'removed'];
      assert.deepEqual(byFile(file), expected, `events for ${file}`);
    }
    assert.ok(pausedJob, 'the pause requeued a running job');
    assert.deepEqual(byFile(files[3] as string), ['added', 'removed'], 'the job added while paused and cleared');
    report.count('state changes', `${story.length} delivered to ${STABLE} stable clients`);
    report.count('state changes', `${truth.length - story.length} progress events delivered too`);

    // The churn happened, during the run, in every style.
    for (const r of results) report.count(`churn: ${r.style}`, r.error ? `FAIL: ${r.error}` : r.gotEvents ? 'left after events' : r.gotInit ? 'left after init' : 'left before init');
    const overlapping = results.filter((r) => r.gotEvents).length;
    report.note(`${results.length} churn clients, ${overlapping} saw job events before leaving; the run ${flowEndedDuringChurn ? 'ended while churn still went on' : 'outlasted the churn'}`);
    assert.equal(results.length, churnCount);
    assert.deepEqual(
      results.filter((r) => r.error).map((r) => `${r.style}: ${r.error}`),
      [],
    );
    assert.ok(overlapping >= Math.min(10, churnCount / 10), `only ${overlapping} churn clients overlapped with job events`);

    // Nothing is left behind: subscribers and sockets as before, heap back within the margin.
    let subsAfter = subscriberCount(queue);
    if (subsBefore) {
      subsAfter = await waitFor(() => {
        const now = subscriberCount(queue);
        return now && now.count === subsBefore.count && now;
      }, 'queue subscribers back to baseline', 5_000).catch(() => subscriberCount(queue));
      report.count('end state', subsAfter?.count === subsBefore.count ? `queue subscribers back to ${subsBefore.count} (peak ${peakSubs})` : `SUBSCRIBERS LEFT: ${subsAfter?.count} (FAIL)`);
      assert.ok(peakSubs > subsBefore.count, `the subscriber count never rose above ${subsBefore.count} during the churn: it does not see SSE clients`);
      assert.equal(subsAfter?.count, subsBefore.count, `queue subscribers: before [${subsBefore.where.join(', ')}], after [${subsAfter?.where.join(', ')}]`);
    } else {
      report.count('end state', 'queue subscribers not observable (assert skipped)');
    }
    const socketsAfter = await waitFor(() => openSockets() <= socketsBefore && openSockets(), 'sockets back to baseline', 10_000).catch(() => openSockets());
    report.count('end state', socketsAfter <= socketsBefore ? `open sockets back to ${socketsAfter} (baseline ${socketsBefore})` : `SOCKETS LEFT: ${socketsAfter} vs ${socketsBefore} (FAIL)`);
    assert.ok(socketsAfter <= socketsBefore, `open sockets: ${socketsAfter} after, ${socketsBefore} before`);
    const heapAfter = await settledHeapBytes();
    const grew = heapAfter - heapBefore;
    report.note(`heap: ${MB(heapBefore)} before, ${MB(heapAfter)} after (${grew >= 0 ? '+' : ''}${MB(grew)}; margin +${MB(HEAP_MARGIN)})`);
    report.count('end state', grew <= HEAP_MARGIN ? 'heap back within margin' : 'HEAP GREW (FAIL)');
    assert.ok(gcAvailable, 'gc could not be forced: the heap figure would mean nothing');
    assert.ok(grew <= HEAP_MARGIN, `heap grew by ${MB(grew)} (margin ${MB(HEAP_MARGIN)})`);

    // The app still serves.
    assert.equal((await get(url, '/api/health')).status, 200);
  });
});
