import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  buildTranscodeArgs,
  buildTranscodeCommand,
  subtitleMapping,
  type TranscodeSource } from '../../../src/ffmpeg/args.js';
import type { EncoderInfo } from '../../../src/ffmpeg/encoders.js';
import { enc, HDR10, line, opts } from './fixtures.js';

describe('upstream §5.8 examples, verbatim', () => {
  it('software, compress-hevc, MKV, subtitles fine', () => {
    const out = '/tmp/a.1f2e...9c.shrinkray.tmp.mkv';
    assert.equal(
      line({ input: '/media/a.mp4', output: out }),
      '-i /media/a.mp4 -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy /tmp/a.1f2e...9c.shrinkray.tmp.mkv',
    );
  });

  it('VAAPI hardware decode, 720p', () => {
    const vaapi: EncoderInfo = { ...enc('vaapi'), vaapiDevice: '/dev/dri/renderD128' };
    const args = line({ input: 'in.mkv', output: 'out.tmp.mkv', encoder: vaapi, maxHeight: 720 });
    assert.equal(
      args,
      "-init_hw_device vaapi=va:/dev/dri/renderD128 -filter_hw_device va -hwaccel vaapi -hwaccel_output_format vaapi -i in.mkv -y -progress pipe:1 -nostats -vf format=nv12|vaapi,hwupload,scale_vaapi=w=-2:h='min(ih,720)':format=nv12 -c:v hevc_vaapi -qp 20 -map 0:v:0 -map 0:a? -c:a copy -map 0:s? -c:s copy out.tmp.mkv",
    );
  });
});

describe('HDR passthrough colour tags (D14)', () => {
  const tags = (source: TranscodeSource) => {
    const args = buildTranscodeArgs(opts({ source }));
    const at = args.indexOf('-color_primaries');
    return args.slice(at, at + 6).join(' ');
  };

  it('keeps the source tags, lower-cased', () => {
    const source = { ...HDR10, color_transfer: 'SMPTE2084', color_space: 'bt2020c' };
    assert.equal(tags(source), '-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020c');
  });

  it('fills untagged fields with BT.2020 / PQ', () => {
    const source = { height: 2160, is_hdr: true, bit_depth: 10, color_transfer: '' };
    assert.equal(tags(source), '-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc');
  });

  it('keeps HLG and gives libx265 no HDR10 SEI for it', () => {
    const args = line({ source: { ...HDR10, color_transfer: 'arib-std-b67' } });
    assert.ok(args.includes('-color_trc arib-std-b67'));
    assert.ok(!args.includes('-x265-params'));
  });

  it('writes nothing for SDR sources', () => {
    assert.ok(!line({ source: { height: 1080, color_primaries: 'bt709' } }).includes('-color'));
  });
});

describe('subtitleMapping', () => {
  it('probe failed → map all, optional', () => {
    assert.deepEqual(subtitleMapping(null), {
      args: ['-map', '0:s?', '-c:s', 'copy'],
      dropped: [],
    });
  });

  it('no subtitle streams → map all, optional', () => {
    assert.deepEqual(subtitleMapping([]), { args: ['-map', '0:s?', '-c:s', 'copy'], dropped: [] });
  });

  it('all incompatible → nothing, codecs reported once', () => {
    const subs = [
      { index: 2, codec: 'mov_text' },
      { index: 3, codec: 'eia_608' },
      { index: 4, codec: 'mov_text' },
    ];
    assert.deepEqual(subtitleMapping(subs), { args: [], dropped: ['mov_text', 'eia_608'] });
  });

  it('mixed → each compatible index, then one -c:s copy', () => {
    const subs = [
      { index: 2, codec: 'subrip' },
      { index: 3, codec: 'mov_text' },
      { index: 5, codec: ' HDMV_PGS_SUBTITLE ' },
      { index: 6, codec: '' },
    ];
    assert.deepEqual(subtitleMapping(subs), {
      args: ['-map', '0:2?', '-map', '0:5?', '-c:s', 'copy'],
      dropped: ['mov_text', 'unknown'],
    });
  });

  it('every §5.8 compatible codec is kept', () => {
    const codecs =
      'subrip srt ass ssa text dvd_subtitle dvb_subtitle hdmv_pgs_subtitle hdmv_text_subtitle arib_caption webvtt';
    const subs = codecs.split(' ').map((codec, index) => ({ index, codec }));
    assert.equal(subtitleMapping(subs).dropped.length, 0);
  });

  it('buildTranscodeCommand passes dropped codecs on', () => {
    const subs = [{ index: 2, codec: 'tx3g' }];
    const cmd = buildTranscodeCommand(opts({ streams: { subtitles: subs, attachments: [] } }));
    assert.deepEqual(cmd.droppedSubtitleCodecs, ['tx3g']);
    assert.ok(cmd.args.join(' ').endsWith('-map 0:a? -c:a copy /tmp/out.tmp.mkv'));
  });
});

describe('streams: attachments, cover art, MP4', () => {
  const streams = {
    subtitles: [{ index: 2, codec: 'ass' }],
    attachments: [3, 4],
    firstVideoIndex: 1,
  };

  it('MKV maps fonts and copies them after the subtitles', () => {
    assert.equal(
      line({ streams }),
      '-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -map 0:1 -map 0:a? -c:a copy -map 0:2? -c:s copy -map 0:3 -map 0:4 -c:t copy /tmp/out.tmp.mkv',
    );
  });

  it('MP4 drops subtitles and attachments and converts audio', () => {
    assert.equal(
      line({ streams, outputFormat: 'mp4', output: '/tmp/out.tmp.mp4' }),
      '-i /media/in.mkv -y -progress pipe:1 -nostats -c:v libx265 -crf 22 -preset medium -map 0:1 -map 0:a? -c:a aac -b:a 192k -ac 2 -sn -movflags +faststart /tmp/out.tmp.mp4',
    );
  });

  it('cover art first: the real video stream is mapped by index', () => {
    const args = buildTranscodeArgs(opts({ streams: { ...streams, firstVideoIndex: 0 } }));
    assert.equal(args[args.indexOf('-map') + 1], '0:0');
    const noIndex = buildTranscodeArgs(opts());
    assert.equal(noIndex[noIndex.indexOf('-map') + 1], '0:v:0');
  });

  it('keeps paths with spaces as single arguments', () => {
    const args = buildTranscodeArgs(opts({ input: '/media/My Movie (2020).mkv' }));
    assert.equal(args[args.indexOf('-i') + 1], '/media/My Movie (2020).mkv');
  });
});
