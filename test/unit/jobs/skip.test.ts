import assert from 'node:assert/strict';
import { presetBase } from '../../../src/ffmpeg/presets.js';
import { compareIds } from '../../../src/jobs/pool.js';
import { inWindow } from '../../../src/jobs/schedule.js';
import { skipReason } from '../../../src/jobs/skip.js';

const p = (id: string) => {
  const preset = presetBase(id);
  if (!preset) throw new Error(id);
  return preset;
};

describe('skip rules (upstream §3.5)', () => {
  const table: Array<[string, string | undefined, number | undefined, boolean, string | undefined]> = [
    ['compress-hevc', 'h264', 1080, false, undefined],
    ['compress-hevc', 'hevc', 1080, false, 'File is already encoded in HEVC'],
    ['compress-hevc', 'H265', 1080, false, 'File is already encoded in HEVC'],
    ['compress-hevc', 'hevc', 1080, true, undefined],
    ['compress-av1', 'av1', 1080, false, 'File is already encoded in AV1'],
    ['compress-av1', 'hevc', 1080, false, undefined],
    ['1080p', 'hevc', 2160, false, undefined],
    ['1080p', 'h264', 1080, false, 'File is already 1080p or smaller'],
    ['720p', 'h264', 480, false, 'File is already 720p or smaller'],
    ['720p', 'h264', undefined, false, undefined],
    ['720p', 'hevc', 1080, false, undefined],
  ];
  for (const [preset, codec, height, allow, expected] of table) {
    it(`${preset} / ${codec} ${height}p allow=${allow} → ${expected ?? 'queued'}`, () => {
      assert.equal(skipReason(p(preset), { video_codec: codec, height }, allow), expected);
    });
  }
});

describe('schedule window (D10)', () => {
  it('plain and midnight-wrapping windows over a whole day', () => {
    const hours = (start: number, end: number) => Array.from({ length: 24 }, (_, h) => h).filter((h) => inWindow(h, start, end));
    assert.deepEqual(hours(22, 6), [0, 1, 2, 3, 4, 5, 22, 23]);
    assert.deepEqual(hours(9, 17), [9, 10, 11, 12, 13, 14, 15, 16]);
    assert.deepEqual(hours(23, 0), [23]);
  });
});

describe('job id order', () => {
  it('compares the counter numerically', () => {
    assert.ok(compareIds('5-10', '5-9') > 0);
    assert.ok(compareIds('4-10', '5-1') < 0);
    assert.equal(compareIds('5-1', '5-1'), 0);
  });
});
