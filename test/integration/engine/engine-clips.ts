/** Source clips for the engine tests, made once per run with lavfi (tiny, 1–2 s). */

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpeg } from '../../helpers/clips.js';

const SRT = '1\n00:00:00,000 --> 00:00:00,900\nHello\n\n2\n00:00:01,000 --> 00:00:01,900\nWorld\n';
const ASS = [
  '[Script Info]',
  'ScriptType: v4.00+',
  '',
  '[V4+ Styles]',
  'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
  'Style: Default,Engine Test Sans,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,1',
  '',
  '[Events]',
  'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
  'Dialogue: 0,0:00:00.00,0:00:01.50,Default,,0,0,0,,Styled',
  '',
].join('\n');

const VIDEO = (size: string, seconds: number) => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=15:duration=${seconds}`];
const TONE = (seconds: number, layout = 'stereo') => ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds},aformat=channel_layouts=${layout}`];
/** Near-lossless H.264: any HEVC encode of it is smaller. */
const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '8', '-pix_fmt', 'yuv420p'];

export class EngineClips {
  private dir: Promise<string> | undefined;
  private readonly made = new Map<string, Promise<string>>();

  private make(name: string, build: (out: string, dir: string) => Promise<void>): Promise<string> {
    let p = this.made.get(name);
    if (!p) {
      this.dir ??= mkdtemp(join(tmpdir(), 'shrinkray-engine-clips-'));
      p = this.dir.then(async (dir) => {
        const out = join(dir, name);
        await build(out, dir);
        return out;
      });
      this.made.set(name, p);
    }
    return p;
  }

  /** H.264 + AAC stereo, 160x120, 1 s: for runs where the fake ffmpeg decides what happens. */
  small(): Promise<string> {
    return this.make('small.mkv', (out) => ffmpeg([...VIDEO('160x120', 1), ...TONE(1), ...H264, '-c:a', 'aac', '-shortest', out]));
  }

  /** 10-bit HEVC tagged HDR10 (BT.2020 / PQ), high bitrate so that the re-encode is smaller. */
  hdr10(): Promise<string> {
    return this.make('hdr10.mkv', (out) =>
      ffmpeg([...VIDEO('320x240', 1), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'qp=4:log-level=error', '-pix_fmt', 'yuv420p10le',
        '-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc', out]),
    );
  }

  /** MKV with 5.1 FLAC and an SRT subtitle: MP4 mode must make it AAC stereo without subtitles. */
  surround(): Promise<string> {
    return this.make('surround.mkv', async (out, dir) => {
      const srt = join(dir, 'surround.srt');
      await writeFile(srt, SRT);
      await ffmpeg([...VIDEO('160x120', 1), ...TONE(1, '5.1'), '-i', srt, '-map', '0:v', '-map', '1:a', '-map', '2:s', ...H264, '-c:a', 'flac', '-c:s', 'srt', out]);
    });
  }

  /**
   * MKV with SRT, a subtitle no muxer can copy, ASS and an attached font. ffmpeg cannot write
   * mov_text (or any other MP4-only subtitle) into Matroska, so the incompatible stream is made by
   * renaming the second SRT track's codec ID to `S_TEXT/TX3G` (the same length, so the file stays
   * valid): ffprobe then reports an unknown subtitle codec that `-c:s copy` would choke on.
   */
  mkvSubtitles(): Promise<string> {
    return this.make('subtitles.mkv', async (out, dir) => {
      const srt = join(dir, 'subs.srt');
      const ass = join(dir, 'subs.ass');
      const font = join(dir, 'font.ttf');
      await writeFile(srt, SRT);
      await writeFile(ass, ASS);
      await writeFile(font, Buffer.from('not really a TrueType font, but attached like one'));
      const plain = join(dir, 'subtitles-plain.mkv');
      await ffmpeg([...VIDEO('160x120', 2), ...TONE(2), '-i', srt, '-i', srt, '-i', ass, '-map', '0:v', '-map', '1:a', '-map', '2', '-map', '3', '-map', '4',
        ...H264, '-c:a', 'aac', '-c:s:0', 'srt', '-c:s:1', 'srt', '-c:s:2', 'ass',
        '-attach', font, '-metadata:s:t', 'mimetype=application/x-truetype-font', plain]);
      const data = await readFile(plain);
      const first = data.indexOf('S_TEXT/UTF8');
      const second = data.indexOf('S_TEXT/UTF8', first + 1);
      if (first < 0 || second < 0) throw new Error('could not find the second SRT track');
      data.write('S_TEXT/TX3G', second, 'latin1');
      await writeFile(out, data);
      await rm(plain);
    });
  }

  /** MP4 with a mov_text subtitle: Matroska cannot hold it. */
  movText(): Promise<string> {
    return this.make('movtext.mp4', async (out, dir) => {
      const srt = join(dir, 'movtext.srt');
      await writeFile(srt, SRT);
      await ffmpeg([...VIDEO('160x120', 1), ...TONE(1), '-i', srt, '-map', '0:v', '-map', '1:a', '-map', '2', ...H264, '-c:a', 'aac', '-c:s', 'mov_text', out]);
    });
  }

  /** The first third of a 6 s MKV: the header still says 6 s, the data stops at about 2 s. */
  truncated(): Promise<string> {
    return this.make('truncated.mkv', async (out, dir) => {
      const whole = join(dir, 'whole.mkv');
      await ffmpeg([...VIDEO('160x120', 6), ...H264, whole]);
      const data = await readFile(whole);
      await writeFile(out, data.subarray(0, Math.floor(data.length / 3)));
      await rm(whole);
    });
  }

  async dispose(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}
