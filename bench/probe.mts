/**
 * Discovery + probe of many small files (issue 8), against a sequential ffprobe loop over the same files.
 *
 * - baseline: one `ffprobe` per file, one after another, with the arguments of src/ffmpeg/probe.ts,
 *   output parsed. Run in two halves, one before and one after the cold discovery, so a change of
 *   machine load during the part weighs on both sides alike.
 * - discovery cold: POST /api/jobs on the library folder → the `jobs_added` SSE event (every job in
 *   the queue: checked with GET /api/jobs). The queue is paused so no encode competes.
 * - discovery again: the jobs cleared, the same POST again: warm from the ProbeMemo that the cold
 *   discovery filled (JobService → ProbeMemo.get: an unchanged inode, size and mtime is not probed again).
 * - browse cold / warm: GET /api/browse of every folder holding files, twice: the second pass is warm
 *   from the browse ProbeCache (also inode + size + mtime), a cache of its own (the memo is not read).
 *
 * - control: the same ffprobe, 4 at once (discovery's concurrency) against one at a time, without the
 *   service: how much parallel probing this machine allows at the moment (see `headroom`).
 *
 * "Cold" means cold caches of the service, not a cold disk: the files were just written (page cache).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mapLimit } from '../src/media/discover.js';
import { SseRecorder } from '../test/helpers/sse.js';
import { envNumber, makeApp, ms, pct, secs, type Table } from './common.mjs';

const run = promisify(execFile);
const PART = 'probe';
/** Files per leaf folder and leaf folders per show: Show NN/Season N/Episode NNNN.mkv. */
const PER_FOLDER = 20;
const SEASONS = 5;

const PROBE_ARGS = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
/** JobService's default probe concurrency during discovery (src/jobs/service.ts). */
const DISCOVERY_CONCURRENCY = 4;
const HEADROOM_BLOCK = 20;

async function sequentialProbe(files: readonly string[]): Promise<{ total: number; each: number[] }> {
  const each: number[] = [];
  const t0 = performance.now();
  for (const file of files) {
    const t = performance.now();
    const { stdout } = await run('ffprobe', [...PROBE_ARGS, file], { maxBuffer: 16 * 1024 * 1024 });
    JSON.parse(stdout);
    await stat(file);
    each.push(performance.now() - t);
  }
  return { total: performance.now() - t0, each };
}

/**
 * What this machine gives to parallel probes at all: the same ffprobe command, DISCOVERY_CONCURRENCY
 * at once against one after another, with no service involved, alternating in blocks so that a
 * change of load weighs on both alike. On an idle machine with spare cores this is well under 1; on
 * a saturated or CPU-capped one it is near 1, and no service can do better than it.
 */
async function headroom(files: readonly string[]): Promise<{ seq: number; par: number }> {
  let seq = 0;
  let par = 0;
  for (let at = 0; at < files.length; at += HEADROOM_BLOCK) {
    const block = files.slice(at, at + HEADROOM_BLOCK);
    seq += (await sequentialProbe(block)).total;
    const t0 = performance.now();
    await mapLimit(block, DISCOVERY_CONCURRENCY, async (file) => {
      const { stdout } = await run('ffprobe', [...PROBE_ARGS, file], { maxBuffer: 16 * 1024 * 1024 });
      JSON.parse(stdout);
      await stat(file);
    });
    par += performance.now() - t0;
  }
  return { seq, par };
}

export async function probeBench(table: Table): Promise<void> {
  const count = Math.max(2, Math.round(envNumber('BENCH_FILES', 1000, 100)));
  console.log(`${PART}: discovery + probe of ${count} files against a sequential ffprobe loop`);
  const root = await mkdtemp(join(tmpdir(), 'bench-probe-'));
  let app: Awaited<ReturnType<typeof makeApp>>['app'] | undefined;
  let sse: SseRecorder | undefined;
  try {
    const clip = join(root, 'clip.mkv');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x64:rate=25:duration=0.2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip]);
    const media = join(root, 'media');
    const library = join(media, 'library');
    const files: string[] = [];
    const folders: string[] = [];
    for (let i = 0; i < count; i++) {
      const leaf = Math.floor(i / PER_FOLDER);
      const dir = join(library, `Show ${String(Math.floor(leaf / SEASONS)).padStart(2, '0')}`, `Season ${(leaf % SEASONS) + 1}`);
      if (i % PER_FOLDER === 0) {
        await mkdir(dir, { recursive: true });
        folders.push(dir);
      }
      const file = join(dir, `Episode ${String(i).padStart(4, '0')}.mkv`);
      await copyFile(clip, file);
      files.push(file);
    }
    ({ app } = await makeApp(root));
    const url = app.url();
    await app.encoders.ready();
    const paused = await fetch(`${url}/api/queue/pause`, { method: 'POST' });
    if (!paused.ok) throw new Error(`pause answered ${paused.status}`);
    sse = new SseRecorder(`${url}/api/jobs/stream`);
    await sse.waitFor((e) => e.type === 'init', 'init');
    const recorder = sse;

    const discover = async (): Promise<number> => {
      const from = recorder.events.length;
      const t0 = performance.now();
      const res = await fetch(`${url}/api/jobs`, { method: 'POST', body: JSON.stringify({ paths: [library], preset_id: 'compress-hevc' }) });
      if (res.status !== 202) throw new Error(`POST /api/jobs answered ${res.status}: ${await res.text()}`);
      const added = await recorder.waitFor((e) => e.type === 'jobs_added' && recorder.events.indexOf(e) >= from, 'jobs_added', 3_600_000);
      const took = performance.now() - t0;
      const jobs = (await (await fetch(`${url}/api/jobs`)).json()) as { jobs: Array<{ status: string }> };
      const pending = jobs.jobs.filter((j) => j.status === 'pending').length;
      if (added.count !== count || pending !== count) throw new Error(`expected ${count} pending jobs, got jobs_added ${added.count}, ${pending} pending`);
      return took;
    };

    const half = Math.floor(count / 2);
    const first = await sequentialProbe(files.slice(0, half));
    const cold = await discover();
    const second = await sequentialProbe(files.slice(half));
    const baseline = first.total + second.total;
    const each = [...first.each, ...second.each];

    const cleared = await fetch(`${url}/api/jobs/clear`, { method: 'POST' });
    if (!cleared.ok) throw new Error(`clear answered ${cleared.status}`);
    const again = await discover();

    // A listing waits up to 15 s for its probes and leaves the rest to finish in the background; the
    // folder is asked again until every file shows its video info (as the panel's next visit would).
    const browseAll = async (): Promise<{ took: number; requests: number }> => {
      const t0 = performance.now();
      let requests = 0;
      for (const dir of folders) {
        for (let complete = false; !complete; ) {
          if (requests > folders.length * 20) throw new Error(`browse still shows no video info for some files after ${requests} requests`);
          requests += 1;
          const res = await fetch(`${url}/api/browse?path=${encodeURIComponent(dir)}`);
          if (!res.ok) throw new Error(`GET /api/browse answered ${res.status}`);
          const body = (await res.json()) as { entries: Array<{ is_dir: boolean; video_info?: unknown }> };
          const files = body.entries.filter((e) => !e.is_dir);
          complete = files.every((e) => e.video_info);
        }
      }
      return { took: performance.now() - t0, requests };
    };
    const browseCold = await browseAll();
    const browseWarm = await browseAll();
    const room = await headroom(files.slice(0, Math.min(files.length, Math.round(envNumber('BENCH_HEADROOM_FILES', 100, 40)))));

    const note = `${count} files, ${folders.length} folders`;
    table.add({ part: PART, figure: 'sequential ffprobe loop (baseline)', value: secs(baseline), note: `${ms(pct(each, 50))} per file p50, ${note}` });
    table.add({
      part: PART,
      figure: `control: ${DISCOVERY_CONCURRENCY} ffprobes at once, no service`,
      value: `${secs(room.par)} vs ${secs(room.seq)} one at a time`,
      ratio: room.par / room.seq,
      note: 'the best ratio this machine allows parallel probing right now',
    });
    table.goal(PART, 'discovery cold: POST /api/jobs → jobs_added', secs(cold), cold / baseline, 0.6, 'ratio ≤ 0.6', { ratio: cold / baseline });
    table.goal(PART, 'discovery again (jobs cleared, same POST)', secs(again), again / baseline, 0.05, 'ratio ≤ 0.05 (warm)', {
      ratio: again / baseline,
      note: 'warm from the ProbeMemo the first discovery filled',
    });
    table.add({
      part: PART,
      figure: 'browse cold: GET /api/browse of every folder',
      value: secs(browseCold.took),
      ratio: browseCold.took / baseline,
      note: `${browseCold.requests} requests one after another, until every file showed its video info`,
    });
    table.goal(PART, 'browse warm: the same again (browse ProbeCache)', ms(browseWarm.took), browseWarm.took / baseline, 0.05, 'ratio ≤ 0.05 (warm)', {
      ratio: browseWarm.took / baseline,
      note: `${browseWarm.requests} requests`,
    });
  } finally {
    await sse?.close();
    await app?.stop();
    await rm(root, { recursive: true, force: true });
  }
}
