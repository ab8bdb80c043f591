/**
 * Real VMAF for the SmartShrink tests: the static ffmpeg 4.1 (libvmaf 1.x) from the
 * `@ffmpeg-installer/linux-x64` dev dependency, with the model files in test/fixtures/vmaf. Debian's
 * ffmpeg has no libvmaf, so the main ffmpeg encodes and this one scores (`vmaf_ffmpeg`).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseVmafScore } from '../../../src/ffmpeg/vmaf.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');

export const VMAF_FFMPEG = join(ROOT, 'node_modules', '@ffmpeg-installer', 'linux-x64', 'ffmpeg');
export const VMAF_MODEL = join(ROOT, 'test', 'fixtures', 'vmaf', 'vmaf_v0.6.1.pkl');
export const VMAF_SETTINGS = { vmaf_ffmpeg: VMAF_FFMPEG, vmaf_model: VMAF_MODEL };

/** The npm package exists for linux-x64 only; anywhere else these tests cannot run (and say so). */
export function requireVmaf(ctx: Mocha.Context): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') ctx.skip();
  if (!existsSync(VMAF_FFMPEG)) throw new Error(`${VMAF_FFMPEG} is missing: run npm install (dev dependency @ffmpeg-installer/linux-x64)`);
}

/**
 * Independent check: every frame of `distorted` against the same frame of `reference`, no
 * subsampling. Written here rather than taken from the product's filter builder, so a mistake there
 * cannot hide itself; frames are paired by index (both files hold the same frames).
 */
export async function fullVmaf(distorted: string, reference: string): Promise<number> {
  const leg = 'settb=1/25,setpts=N,format=yuv420p';
  const filter = `[0:v]${leg}[d];[1:v]${leg}[r];[d][r]libvmaf=model_path=${VMAF_MODEL}:n_threads=2`;
  const { stdout, stderr } = await run(VMAF_FFMPEG, ['-hide_banner', '-nostdin', '-i', distorted, '-i', reference, '-filter_complex', filter, '-f', 'null', '-'], { maxBuffer: 64 << 20 });
  const score = parseVmafScore(`${stdout}\n${stderr}`);
  if (score === undefined) throw new Error(`no VMAF score: ${stderr.slice(-400)}`);
  return score;
}

/**
 * Small clips with something for VMAF to see: fine detail with grain, and motion (a zoom with
 * grain). H.264 at high quality, like a library file before shrinking. Made once per process.
 */
export class SmartClips {
  private dir: Promise<string> | undefined;
  private readonly made = new Map<string, Promise<string>>();

  clip(kind: 'detail' | 'motion', seconds = 6, size = '320x180'): Promise<string> {
    const name = `${kind}-${seconds}-${size}.mkv`;
    let p = this.made.get(name);
    if (!p) {
      p = (async () => {
        this.dir ??= mkdtemp(join(tmpdir(), 'shrinkray-smartclips-'));
        const out = join(await this.dir, name);
        const lavfi =
          kind === 'detail'
            ? `testsrc2=s=${size}:r=24:d=${seconds},noise=alls=16:allf=t`
            : `mandelbrot=s=${size}:r=24:maxiter=150,trim=duration=${seconds},noise=alls=6:allf=t`;
        await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', lavfi, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
          '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '48k', '-shortest', out], { maxBuffer: 16 << 20 });
        return out;
      })();
      this.made.set(name, p);
    }
    return p;
  }

  async dispose(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}
