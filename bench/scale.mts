/**
 * A large library queued at once (issues 2 and 8). For each size N (default 10,000 and 100,000):
 *   in this process, as the 10k figures always were: add N jobs through the queue, commit them,
 *   GET /api/stats and /api/jobs/{id} p99 (< 10 ms), GET /api/jobs (< 300 ms at 10k), memory,
 *   startup of the app with N persisted jobs (< 3 s);
 *   then the service as its own process on the same data (as `npm start` runs it): time from spawn
 *   to its first answer (< 3 s), its RSS (< 500 MB), p99 of stats and get-one against it, and what
 *   the full list costs there (time, bytes, memory peak).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newJob } from '../src/jobs/job.js';
import type { ProbeResult } from '../src/media/probe-parse.js';
import { freePort } from '../test/helpers/broker.js';
import { envNumber, makeApp, mb, mib, ms, pct, processMemory, QUICK, spawnService, stopChild, type Table, until } from './common.mjs';

export const fakeProbe = {
  size: 4_000_000_000,
  duration_ms: 7_200_000,
  bitrate: 5_000_000,
  format: 'matroska',
  audio: [],
  subtitles: [],
  attachments: [],
  coverArt: [],
  video: { index: 0, codec: 'h264', width: 1920, height: 1080, frame_rate: 23.976, profile: 'High', pix_fmt: 'yuv420p', bit_depth: 8, is_hdr: false, color_transfer: 'bt709', color_primaries: 'bt709', color_space: 'bt709' },
} as unknown as ProbeResult;

const fmt = (n: number) => n.toLocaleString('en-US');

/** Times `times` sequential GETs of `path` (`{i}` → a job number spread over 1..n). */
async function timed(base: string, path: string, times: number, n: number): Promise<{ ms: number[]; bytes: number }> {
  const out: number[] = [];
  let bytes = 0;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    const res = await fetch(base + path.replace('{i}', String(((i * 37) % n) + 1)));
    const body = await res.arrayBuffer();
    out.push(performance.now() - t);
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}`);
    bytes = body.byteLength;
  }
  return { ms: out, bytes };
}

/** The service as its own process on `root`'s folders: timed from spawn to its first answer. */
async function startService(root: string, media: string): Promise<{ child: ChildProcess; base: string; took: number; how: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['--media', media, '--data', join(root, 'data'), '--temp', join(root, 'temp'), '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'];
  const t0 = performance.now();
  const service = spawnService(args, root);
  const up = async () => fetch(`${base}/api/stats`).then((r) => r.ok, () => false);
  try {
    await until(up, 'the service to answer', 60_000, 10);
  } catch (error) {
    await stopChild(service.child);
    throw new Error(`${(error as Error).message}\n${service.output()}`);
  }
  const took = performance.now() - t0;
  return { child: service.child, base, took, how: service.compiled ? 'node dist/main.js' : 'src/main.ts through tsx (not built)' };
}

export async function scaleBench(table: Table): Promise<void> {
  const sizes = (process.env.BENCH_SCALE ?? (QUICK ? '10000' : '10000,100000')).split(',').filter(Boolean).map(Number);
  // What starting costs without any job: node, the modules, the store, the listeners.
  console.log('scale 0: the service process with an empty queue');
  const root = await mkdtemp(join(tmpdir(), 'bench-empty-'));
  try {
    const media = join(root, 'media');
    await mkdir(media, { recursive: true });
    const empty = await startService(root, media);
    await stopChild(empty.child);
    table.add({ part: 'scale 0', figure: 'service process, empty queue: spawn → first answer', value: ms(empty.took), note: empty.how });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  for (const n of sizes) await scaleOne(table, n);
}

async function scaleOne(table: Table, n: number): Promise<void> {
  const part = `scale ${n >= 1000 ? `${n / 1000}k` : n}`;
  const samples = Math.round(envNumber('BENCH_SCALE_SAMPLES', 500, 200));
  const lists = n > 20_000 ? 3 : 10;
  console.log(`${part}: ${fmt(n)} jobs in the queue`);
  const root = await mkdtemp(join(tmpdir(), 'bench-scale-'));
  let child: ChildProcess | undefined;
  try {
    let { app, media } = await makeApp(root);
    // Encoder detection (test encodes at startup) would compete with the first requests.
    await app.encoders.ready();
    await app.service.pause();
    const jobs = Array.from({ length: n }, (_, i) =>
      newJob({ id: `1700000000000-${i + 1}`, path: join(media, `Show ${Math.floor(i / 20)}`, `Episode ${i}.mkv`), presetId: 'compress-hevc', encoder: 'none', probe: fakeProbe, now: new Date() }),
    );
    const t0 = performance.now();
    app.queue.add(jobs);
    const addMs = performance.now() - t0;
    jobs.length = 0;
    const heapAfterAdd = process.memoryUsage().heapUsed;
    // Let the write-behind store commit the batch first: these are steady-state read latencies.
    const t2 = performance.now();
    await app.flush();
    const flushMs = performance.now() - t2;

    await timed(app.url(), '/api/stats', 20, n); // warm up
    const stats = await timed(app.url(), '/api/stats', samples, n);
    const one = await timed(app.url(), '/api/jobs/1700000000000-{i}', samples, n);
    const list = await timed(app.url(), '/api/jobs', lists, n);
    const mem = process.memoryUsage();
    await app.stop();

    const t1 = performance.now();
    ({ app } = await makeApp(root));
    const startup = performance.now() - t1;
    const loaded = app.queue.stats().total;
    await app.stop();
    if (loaded !== n) throw new Error(`the restarted app loaded ${loaded} of ${n} jobs`);

    table.add({ part, figure: `add ${fmt(n)} jobs (in memory / SQLite commit)`, value: `${ms(addMs)} / ${ms(flushMs)}` });
    table.goal(part, 'GET /api/stats p99 (in process)', `p50 ${ms(pct(stats.ms, 50))}  p99 ${ms(pct(stats.ms, 99))}`, pct(stats.ms, 99), 10, 'p99 < 10 ms', { strict: true });
    table.goal(part, 'GET /api/jobs/{id} p99 (in process)', `p50 ${ms(pct(one.ms, 50))}  p99 ${ms(pct(one.ms, 99))}`, pct(one.ms, 99), 10, 'p99 < 10 ms', { strict: true });
    const listValue = `p50 ${ms(pct(list.ms, 50))}  max ${ms(Math.max(...list.ms))}, ${mib(list.bytes)} (${fmt(list.bytes)} bytes)`;
    if (n <= 10_000) table.goal(part, 'GET /api/jobs, the full list (in process)', listValue, pct(list.ms, 50), 300, 'p50 < 300 ms', { strict: true });
    else table.add({ part, figure: 'GET /api/jobs, the full list (in process)', value: listValue, note: `${lists} calls; no goal at this size` });
    table.add({ part, figure: 'memory of the bench process', value: `rss ${mib(mem.rss)}, heap ${mib(mem.heapUsed)} (after adding: ${mib(heapAfterAdd)})`, note: 'service, client and bench in one process' });
    table.goal(part, `startApp with ${fmt(n)} persisted jobs (in process)`, ms(startup), startup, 3000, '< 3 s', { strict: true });

    // The service on its own, on the same data.
    const service = await startService(root, media);
    child = service.child;
    const { base, took: processStartup } = service;
    const pid = child.pid as number;
    const afterStart = await processMemory(pid);
    // GET /api/encoders answers once startup detection (test encodes) is done: it would compete with the reads.
    const encoders = await fetch(`${base}/api/encoders`);
    await encoders.arrayBuffer();
    await timed(base, '/api/stats', 20, n);
    const pStats = await timed(base, '/api/stats', samples, n);
    const pOne = await timed(base, '/api/jobs/1700000000000-{i}', samples, n);
    const afterReads = await processMemory(pid);
    const pList = await timed(base, '/api/jobs', lists, n);
    const afterList = await processMemory(pid);
    const total = ((await (await fetch(`${base}/api/stats`)).json()) as { total?: number }).total;
    await stopChild(child);
    child = undefined;
    if (total !== undefined && total !== n) throw new Error(`the service process reports ${total} of ${n} jobs`);

    table.goal(part, `service process: spawn → first answer`, ms(processStartup), processStartup, 3000, '< 3 s', { strict: true, note: service.how });
    table.goal(part, 'service process: RSS before the full list', `${mb(afterReads.rss)} (after startup ${mb(afterStart.rss)})`, afterReads.rss / 1e6, 500, 'RSS < 500 MB', {
      strict: true,
    });
    table.goal(part, 'service process: GET /api/stats p99', `p50 ${ms(pct(pStats.ms, 50))}  p99 ${ms(pct(pStats.ms, 99))}`, pct(pStats.ms, 99), 10, 'p99 < 10 ms', { strict: true });
    table.goal(part, 'service process: GET /api/jobs/{id} p99', `p50 ${ms(pct(pOne.ms, 50))}  p99 ${ms(pct(pOne.ms, 99))}`, pct(pOne.ms, 99), 10, 'p99 < 10 ms', { strict: true });
    table.add({
      part,
      figure: 'service process: GET /api/jobs (full list)',
      value: `p50 ${ms(pct(pList.ms, 50))}  max ${ms(Math.max(...pList.ms))}, ${mib(pList.bytes)}; RSS after ${mb(afterList.rss)}, peak ${mb(afterList.peak)}`,
    });
  } finally {
    if (child) await stopChild(child);
    await rm(root, { recursive: true, force: true });
  }
}
