import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { type DecodeSource, requiresSoftwareDecode } from '../../../src/ffmpeg/decode.js';
import type { Accel } from '../../../src/jobs/types.js';

describe('requiresSoftwareDecode (upstream §5.12)', () => {
  const h264x10 = { video_codec: 'h264', bit_depth: 10 };
  const cases: Array<[Accel, DecodeSource, boolean]> = [
    // 10-bit H.264: every hardware family except NVENC (RTX 50 decodes it).
    ['qsv', h264x10, true],
    ['vaapi', h264x10, true],
    ['videotoolbox', h264x10, true],
    ['nvenc', h264x10, false],
    ['vaapi', { video_codec: 'AVC', bit_depth: 12 }, true],
    ['vaapi', { video_codec: 'h264', bit_depth: 8 }, false],
    ['vaapi', { video_codec: 'h264', bit_depth: 0 }, false],
    ['vaapi', { video_codec: 'h264' }, false],
    ['none', h264x10, false],
    // VC-1 / WMV3.
    ['qsv', { video_codec: 'vc1' }, true],
    ['qsv', { video_codec: 'wmv3' }, true],
    ['vaapi', { video_codec: 'VC1' }, true],
    ['vaapi', { video_codec: 'wmv3' }, true],
    ['nvenc', { video_codec: 'vc1' }, true],
    ['nvenc', { video_codec: 'wmv3' }, false],
    ['videotoolbox', { video_codec: 'vc1' }, false],
    ['none', { video_codec: 'vc1' }, false],
    // MPEG-4 Part 2 on QSV: only Simple Profile decodes in hardware.
    ['qsv', { video_codec: 'mpeg4', profile: 'Simple Profile' }, false],
    ['qsv', { video_codec: 'mpeg4', profile: 'Advanced Simple Profile' }, true],
    ['qsv', { video_codec: 'mpeg4' }, true],
    ['vaapi', { video_codec: 'mpeg4', profile: 'Advanced Simple Profile' }, false],
    // Everything else decodes in hardware first.
    ['qsv', { video_codec: 'hevc', bit_depth: 10 }, false],
    ['nvenc', { video_codec: 'av1', bit_depth: 10 }, false],
    ['vaapi', {}, false],
  ];
  for (const [accel, source, expected] of cases) {
    it(`${accel} ${JSON.stringify(source)} → ${expected ? 'software' : 'hardware'}`, () => {
      assert.equal(requiresSoftwareDecode(accel, source), expected);
    });
  }
});
