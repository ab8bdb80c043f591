import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { buildTranscodeArgs } from '../../../src/ffmpeg/args.js';
import type { EncoderInfo } from '../../../src/ffmpeg/encoders.js';
import { enc, line, opts } from './fixtures.js';

describe('quality', () => {
  const flags: Array<[EncoderInfo['accel'], string]> = [
    ['none', '-crf 28'],
    ['nvenc', '-cq 28'],
    ['qsv', '-global_quality 28'],
    ['vaapi', '-qp 28'],
  ];
  for (const [accel, expected] of flags) {
    it(`override 28 on ${accel} → ${expected}`, () => {
      assert.ok(line({ encoder: enc(accel), quality: 28 }).includes(` ${expected} `));
    });
  }

  it('0 means the encoder default', () => {
    assert.ok(line({ encoder: enc('none', 'av1'), quality: 0 }).includes(' -crf 25 '));
    assert.ok(line({ encoder: enc('nvenc', 'av1'), quality: 0 }).includes(' -cq 32 '));
  });

  // §5.8's VideoToolbox numbers, plus the CRF-derived and clamped modifiers.
  const vt: Array<[string, EncoderInfo['codec'], number | undefined, number, number, string]> = [
    ['3 481 000 bps HEVC', 'hevc', 3_481_000, 0, 0, '1810k'],
    ['3 481 000 bps AV1', 'av1', 3_481_000, 0, 0, '870k'],
    ['10 Mbps × 0.5', 'hevc', 10_000_000, 0, 0.5, '5000k'],
    ['500 kbps (floor)', 'hevc', 500_000, 0, 0, '500k'],
    ['50 Mbps (ceiling)', 'hevc', 50_000_000, 0, 0, '15000k'],
    ['no bitrate', 'hevc', undefined, 0, 0, '5200k'],
    ['CRF 22 → modifier 0.36', 'hevc', 10_000_000, 22, 0, '3600k'],
    ['CRF 40 → modifier 0.05', 'hevc', 10_000_000, 40, 0, '500k'],
    ['AV1 modifier 0.9 clamps to 0.70', 'av1', 10_000_000, 0, 0.9, '7000k'],
    ['quality_mod wins over a CRF', 'hevc', 10_000_000, 16, 0.3, '3000k'],
  ];
  for (const [name, codec, bitrate, quality, qualityMod, expected] of vt) {
    it(`VideoToolbox ${name} → ${expected}`, () => {
      const source = bitrate === undefined ? {} : { bitrate };
      const args = buildTranscodeArgs(
        opts({ encoder: enc('videotoolbox', codec), source, quality, qualityMod }),
      );
      assert.equal(args[args.indexOf('-b:v') + 1], expected);
    });
  }
});
