/**
 * Bad media for the fault suites, made from real ffmpeg output (test/helpers/clips.ts) and small
 * binary patches, plus a wrapper that slows chosen transcodes down to real time so that a job is
 * reliably still `running` when a test touches its file.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ffmpeg } from './clips.js';

/** The first `fraction` of a file's bytes. */
export async function truncateCopy(src: string, dest: string, fraction: number): Promise<string> {
  const data = await readFile(src);
  await writeFile(dest, data.subarray(0, Math.floor(data.length * fraction)));
  return dest;
}

/** An H.264 AVI whose FourCC is rewritten to `QQQQ`: ffprobe sees a 320x240 video stream of an unknown codec, no decoder exists for it. */
export async function unknownCodecAvi(dir: string, dest: string): Promise<string> {
  const avi = join(dir, 'unknown-codec-src.avi');
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', avi]);
  const data = await readFile(avi);
  let patched = 0;
  // The FourCC sits in the stream header (strh) and the format chunk (strf), both near the start.
  for (let i = 0; i < Math.min(8192, data.length - 4); i++) {
    const tag = data.subarray(i, i + 4).toString('latin1');
    if (tag === 'H264' || tag === 'h264' || tag.toLowerCase() === 'avc1') {
      data.write('QQQQ', i, 'latin1');
      patched += 1;
    }
  }
  if (patched === 0) throw new Error('no FourCC found to patch in the AVI');
  await writeFile(dest, data);
  return dest;
}

/**
 * An MKV with a raw (uncompressed) video track whose header claims 30000x30000: each frame would be
 * 1.35 GB. Made as 320x256 rawvideo, then PixelWidth (EBML 0xB0) and PixelHeight (0xBA), both
 * two-byte values, are rewritten to 30000 (0x7530).
 */
export async function hugeDimensionsMkv(dir: string, dest: string): Promise<string> {
  const raw = join(dir, 'huge-src.mkv');
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x256:rate=15:duration=1', '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', raw]);
  const data = await readFile(raw);
  const w = data.indexOf(Buffer.from([0xb0, 0x82, 0x01, 0x40]));
  const h = data.indexOf(Buffer.from([0xba, 0x82, 0x01, 0x00]));
  if (w < 0 || h < 0) throw new Error('PixelWidth/PixelHeight not found in the MKV');
  data.writeUInt16BE(30000, w + 2);
  data.writeUInt16BE(30000, h + 2);
  await writeFile(dest, data);
  return dest;
}

/** AAC in MP4, no video at all. */
export async function audioOnly(dest: string): Promise<string> {
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'aac', '-b:a', '64k', dest]);
  return dest;
}

/**
 * H.264 video only, container from `dest`'s extension. In MKV the index and duration sit in the
 * header, so a cut copy still probes with the full duration. Small sizes keep libx265 cheap when
 * several run side by side.
 */
export async function h264Clip(dest: string, seconds: number, size = '320x240', rate = 15): Promise<string> {
  await ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '10', '-pix_fmt', 'yuv420p', dest]);
  return dest;
}

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
const word = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '');

/**
 * An ffmpeg wrapper for tests that need a few transcodes to misbehave and the rest to be real:
 * - a call with an argument containing `fake.match` goes to `fake.path` (the fake ffmpeg, whose
 *   rules decide: stall, fail…);
 * - a transcode (`-progress` among the arguments) of an input containing `slow.match` reads its
 *   input at `slow.rate` x real time (`-readrate`, ffmpeg >= 5.0), so it stays `running` for as
 *   long as the clip lasts, whatever the machine's speed;
 * - everything else execs `real` at once (no Node start per call, which costs seconds on a loaded
 *   two-core machine). Returns the wrapper's path.
 */
export async function routingFfmpeg(dir: string, o: { real: string; fake?: { path: string; match: string }; slow?: { match: string; rate: number } }): Promise<string> {
  const path = join(dir, 'ffmpeg-routing');
  const lines = ['#!/bin/bash', '# Test ffmpeg router (test/helpers/faults-media.ts).', 'fake=0; slow=0; progress=0', 'for a in "$@"; do', '  case "$a" in'];
  if (o.fake) lines.push(`    *${word(o.fake.match)}*) fake=1;;`);
  if (o.slow) lines.push(`    *${word(o.slow.match)}*) slow=1;;`);
  lines.push('    -progress) progress=1;;', '  esac', 'done');
  if (o.fake) lines.push(`if [ $fake = 1 ]; then exec ${quote(o.fake.path)} "$@"; fi`);
  if (o.slow) {
    lines.push(
      'if [ $slow = 1 ] && [ $progress = 1 ]; then',
      '  out=(); added=0',
      `  for a in "$@"; do if [ $added = 0 ] && [ "$a" = -i ]; then out+=(-readrate ${o.slow.rate}); added=1; fi; out+=("$a"); done`,
      `  exec ${quote(o.real)} "\${out[@]}"`,
      'fi',
    );
  }
  lines.push(`exec ${quote(o.real)} "$@"`, '');
  await writeFile(path, lines.join('\n'));
  await chmod(path, 0o755);
  return path;
}

/** The real ffmpeg's absolute path. */
export async function realFfmpeg(): Promise<string> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { stdout } = await promisify(execFile)('sh', ['-c', 'command -v ffmpeg']);
  return stdout.trim();
}
