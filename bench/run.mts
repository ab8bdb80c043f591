/**
 * `npm run bench`: one table of comparable numbers and ratios against the goals of issues 2 and 8,
 * every ratio measured in the same run, written to bench/RESULTS.md with the machine it ran on.
 *   overhead: POST /api/jobs → `complete`, ÷ the same ffmpeg command run directly (goal ≤ 1.05)
 *   probe:    discovery + probe of 1,000 files ÷ a sequential ffprobe loop (cold ≤ 0.6, warm ≤ 0.05)
 *   sse:      delivery latency to 100 SSE clients (p99 < 100 ms)
 *   mqtt:     MQTT messages per job (real Mosquitto, real jobs)
 *   scale:    10,000 and 100,000 queued jobs — stats and get-one p99 (< 10 ms), the full list,
 *             memory (RSS < 500 MB), startup with the jobs persisted (< 3 s)
 *   smartshrink: analysis ÷ full encode (≤ 0.15) and the final file's full VMAF (≥ tier − 1) on a
 *             2- and a 10-minute clip (bench/smartshrink.mts, which also runs alone)
 *   remote:   remote workers over a real Mosquitto (bench/remote.mts): dispatch overhead per job with a
 *             near-instant encode (remote vs local worker), added wall time on a real encode, and
 *             throughput with 1 vs 2 remote workers (no gain possible on 2 cores)
 *
 * Environment:
 *   BENCH_ONLY=probe,sse   run only these parts      BENCH_SKIP=overhead   leave these out
 *   BENCH_QUICK=1          small counts everywhere (a minute or two)
 *   BENCH_OVERHEAD_ROUNDS (3) BENCH_OVERHEAD_SECONDS (40) BENCH_FILES (1000) BENCH_SSE_CLIENTS (100)
 *   BENCH_SSE_JOBS (25: two events each) BENCH_MQTT_JOBS (5) BENCH_MQTT_INTERVAL (5 s)
 *   BENCH_SCALE (10000,100000) BENCH_SCALE_SAMPLES (500)
 *   BENCH_REMOTE_JOBS (40) BENCH_REMOTE_SECONDS (8) BENCH_REMOTE_ROUNDS (3) BENCH_REMOTE_BATCH (4)
 *   BENCH_RESULTS=path     where the table goes; default bench/RESULTS.md for a full run (all parts,
 *                          not quick) and nowhere otherwise; `append` adds this run to bench/RESULTS.md.
 */
import { execFile } from 'node:child_process';
import { appendFile, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SseRecorder } from '../test/helpers/sse.js';
import { describeMachine, envNumber, machine, makeApp, pct, QUICK, secs, Table } from './common.mjs';
import { mqttBench } from './mqtt.mjs';
import { probeBench } from './probe.mjs';
import { remoteBench } from './remote.mjs';
import { scaleBench } from './scale.mjs';
import { smartshrinkBench } from './smartshrink.mjs';
import { sseBench } from './sse.mjs';

const run = promisify(execFile);

async function overhead(table: Table): Promise<void> {
  const rounds = Math.max(1, Math.round(envNumber('BENCH_OVERHEAD_ROUNDS', 3, 1)));
  const seconds = envNumber('BENCH_OVERHEAD_SECONDS', 40, 10);
  console.log(`overhead: software HEVC of a ${seconds} s 640x360 clip, median of ${rounds}`);
  const root = await mkdtemp(join(tmpdir(), 'bench-overhead-'));
  try {
    const clip = join(root, 'source.mkv');
    await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '12', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip]);
    // Direct: the exact command the service runs (default software HEVC arguments).
    const direct: number[] = [];
    const service: number[] = [];
    for (let round = 0; round < rounds; round++) {
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
      const end = await sse.waitFor((e) => ['complete', 'failed', 'skipped'].includes(e.type), 'end', 600_000);
      service.push(performance.now() - t1);
      if (end.type !== 'complete') throw new Error(`job ended ${end.type}: ${end.job.error}`);
      await sse.close();
      await app.stop();
    }
    const d = pct(direct, 50);
    const s = pct(service, 50);
    const list = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    table.add({ part: 'overhead', figure: 'ffmpeg direct', value: secs(d), note: `[${list(direct)}]` });
    table.add({ part: 'overhead', figure: 'POST → complete event', value: secs(s), note: `[${list(service)}]` });
    table.add({ part: 'overhead', figure: 'fixed cost per job', value: secs(s - d), note: 'probe at discovery, path checks, output verification, finalize' });
    table.goal('overhead', 'ratio service ÷ direct', (s / d).toFixed(3), s / d, 1.05, 'ratio ≤ 1.05', { ratio: s / d });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const PARTS: Record<string, (table: Table) => Promise<void>> = { overhead, probe: probeBench, sse: sseBench, mqtt: mqttBench, scale: scaleBench, smartshrink: smartshrinkBench, remote: remoteBench };
const listOf = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);
const only = listOf(process.env.BENCH_ONLY);
const skip = listOf(process.env.BENCH_SKIP);
for (const name of [...only, ...skip]) if (!(name in PARTS)) throw new Error(`unknown part ${name}; parts: ${Object.keys(PARTS).join(', ')}`);
const chosen = Object.keys(PARTS).filter((p) => (only.length === 0 || only.includes(p)) && !skip.includes(p));
const full = chosen.length === Object.keys(PARTS).length && !QUICK;

const commit = await run('git', ['rev-parse', '--short', 'HEAD']).then((r) => r.stdout.trim(), () => 'unknown');
const dirty = await run('git', ['status', '--porcelain', '--', 'src']).then((r) => r.stdout.trim() !== '', () => false);
// Counts changed from their defaults belong with the figures.
const settings = Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_') && k !== 'BENCH_RESULTS')
  .map(([k, v]) => `${k}=${v}`)
  .join(' ');
const host = await machine();
console.log(`machine: ${describeMachine(host)}`);
const table = new Table();
const timings: string[] = [];
let failures = 0;
for (const name of chosen) {
  const load = loadavg()[0]?.toFixed(2);
  const t0 = performance.now();
  try {
    await (PARTS[name] as (table: Table) => Promise<void>)(table);
  } catch (error) {
    failures += 1;
    console.error(`${name} failed:`, error);
    table.add({ part: name, figure: 'FAILED', value: String((error as Error).message).split('\n')[0] ?? 'error', met: false });
  }
  timings.push(`${name}: load ${load} at its start, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const endLoad = loadavg().map((x) => x.toFixed(2)).join(' / ');
const missed = table.rows.filter((r) => r.met === false).length;
const goals = table.rows.filter((r) => r.met !== undefined).length;

const report = [
  `Run ${host.date} on commit ${commit}${dirty ? ' (src/ with uncommitted changes)' : ''}, parts: ${chosen.join(', ')}${settings ? `; settings: ${settings}` : ''}.`,
  '',
  `Machine: ${describeMachine(host)}; at the end ${endLoad}.`,
  '',
  table.markdown(),
  '',
  `Goals met: ${goals - missed} of ${goals}. Ratio: measured ÷ baseline where the goal is a ratio, else measured ÷ goal.`,
  '',
  `Per part: ${timings.join('; ')}.`,
  '',
].join('\n');
console.log(`\n${report}`);

const target = process.env.BENCH_RESULTS ?? (full ? 'bench/RESULTS.md' : '');
if (target === 'append') {
  await appendFile('bench/RESULTS.md', `\n## Partial run\n\n${report}`);
} else if (target) {
  const intro = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.mts); see that file for what each part measures and the',
    'environment variables that scale or skip parts. Figures depend on the machine and on what else it',
    'was running: the load average is part of the result.',
    '',
    '## Full run',
    '',
    '',
  ].join('\n');
  await writeFile(target, intro + report);
  console.log(`written to ${target}`);
}
if (failures > 0) process.exitCode = 1;
