/**
 * `npm run bench`: prints comparable numbers and ratios against the goals of issue 2.
 *   overhead: POST /api/jobs → `complete`, divided by the same ffmpeg command run directly (goal ≤ 1.05)
 *   scale:    10,000 queued jobs — GET /api/stats and /api/jobs/{id} p99 (< 10 ms), GET /api/jobs
 *             (< 300 ms), memory, startup with 10,000 persisted jobs (< 3 s)
 * Set BENCH_ONLY=overhead|scale to run one part.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApp } from '../src/app.js';
import { SettingsStore } from '../src/config/index.js';
import { newJob } from '../src/jobs/job.js';
import { createLogger } from '../src/log.js';
import { SseRecorder } from '../test/helpers/sse.js';

const run = promisify(execFile);
const only = process.env.BENCH_ONLY;

async function makeApp(root: string, extra: Record<string, unknown> = {}) {
  const media = join(root, 'media');
  await mkdir(media, { recursive: true });
  const settings = SettingsStore.fromValues({}, { media_paths: [media], temp_path: join(root, 'temp'), port: 0, host: '127.0.0.1', ...extra }, join(root, 'data'), root);
  return { app: await startApp({ settings, log: createLogger('silent') }), media };
}

const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function overhead(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-overhead-'));
  try {
    const clip = join(root, 'source.mkv');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=40', '-f', 'lavfi', '-i', 'sine=duration=40',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '12', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
    // Direct: the exact command the service runs (default software HEVC arguments).
    const direct: number[] = [];
    const service: number[] = [];
    for (let round = 0; round < 3; round++) {
      const out = join(root, `direct-${round}.mkv`);
      const t0 = performance.now();
      await run('ffmpeg', ['-i', clip, '-y', '-progress', 'pipe:1', '-nostats', '-c:v', 'libx265', '-crf', '22', '-preset', 'medium',
        '-map', '0:v:0', '-map', '0:a?', '-c:a', 'copy', '-map', '0:s?', '-c:s', 'copy', out], { maxBuffer: 64 * 1024 * 1024 });
      direct.push(performance.now() - t0);
      await rm(out);

      const appRoot = join(root, `app-${round}`);
      const { app, media } = await makeApp(appRoot);
      const input = join(media, 'movie.mkv');
      await copyFile(clip, input);
      // Startup detection (one-frame test encodes) is a one-time cost, not per-job overhead.
      await app.encoders.ready();
      const sse = new SseRecorder(`${app.url()}/api/jobs/stream`);
      await sse.waitFor((e) => e.type === 'init', 'init');
      const t1 = performance.now();
      const res = await fetch(`${app.url()}/api/jobs`, { method: 'POST', body: JSON.stringify({ paths: [input], preset_id: 'compress-hevc' }) });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
      const end = await sse.waitFor((e) => ['complete', 'failed', 'skipped'].includes(e.type), 'end', 300_000);
      service.push(performance.now() - t1);
      if (end.type !== 'complete') throw new Error(`job ended ${end.type}: ${end.job.error}`);
      await sse.close();
      await app.stop();
    }
    const d = pct(direct, 50);
    const s = pct(service, 50);
    console.log('overhead (software HEVC, 40 s 640x360 clip, median of 3)');
    console.log(`  ffmpeg direct            ${(d / 1000).toFixed(2)} s   [${direct.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
    console.log(`  POST → complete event    ${(s / 1000).toFixed(2)} s   [${service.map((x) => (x / 1000).toFixed(2)).join(', ')}]`);
    console.log(`  fixed cost per job       ${((s - d) / 1000).toFixed(2)} s   (probe at discovery, path checks, output verification, finalize)`);
    console.log(`  ratio                    ${(s / d).toFixed(3)}   (goal ≤ 1.05)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function scale(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-scale-'));
  const N = 10_000;
  try {
    let { app, media } = await makeApp(root);
    await app.service.pause();
    const probe = { size: 4_000_000_000, duration_ms: 7_200_000, bitrate: 5_000_000, format: 'matroska', audio: [], subtitles: [], attachments: [], coverArt: [],
      video: { index: 0, codec: 'h264', width: 1920, height: 1080, frame_rate: 23.976, profile: 'High', pix_fmt: 'yuv420p', bit_depth: 8, is_hdr: false, color_transfer: 'bt709', color_primaries: 'bt709', color_space: 'bt709' } };
    const jobs = Array.from({ length: N }, (_, i) =>
      newJob({ id: `1700000000000-${i + 1}`, path: join(media, `Show ${Math.floor(i / 20)}`, `Episode ${i}.mkv`), presetId: 'compress-hevc', encoder: 'none', probe, now: new Date() }));
    const t0 = performance.now();
    app.queue.add(jobs);
    const addMs = performance.now() - t0;
    const heapBefore = process.memoryUsage();
    // Let the write-behind store commit the batch first: these are steady-state read latencies.
    const t2 = performance.now();
    await app.flush();
    const flushMs = performance.now() - t2;

    const timed = async (path: string, times: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < times; i++) {
        const t = performance.now();
        const res = await fetch(app.url() + path.replace('{i}', String((i * 37) % N + 1)));
        await res.arrayBuffer();
        out.push(performance.now() - t);
      }
      return out;
    };
    await timed('/api/stats', 20); // warm up
    const stats = await timed('/api/stats', 500);
    if (process.env.BENCH_DEBUG) console.log(stats.map((x, i) => [i, x.toFixed(1)]).filter(([, x]) => Number(x) > 4).join(' '));
    const one = await timed('/api/jobs/1700000000000-{i}', 500);
    const list = await timed('/api/jobs', 10);
    const mem = process.memoryUsage();
    await app.stop();

    const t1 = performance.now();
    ({ app } = await makeApp(root));
    const startup = performance.now() - t1;
    const loaded = app.queue.stats().total;
    await app.stop();

    console.log(`scale (${N} jobs in the queue)`);
    console.log(`  add ${N} jobs: in memory ${ms(addMs)}, committed to SQLite ${ms(flushMs)} later`);
    console.log(`  GET /api/stats       p50 ${ms(pct(stats, 50))}  p99 ${ms(pct(stats, 99))}   ratio to goal ${(pct(stats, 99) / 10).toFixed(3)} (goal p99 < 10 ms)`);
    console.log(`  GET /api/jobs/{id}   p50 ${ms(pct(one, 50))}  p99 ${ms(pct(one, 99))}   ratio to goal ${(pct(one, 99) / 10).toFixed(3)} (goal p99 < 10 ms)`);
    console.log(`  GET /api/jobs        p50 ${ms(pct(list, 50))}  max ${ms(Math.max(...list))}   ratio to goal ${(pct(list, 50) / 300).toFixed(3)} (goal < 300 ms)`);
    console.log(`  memory               rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB (after adding: ${(heapBefore.heapUsed / 2 ** 20).toFixed(0)} MiB)`);
    console.log(`  startup with ${loaded} persisted jobs   ${ms(startup)}   ratio to goal ${(startup / 3000).toFixed(3)} (goal < 3 s)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (!only || only === 'overhead') await overhead();
if (!only || only === 'scale') await scale();
