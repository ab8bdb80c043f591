import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { buildTranscodeCommand, type TranscodeArgsOptions } from '../../../src/ffmpeg/args.js';
import { softwareEncoder } from '../../../src/ffmpeg/encoders.js';
import { streamCountProblems } from '../../../src/ffmpeg/verify.js';

describe('output stream expectations (D11)', () => {
  const base: TranscodeArgsOptions = {
    input: '/m/a.mkv',
    output: '/t/a.tmp.mkv',
    encoder: softwareEncoder('hevc'),
    maxHeight: 0,
    source: {},
    quality: 0,
    qualityMod: 0,
    softwareDecode: true,
    tonemap: null,
    outputFormat: 'mkv',
    streams: { subtitles: [{ index: 2, codec: 'subrip' }, { index: 3, codec: 'mov_text' }, { index: 4, codec: 'ASS ' }], attachments: [5, 6] },
  };

  it('MKV expects the compatible subtitles and every attachment', () => {
    assert.deepEqual(buildTranscodeCommand(base).expectedStreams, { subtitles: 2, attachments: 2 });
  });
  it('MKV with a failed subtitle probe expects whatever the source has', () => {
    assert.deepEqual(buildTranscodeCommand({ ...base, streams: { subtitles: null, attachments: [] } }).expectedStreams, { subtitles: null, attachments: 0 });
  });
  it('MP4 expects neither', () => {
    assert.deepEqual(buildTranscodeCommand({ ...base, outputFormat: 'mp4' }).expectedStreams, { subtitles: 0, attachments: 0 });
  });

  it('names each mismatch; unchecked counts are ignored', () => {
    assert.deepEqual(streamCountProblems({ audio: 2, subtitles: 1, attachments: 0 }, { durationMs: 0, audioStreams: 2, subtitleStreams: 1, attachments: 0 }), []);
    assert.deepEqual(streamCountProblems({ audio: 1, subtitles: 0, attachments: 0 }, { durationMs: 0, audioStreams: 2, subtitleStreams: 2, attachments: 1 }), [
      '1 audio streams, expected 2',
      '0 subtitle streams, expected 2',
      '0 attachments, expected 1',
    ]);
    assert.deepEqual(streamCountProblems({ audio: 1, subtitles: 7, attachments: 3 }, { durationMs: 0, audioStreams: 1, subtitleStreams: null }), []);
  });
});
