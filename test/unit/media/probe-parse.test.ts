import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverFiles, mapLimit } from '../../../src/media/discover.js';
import { isCandidateVideo } from '../../../src/media/files.js';
import { bitDepth, isHdr, parseFrameRate, parseProbe } from '../../../src/media/probe-parse.js';
import { isInside, resolveInsideRoots } from '../../../src/media/roots.js';

describe('probe parsing (upstream §5.1)', () => {
  it('frame rates', () => {
    assert.equal(parseFrameRate('24000/1001'), 23.976);
    assert.equal(parseFrameRate('25'), 25);
    assert.equal(parseFrameRate('0/0'), 0);
    assert.equal(parseFrameRate(''), 0);
  });

  it('bit depth from bits_per_raw_sample, else the pixel format', () => {
    assert.equal(bitDepth('10', 'yuv420p'), 10);
    assert.equal(bitDepth('', 'yuv420p10le'), 10);
    assert.equal(bitDepth('', 'p010le'), 10);
    assert.equal(bitDepth('', 'yuv444p12be'), 12);
    assert.equal(bitDepth('0', 'yuv420p'), 8);
    assert.equal(bitDepth('', ''), 8);
  });

  const hdr: Array<[string, string, number, boolean]> = [
    ['smpte2084', 'bt2020', 10, true],
    ['SMPTE2084', '', 8, true],
    ['arib-std-b67', 'bt2020', 10, true],
    ['', 'bt2020', 10, true],
    ['', 'bt2020', 8, false],
    ['unknown', 'bt2020', 10, false],
    ['bt709', 'bt2020', 10, false],
    ['bt709', 'bt709', 8, false],
  ];
  for (const [transfer, primaries, depth, expected] of hdr) {
    it(`HDR: transfer '${transfer}' primaries '${primaries}' ${depth}-bit → ${expected}`, () => {
      assert.equal(isHdr(transfer, primaries, depth), expected);
    });
  }

  it('picks the first real video stream (not cover art) and lists the others', () => {
    const result = parseProbe({
      format: { size: '100', duration: '12.5', bit_rate: '800000', format_name: 'matroska,webm' },
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
        { index: 1, codec_type: 'video', codec_name: 'hevc', width: 3840, height: 2160, r_frame_rate: '24000/1001', profile: 'Main 10', pix_fmt: 'yuv420p10le', color_transfer: 'smpte2084', color_primaries: 'bt2020', color_space: 'bt2020nc' },
        { index: 2, codec_type: 'audio', codec_name: 'eac3' },
        { index: 3, codec_type: 'subtitle', codec_name: 'subrip' },
        { index: 4, codec_type: 'attachment', codec_name: 'ttf' },
      ],
    });
    assert.deepEqual(result.video, { index: 1, codec: 'hevc', width: 3840, height: 2160, frame_rate: 23.976, profile: 'Main 10', pix_fmt: 'yuv420p10le', bit_depth: 10, is_hdr: true, color_transfer: 'smpte2084', color_primaries: 'bt2020', color_space: 'bt2020nc' });
    assert.deepEqual([result.duration_ms, result.bitrate, result.format], [12_500, 800_000, 'matroska,webm']);
    assert.deepEqual(result.coverArt, [{ index: 0, codec: 'mjpeg' }]);
    assert.deepEqual(result.audio, [{ index: 2, codec: 'eac3' }]);
    assert.deepEqual(result.subtitles, [{ index: 3, codec: 'subrip' }]);
    assert.deepEqual(result.attachments, [{ index: 4, codec: 'ttf' }]);
  });

  it('a file without video has no `video`; non-objects are refused', () => {
    assert.equal(parseProbe({ format: {}, streams: [{ index: 0, codec_type: 'audio', codec_name: 'mp3' }] }).video, undefined);
    assert.throws(() => parseProbe(null), /no JSON object/);
  });
});

describe('media files and roots (D4, D17)', () => {
  it('candidate videos: extension, not hidden, not ours, not a backup', () => {
    assert.equal(isCandidateVideo('/m/a.MKV'), true);
    assert.equal(isCandidateVideo('/m/a.m2ts'), true);
    assert.equal(isCandidateVideo('/m/.a.mkv'), false);
    assert.equal(isCandidateVideo('/m/a.mkv.old'), false);
    assert.equal(isCandidateVideo('/m/a.0123456789abcdef.shrinkray.tmp.mkv'), false);
    assert.equal(isCandidateVideo('/m/.a.0123456789abcdef.shrinkray.part.mkv'), false);
    assert.equal(isCandidateVideo('/m/a.txt'), false);
  });

  it('isInside', () => {
    assert.equal(isInside('/media', '/media'), true);
    assert.equal(isInside('/media', '/media/a/b'), true);
    assert.equal(isInside('/media', '/media2/a'), false);
    assert.equal(isInside('/media', '/'), false);
    assert.equal(isInside('/media', '/media/../etc'), false);
  });

  describe('on disk', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'roots-'));
      await mkdir(join(dir, 'm1', 'sub', '.hidden'), { recursive: true });
      await mkdir(join(dir, 'm2'));
      await mkdir(join(dir, 'outside'));
      for (const f of ['m1/b.mkv', 'm1/a.mp4', 'm1/sub/c.avi', 'm1/sub/.hidden/d.mkv', 'm1/sub/e.txt', 'm2/f.mkv', 'outside/g.mkv']) await writeFile(join(dir, f), 'x');
      await symlink(join(dir, 'outside', 'g.mkv'), join(dir, 'm1', 'sub', 'link-out.mkv'));
      await symlink(join(dir, 'm2', 'f.mkv'), join(dir, 'm1', 'sub', 'link-in.mkv'));
      await symlink(join(dir, 'outside'), join(dir, 'm1', 'dirlink'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('resolves only paths inside one of several roots', async () => {
      const roots = [join(dir, 'm1'), join(dir, 'm2')];
      assert.deepEqual(await resolveInsideRoots(join(dir, 'm2', 'f.mkv'), roots), { ok: true, path: join(dir, 'm2', 'f.mkv') });
      assert.deepEqual(await resolveInsideRoots(join(dir, 'outside', 'g.mkv'), roots), { ok: false, reason: 'path is outside the media folders' });
      assert.deepEqual(await resolveInsideRoots(join(dir, 'm1', 'sub', 'link-out.mkv'), roots), { ok: false, reason: 'path is outside the media folders' });
      assert.deepEqual(await resolveInsideRoots(join(dir, 'm1', 'dirlink', 'g.mkv'), roots), { ok: false, reason: 'path is outside the media folders' });
      assert.deepEqual(await resolveInsideRoots(`${dir}/m1/../outside`, roots), { ok: false, reason: 'path is outside the media folders' });
      assert.deepEqual(await resolveInsideRoots(join(dir, 'm1', 'none.mkv'), roots), { ok: false, reason: 'path does not exist' });
      assert.deepEqual(await resolveInsideRoots('m1/a.mp4', roots), { ok: false, reason: 'path must be absolute' });
    });

    it('discovers in name order, skips hidden and non-videos, follows no symlinked folder, and no symlink out of the roots', async () => {
      const roots = [join(dir, 'm1'), join(dir, 'm2')];
      const files = await discoverFiles([join(dir, 'm1'), join(dir, 'm1', 'b.mkv')], roots);
      assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['m1/a.mp4', 'm1/b.mkv', 'm1/sub/c.avi', 'm2/f.mkv']);
    });
  });

  it('mapLimit keeps order and the limit', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n * 5));
      active -= 1;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 30, 20, 40]);
    assert.equal(peak, 2);
  });
});
