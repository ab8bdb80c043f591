import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs ffmpeg quietly; throws with its stderr on failure. */
export async function ffmpeg(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

export async function ffprobeJson(path: string): Promise<{ streams: Array<Record<string, unknown>>; format: Record<string, unknown> }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
  return JSON.parse(stdout);
}

const SRT = '1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nWorld\n';

/**
 * Small clips, made once per test run and copied into each test's media folder. Sizes are chosen so
 * libx265 finishes in well under a second on two cores.
 */
export class ClipFactory {
  private dir: Promise<string> | undefined;
  private made = new Map<string, Promise<string>>();

  private base(): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'shrinkray-clips-'));
    return this.dir;
  }

  private make(name: string, build: (out: string) => Promise<void>): Promise<string> {
    let p = this.made.get(name);
    if (!p) {
      p = this.base().then(async (dir) => {
        const out = join(dir, name);
        await build(out);
        return out;
      });
      this.made.set(name, p);
    }
    return p;
  }

  /** H.264 + AAC stereo, 320x240, high bitrate so HEVC makes it smaller. */
  h264(seconds = 2): Promise<string> {
    return this.make(`h264-${seconds}.mp4`, (out) =>
      ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=15:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-shortest', out]),
    );
  }

  /** A long-ish clip for tests that need a job to stay running (cancel, pause). */
  slow(seconds = 30): Promise<string> {
    return this.make(`slow-${seconds}.mkv`, (out) =>
      ffmpeg(['-f', 'lavfi', '-i', `testsrc2=size=640x480:rate=30:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '5', '-pix_fmt', 'yuv420p', out]),
    );
  }

  hevc(): Promise<string> {
    return this.make('hevc.mkv', (out) =>
      ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=1', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', out]),
    );
  }

  /** MKV with two audio tracks and an SRT subtitle. */
  withSubtitles(): Promise<string> {
    return this.make('subs.mkv', async (out) => {
      const srt = `${out}.srt`;
      await writeFile(srt, SRT);
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=15:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2',
        '-f', 'lavfi', '-i', 'sine=frequency=880:duration=2', '-i', srt, '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-c:s', 'srt', out]);
      await rm(srt);
    });
  }

  /** Already tiny H.264: HEVC at CRF 22 comes out larger. */
  tiny(): Promise<string> {
    return this.make('tiny.mp4', (out) =>
      ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:size=320x240:rate=15:duration=2', '-c:v', 'libx264', '-preset', 'veryslow', '-crf', '51', '-pix_fmt', 'yuv420p', out]),
    );
  }

  /** A real clip cut in half: the header is fine, the data stops. */
  truncated(): Promise<string> {
    return this.make('truncated.mkv', async (out) => {
      const whole = await this.h264(2);
      const { readFile } = await import('node:fs/promises');
      const data = await readFile(whole);
      await writeFile(out, data.subarray(0, Math.floor(data.length / 3)));
    });
  }

  /** Not a video at all, but named like one. */
  garbage(): Promise<string> {
    return this.make('garbage.mkv', (out) => writeFile(out, Buffer.alloc(4096, 0x5a)));
  }

  async copyTo(clip: string, dest: string): Promise<string> {
    await mkdir(join(dest, '..'), { recursive: true });
    await copyFile(clip, dest);
    return dest;
  }

  async dispose(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}
