/**
 * SmartShrink benchmark (issue 9): on a 2-minute and a 10-minute generated clip at a small size,
 *   - analysis time ÷ full encode time (goal ≤ 15 %),
 *   - rounds and the chosen CRF,
 *   - the final file's full-frame VMAF against the source vs the tier (goal ≥ tier − 1; how often
 *     below the tier itself), and the predicted vs real size.
 * The clips cycle through five kinds of content every 20 s, so samples see different pictures.
 * The 10-minute clip runs the `good` tier only.
 *
 *   node --import tsx bench/smartshrink.mts        (also the `smartshrink` part of `npm run bench`)
 *   BENCH_SIZE=320x180 BENCH_CLIPS=120,600 BENCH_TIERS=acceptable,good,excellent (defaults)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildTranscodeCommand } from '../src/ffmpeg/args.js';
import { runCommand } from '../src/ffmpeg/command.js';
import { softwareEncoder } from '../src/ffmpeg/encoders.js';
import { analyze } from '../src/smartshrink/analyze.js';
import { TIERS, type Tier } from '../src/smartshrink/scoring.js';
import type { Table } from './common.mjs';
import { benchScorer, CONTENT, fullVmaf, makeSource } from './smartshrink-lib.mjs';

const run = promisify(execFile);
const SIZE = process.env.BENCH_SIZE ?? '320x180';
const HEIGHT = Number(SIZE.split('x')[1]);
const CLIPS = (process.env.BENCH_CLIPS ?? '120,600').split(',').map(Number);
const TIER_LIST = (process.env.BENCH_TIERS ?? 'acceptable,good,excellent').split(',') as Tier[];
const SEGMENT = 20;

async function makeClip(root: string, seconds: number): Promise<string> {
  const kinds = Object.keys(CONTENT);
  const parts: string[] = [];
  for (const kind of kinds) parts.push(await makeSource(kind, SIZE, SEGMENT, join(root, `part-${kind}.mkv`)));
  const list = join(root, `list-${seconds}.txt`);
  const order = Array.from({ length: Math.ceil(seconds / SEGMENT) }, (_, i) => parts[(i * 3) % parts.length]);
  await writeFile(list, order.map((p) => `file '${p}'`).join('\n'));
  const out = join(root, `clip-${seconds}.mkv`);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-t', String(seconds), '-c', 'copy', out]);
  return out;
}

/** Runs the benchmark; with a table (npm run bench) each result is also a row with its goal. */
export async function smartshrinkBench(table?: Table): Promise<void> {
  const PART = 'smartshrink';
  const scorer = await benchScorer();
  const root = await mkdtemp(join(tmpdir(), 'bench-smartshrink-'));
  const rows: string[] = [];
  let below = 0;
  let belowMinus1 = 0;
  let total = 0;
  try {
    for (const seconds of CLIPS) {
      const input = await makeClip(root, seconds);
      const size = (await stat(input)).size;
      const attempt = { encoder: softwareEncoder('hevc'), softwareDecode: true };
      const args = (i: string, o: string, quality: number) =>
        buildTranscodeCommand({ input: i, output: o, encoder: attempt.encoder, maxHeight: 0, source: { height: HEIGHT }, quality, qualityMod: 0, softwareDecode: true, tonemap: null, outputFormat: 'mkv', streams: { subtitles: [], attachments: [] } }).args;
      for (const tier of seconds > 300 ? TIER_LIST.filter((t) => t === 'good') : TIER_LIST) {
        const t0 = performance.now();
        const result = await analyze({ input, videoMap: '0:v:0', durationMs: seconds * 1000, height: HEIGHT, frameRate: 24, size }, tier, 'hevc', {
          ffmpeg: 'ffmpeg',
          scorer,
          plan: [attempt],
          encodeArgs: (_a, i, o, s) => args(i, o, s.quality),
          run: runCommand,
          signal: new AbortController().signal,
          tempDir: root,
          instance: 'bench',
          cpus: availableParallelism(),
          timeoutMs: 3_600_000,
        });
        const analysisMs = performance.now() - t0;
        if (result.kind !== 'ok') {
          rows.push(`${seconds} s ${tier}: ${result.kind} ${result.reason} after ${result.rounds} rounds`);
          console.log(rows.at(-1));
          table?.add({ part: PART, figure: `${seconds} s ${tier}`, value: `${result.reason} after ${result.rounds} rounds`, met: false });
          continue;
        }
        const out = join(root, `out-${seconds}-${tier}.mkv`);
        const t1 = performance.now();
        const encoded = await runCommand('ffmpeg', args(input, out, result.value), { timeoutMs: 7_200_000 });
        const encodeMs = performance.now() - t1;
        if (!encoded.ok) throw new Error(`full encode failed: ${encoded.stderr.slice(-300)}`);
        const outSize = (await stat(out)).size;
        const { mean: finalVmaf } = await fullVmaf(scorer, out, input, HEIGHT);
        await rm(out);
        total += 1;
        if (finalVmaf < TIERS[tier]) below += 1;
        if (finalVmaf < TIERS[tier] - 1) belowMinus1 += 1;
        rows.push(
          `${String(seconds).padStart(4)} s ${tier.padEnd(10)} analysis ${(analysisMs / 1000).toFixed(1).padStart(6)} s / encode ${(encodeMs / 1000).toFixed(1).padStart(6)} s = ${((100 * analysisMs) / encodeMs).toFixed(1).padStart(5)} %` +
            ` | rounds ${result.rounds} CRF ${result.value} (${result.tried.map((t) => `${t.value}:${t.score.toFixed(1)}`).join(' ')})` +
            ` | samples ${result.score.toFixed(2)} final full VMAF ${finalVmaf.toFixed(2)} vs tier ${TIERS[tier]}` +
            ` | size predicted ${(result.predictedBytes / 1e6).toFixed(2)} MB real ${(outSize / 1e6).toFixed(2)} MB of ${(size / 1e6).toFixed(2)} MB`,
        );
        console.log(rows.at(-1));
        const ratio = analysisMs / encodeMs;
        table?.goal(PART, `${seconds} s ${tier}: analysis ÷ full encode`, `${(analysisMs / 1000).toFixed(1)} s ÷ ${(encodeMs / 1000).toFixed(1)} s`, ratio, 0.15, '≤ 0.15', {
          note: `${result.rounds} rounds, CRF ${result.value}`,
        });
        table?.add({
          part: PART,
          figure: `${seconds} s ${tier}: final file full VMAF`,
          value: finalVmaf.toFixed(2),
          goal: `≥ ${TIERS[tier] - 1} (tier − 1)`,
          ratio: finalVmaf / (TIERS[tier] - 1),
          met: finalVmaf >= TIERS[tier] - 1,
          note: `samples ${result.score.toFixed(2)}, tier ${TIERS[tier]}${finalVmaf < TIERS[tier] ? ' — below the tier itself' : ''}`,
        });
      }
    }
    console.log(`\nSmartShrink benchmark (${SIZE}, libx265 medium, ${availableParallelism()} CPUs)`);
    for (const row of rows) console.log(row);
    console.log(`final file below the tier: ${below} of ${total}; below tier − 1: ${belowMinus1} of ${total}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await smartshrinkBench();
