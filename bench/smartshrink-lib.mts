/** Shared by the SmartShrink benchmarks: generated content of different kinds, and a scorer. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCommand } from '../src/ffmpeg/command.js';
import { parseVmafFrames, parseVmafScore, type VmafScorer, vmafArgs, vmafFilter } from '../src/ffmpeg/vmaf.js';
import { detectVmaf } from '../src/ffmpeg/vmaf-detect.js';

const run = promisify(execFile);

/**
 * Kinds of picture that stress VMAF differently: fine detail with grain, a zoom (every pixel moves),
 * a camera pan, a still picture with static grain, and blocky fast-changing cells.
 */
export const CONTENT: Record<string, (size: string, seconds: number) => string> = {
  detail: (s, d) => `testsrc2=s=${s}:r=24:d=${d},noise=alls=20:allf=t`,
  zoom: (s, d) => `mandelbrot=s=${s}:r=24:maxiter=200,trim=duration=${d}`,
  pan: (s, d) => {
    const [w = 640, h = 360] = s.split('x').map(Number);
    return `testsrc2=s=${2 * w}x${2 * h}:r=24:d=${d},crop=${w}:${h}:x='${w / 2}+${w / 2 - 20}*sin(t*1.3)':y='${h / 2}+${h / 2 - 10}*cos(t*0.9)',noise=alls=6:allf=t`;
  },
  still: (s, d) => `smptehdbars=s=${s}:r=24:d=${d},noise=alls=12`,
  cells: (s, d) => {
    const [w = 640, h = 360] = s.split('x').map(Number);
    return `life=s=${w / 2}x${h / 2}:r=24:mold=10:ratio=0.12:death_color=#202080:life_color=#e0e040,scale=${w}:${h}:flags=neighbor,trim=duration=${d}`;
  },
};

/** A high-quality H.264 source of one kind (what a user's library file would be before shrinking). */
export async function makeSource(kind: string, size: string, seconds: number, out: string): Promise<string> {
  const lavfi = CONTENT[kind];
  if (!lavfi) throw new Error(`unknown content ${kind}`);
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', lavfi(size, seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-pix_fmt', 'yuv420p', out], { maxBuffer: 16 << 20 });
  return out;
}

/** The scorer: SHRINKRAY_VMAF_FFMPEG / SHRINKRAY_VMAF_MODEL, else the npm static ffmpeg with the fixture model. */
export async function benchScorer(): Promise<VmafScorer> {
  const staticFfmpeg = join(import.meta.dirname, '..', 'node_modules', '@ffmpeg-installer', 'linux-x64', 'ffmpeg');
  const model = join(import.meta.dirname, '..', 'test', 'fixtures', 'vmaf', 'vmaf_v0.6.1.pkl');
  const d = await detectVmaf({
    ffmpeg: 'ffmpeg',
    vmafFfmpeg: process.env.SHRINKRAY_VMAF_FFMPEG ?? (existsSync(staticFfmpeg) ? staticFfmpeg : ''),
    vmafModel: process.env.SHRINKRAY_VMAF_MODEL ?? (existsSync(model) ? model : ''),
    run: runCommand,
  });
  if (!d.scorer) throw new Error(`no VMAF scoring: ${d.detail}`);
  return d.scorer;
}

/** Full (every frame) VMAF of `distorted` against `reference`, with the per-frame scores. */
export async function fullVmaf(scorer: VmafScorer, distorted: string, reference: string, height: number, threads = 2): Promise<{ mean: number; frames: number[] }> {
  const logPath = `${distorted}.vmaf.json`;
  const filter = vmafFilter({ height, threads, subsample: 1, modelOption: scorer.modelOption, logPath });
  const result = await runCommand(scorer.ffmpeg, vmafArgs({ distorted, reference, filter, threads }), { timeoutMs: 3_600_000 });
  const mean = parseVmafScore(`${result.stdout}\n${result.stderr}`);
  if (mean === undefined) throw new Error(`scoring failed: ${result.stderr.slice(-500)}`);
  const frames = parseVmafFrames(await readFile(logPath, 'utf8'));
  await rm(logPath, { force: true });
  return { mean, frames };
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
