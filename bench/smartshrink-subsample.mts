/**
 * How much does libvmaf's frame subsampling (`n_subsample=k`: score frames 0, k, 2k, …) move the
 * score, on varied content and both software encoders? One full scoring per encode gives every
 * frame's score; the subsampled mean for each k is then the mean of frames i % k == 0, exactly what
 * libvmaf computes (checked against a real `n_subsample` run at the end).
 *
 *   node --import tsx bench/smartshrink-subsample.mts        (about 6 minutes on 2 cores)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '../src/ffmpeg/command.js';
import { encoderSpec } from '../src/ffmpeg/encoders.js';
import { parseVmafScore, vmafArgs, vmafFilter } from '../src/ffmpeg/vmaf.js';
import { benchScorer, CONTENT, fullVmaf, makeSource, mean } from './smartshrink-lib.mjs';

const run = promisify(execFile);
const SIZE = process.env.BENCH_SIZE ?? '640x360';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const KS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
const ENCODES: Array<{ codec: 'hevc' | 'av1'; crf: number }> = [
  { codec: 'hevc', crf: 20 },
  { codec: 'hevc', crf: 26 },
  { codec: 'hevc', crf: 30 },
  { codec: 'av1', crf: 26 },
  { codec: 'av1', crf: 35 },
];

const root = await mkdtemp(join(tmpdir(), 'bench-subsample-'));
try {
  const scorer = await benchScorer();
  const height = Number(SIZE.split('x')[1]);
  const errors = new Map<number, number[]>(KS.map((k) => [k, []]));
  const rows: string[] = [];
  let check: { file: string; source: string; full: number; k7: number } | undefined;
  for (const kind of Object.keys(CONTENT)) {
    const source = await makeSource(kind, SIZE, SECONDS, join(root, `${kind}.mkv`));
    for (const e of ENCODES) {
      const spec = encoderSpec('none', e.codec);
      const out = join(root, `${kind}.${e.codec}.${e.crf}.mkv`);
      await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', source, '-c:v', spec.encoder, spec.qualityFlag, String(e.crf), ...spec.extraArgs, out], { maxBuffer: 16 << 20 });
      const { mean: full, frames } = await fullVmaf(scorer, out, source, height);
      const line = KS.map((k) => {
        const err = mean(frames.filter((_, i) => i % k === 0)) - full;
        errors.get(k)?.push(err);
        return `${err >= 0 ? '+' : ''}${err.toFixed(2)}`;
      });
      rows.push(`${kind.padEnd(7)} ${spec.encoder.padEnd(9)} crf ${String(e.crf).padStart(2)} full ${full.toFixed(2)} | ${line.join(' ')}`);
      console.log(rows.at(-1));
      if (!check && kind === 'detail' && e.codec === 'hevc') check = { file: out, source, full, k7: mean(frames.filter((_, i) => i % 7 === 0)) };
    }
  }
  console.log(`\nerror of n_subsample=k against every frame (${SIZE}, ${SECONDS} s, ${rows.length} encodes)`);
  console.log('  k   max|err|  mean err  mean|err|');
  for (const k of KS) {
    const errs = errors.get(k) ?? [];
    const abs = errs.map(Math.abs);
    console.log(`${String(k).padStart(3)}   ${Math.max(...abs).toFixed(2).padStart(6)}   ${mean(errs).toFixed(2).padStart(6)}   ${mean(abs).toFixed(2).padStart(6)}`);
  }
  if (check) {
    // The model above (frames i % k == 0) must be what libvmaf really does.
    const filter = vmafFilter({ height, threads: 2, subsample: 7, modelOption: scorer.modelOption });
    const t0 = performance.now();
    const r = await runCommand(scorer.ffmpeg, vmafArgs({ distorted: check.file, reference: check.source, filter, threads: 2 }), { timeoutMs: 600_000 });
    const k7ms = performance.now() - t0;
    const t1 = performance.now();
    await fullVmaf(scorer, check.file, check.source, height);
    const fullMs = performance.now() - t1;
    console.log(`\ncheck: libvmaf n_subsample=7 ${parseVmafScore(`${r.stdout}\n${r.stderr}`)?.toFixed(3)} vs modelled ${check.k7.toFixed(3)} (full ${check.full.toFixed(3)}); time k=7 ${(k7ms / 1000).toFixed(2)} s vs full ${(fullMs / 1000).toFixed(2)} s`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
