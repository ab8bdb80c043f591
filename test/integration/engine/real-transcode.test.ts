import assert from 'node:assert/strict';
import { copyFile, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClipFactory, ffprobeJson } from '../../helpers/clips.js';
import { get } from '../../helpers/http.js';
import { type EngineApp, runJobs, startEngineApp } from './engine-app.js';
import { EngineClips } from './engine-clips.js';

const clips = new EngineClips();
const shared = new ClipFactory();

type Stream = Record<string, unknown> & { codec_type?: string; codec_name?: string; tags?: Record<string, string> };

/** Top-level MP4 box types in file order (size 1 = 64-bit size, 0 = to the end). */
async function topLevelBoxes(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const boxes: string[] = [];
    let at = 0;
    const head = Buffer.alloc(16);
    while (at + 8 <= size && boxes.length < 32) {
      await handle.read(head, 0, 16, at);
      let length = head.readUInt32BE(0);
      boxes.push(head.toString('latin1', 4, 8));
      if (length === 1) length = Number(head.readBigUInt64BE(8));
      if (length === 0) break;
      at += length;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}

describe('real software transcodes through the app (real ffmpeg)', function () {
  this.timeout(60_000);
  let t: EngineApp | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });
  after(async () => {
    await clips.dispose();
    await shared.dispose();
  });

  const place = async (clip: Promise<string>, name: string) => {
    const dest = join(t!.media, name);
    await copyFile(await clip, dest);
    return dest;
  };
  const onlyJob = async (path: string) => {
    const jobs = await runJobs(t!, [path]);
    assert.equal(jobs.length, 1);
    return jobs[0] as Record<string, unknown>;
  };
  const streams = async (path: string) => (await ffprobeJson(path)).streams as Stream[];
  const bestEncoder = async () => String((await get(t!.url, '/api/encoders')).body.best.encoder);

  it('HDR10 passthrough keeps 10 bits, Main 10 and the BT.2020/PQ tags', async () => {
    t = await startEngineApp({ overrides: { allow_same_codec: true } });
    const input = await place(clips.hdr10(), 'hdr.mkv');
    const job = await onlyJob(input);
    assert.equal(job.status, 'complete', String(job.error));
    assert.equal(job.is_hdr, true);
    assert.equal(job.encoder_name, await bestEncoder());
    const [video] = await streams(String(job.output_path));
    assert.equal(video?.codec_name, 'hevc');
    assert.equal(video?.pix_fmt, 'yuv420p10le');
    assert.equal(video?.profile, 'Main 10');
    assert.equal(video?.color_primaries, 'bt2020');
    assert.equal(video?.color_transfer, 'smpte2084');
    assert.equal(video?.color_space, 'bt2020nc');
  });

  it('with tonemapping on, an HDR10 source becomes 8-bit BT.709', async () => {
    t = await startEngineApp({ overrides: { allow_same_codec: true, tonemap_hdr: true, tonemap_algorithm: 'hable' } });
    const input = await place(clips.hdr10(), 'hdr.mkv');
    const job = await onlyJob(input);
    assert.equal(job.status, 'complete', String(job.error));
    const [video] = await streams(String(job.output_path));
    assert.equal(video?.pix_fmt, 'yuv420p');
    assert.equal(video?.profile, 'Main');
    assert.equal(video?.color_primaries, 'bt709');
    assert.equal(video?.color_transfer, 'bt709');
    assert.equal(video?.color_space, 'bt709');
  });

  it('MP4 mode: AAC stereo, no subtitles, moov before mdat', async () => {
    t = await startEngineApp({ overrides: { output_format: 'mp4' } });
    const input = await place(clips.surround(), 'surround.mkv');
    const source = await streams(input);
    assert.equal(source.find((s) => s.codec_type === 'audio')?.channels, 6);
    assert.equal(source.filter((s) => s.codec_type === 'subtitle').length, 1);
    const job = await onlyJob(input);
    assert.equal(job.status, 'complete', String(job.error));
    assert.equal(job.output_path, join(t.media, 'surround.mp4'));
    const out = await streams(String(job.output_path));
    const audio = out.filter((s) => s.codec_type === 'audio');
    assert.equal(audio.length, 1);
    assert.equal(audio[0]?.codec_name, 'aac');
    assert.equal(audio[0]?.channels, 2);
    assert.equal(out.filter((s) => s.codec_type === 'subtitle').length, 0);
    const boxes = await topLevelBoxes(String(job.output_path));
    assert.ok(boxes.includes('moov') && boxes.includes('mdat'), boxes.join(','));
    assert.ok(boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart: ${boxes.join(',')}`);
    await assert.rejects(stat(input), 'replace mode removed the MKV original');
  });

  it('MKV keeps SRT, ASS and the attached font, and drops (with a log line) subtitles Matroska cannot hold', async () => {
    t = await startEngineApp();
    const mkv = await place(clips.mkvSubtitles(), 'styled.mkv');
    const mp4 = await place(clips.movText(), 'phone.mp4');
    const before = await streams(mkv);
    assert.deepEqual(
      before.map((s) => `${s.codec_type}:${s.codec_name ?? '?'}`),
      ['video:h264', 'audio:aac', 'subtitle:subrip', 'subtitle:?', 'subtitle:ass', 'attachment:ttf'],
    );
    const jobs = await runJobs(t, [mkv, mp4]);
    for (const job of jobs) assert.equal(job.status, 'complete', String(job.error));

    const styled = await streams(join(t.media, 'styled.mkv'));
    assert.deepEqual(
      styled.map((s) => `${s.codec_type}:${s.codec_name ?? '?'}`),
      ['video:hevc', 'audio:aac', 'subtitle:subrip', 'subtitle:ass', 'attachment:ttf'],
    );
    const font = styled.find((s) => s.codec_type === 'attachment');
    assert.equal(font?.tags?.mimetype, 'application/x-truetype-font');
    assert.equal(font?.tags?.filename, 'font.ttf');

    const phone = await streams(join(t.media, 'phone.mkv'));
    assert.deepEqual(phone.map((s) => `${s.codec_type}:${s.codec_name}`), ['video:hevc', 'audio:aac']);

    const drops = t.logs.filter((l) => l.msg === 'dropping subtitle streams MKV cannot hold');
    assert.deepEqual(
      drops.map((l) => [String(l.path).split('/').at(-1), l.codecs]),
      [
        ['styled.mkv', ['unknown']],
        ['phone.mp4', ['mov_text']],
      ],
    );
  });

  it('a truncated file fails with a readable reason and is left alone', async () => {
    t = await startEngineApp();
    const input = await place(clips.truncated(), 'cut.mkv');
    const original = await readFile(input);
    const job = await onlyJob(input);
    assert.equal(job.status, 'failed');
    assert.match(String(job.error), /^libx265 with software failed: output check failed: the output lasts [0-9.]+ s, the source 6\.0 s \(is the source cut short or damaged\?\)$/);
    assert.deepEqual(await readFile(input), original);
    assert.deepEqual(await readdir(join(t.root, 'temp')), []);
  });

  it('an output that would be larger is skipped and the original is untouched', async () => {
    t = await startEngineApp();
    const input = await place(shared.tiny(), 'tiny.mp4');
    const original = await readFile(input);
    const { mtimeMs } = await stat(input);
    const job = await onlyJob(input);
    assert.equal(job.status, 'skipped', String(job.error));
    assert.match(String(job.skip_reason), /^Output larger than original \(.+ > .+\)$/);
    assert.deepEqual(await readFile(input), original);
    assert.equal((await stat(input)).mtimeMs, mtimeMs);
    assert.deepEqual(await readdir(t.media), ['tiny.mp4']);
    assert.deepEqual(await readdir(join(t.root, 'temp')), []);
  });
});
