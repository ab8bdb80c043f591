import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  bestEncoder,
  ENCODER_PRIORITY,
  ENCODER_SPECS,
  type EncoderInfo,
  encoderSpec,
  fallbackChain,
  softwareEncoder,
} from '../../../src/ffmpeg/encoders.js';
import type { Accel, Codec } from '../../../src/jobs/types.js';

describe('encoder table (upstream §5.2)', () => {
  // accel, codec, encoder, description, flag, default, extra args, scaler, pix fmt, suffix, upload, range
  const rows: Array<
    [Accel, Codec, string, string, string, number, string, string, string, string, string, string]
  > = [
    ['none', 'hevc', 'libx265', 'Software HEVC (libx265)', '-crf', 22, '-preset medium', '-', '-', '-', '-', '16..30'],
    ['none', 'av1', 'libsvtav1', 'Software AV1 (libsvtav1)', '-crf', 25, '-preset 6', '-', '-', '-', '-', '18..35'],
    ['nvenc', 'hevc', 'hevc_nvenc', 'NVIDIA NVENC HEVC', '-cq', 26, '-preset p4 -tune hq -rc vbr', 'scale_cuda', 'nv12', '-', '-', '16..30'],
    ['nvenc', 'av1', 'av1_nvenc', 'NVIDIA NVENC AV1', '-cq', 32, '-preset p4 -tune hq -rc vbr', 'scale_cuda', 'nv12', '-', '-', '18..35'],
    ['qsv', 'hevc', 'hevc_qsv', 'Intel Quick Sync HEVC', '-global_quality', 20, '-preset medium', 'scale_qsv', 'nv12', 'qsv', 'hwupload=extra_hw_frames=64', '16..30'],
    ['qsv', 'av1', 'av1_qsv', 'Intel Quick Sync AV1', '-global_quality', 22, '-preset medium', 'scale_qsv', 'nv12', 'qsv', 'hwupload=extra_hw_frames=64', '18..35'],
    ['vaapi', 'hevc', 'hevc_vaapi', 'VAAPI HEVC', '-qp', 20, '', 'scale_vaapi', 'nv12', 'vaapi', 'hwupload', '16..30'],
    ['vaapi', 'av1', 'av1_vaapi', 'VAAPI AV1', '-qp', 22, '', 'scale_vaapi', 'nv12', 'vaapi', 'hwupload', '18..35'],
    ['videotoolbox', 'hevc', 'hevc_videotoolbox', 'Apple VideoToolbox HEVC', '-b:v', 0.52, '-allow_sw 1', '-', '-', '-', '-', '0.05..0.8'],
    ['videotoolbox', 'av1', 'av1_videotoolbox', 'Apple VideoToolbox AV1', '-b:v', 0.25, '-allow_sw 1', '-', '-', '-', '-', '0.05..0.7'],
  ];
  for (const [accel, codec, encoder, description, flag, def, extra, scaler, pf, suffix, upload, range] of rows) {
    it(`${accel} ${codec} → ${encoder}`, () => {
      const s = encoderSpec(accel, codec);
      assert.equal(s.encoder, encoder);
      assert.equal(s.description, description);
      assert.equal(s.qualityFlag, flag);
      assert.equal(s.defaultQuality, def);
      assert.equal(s.extraArgs.join(' '), extra);
      assert.equal(s.hwScaler ?? '-', scaler);
      assert.equal(s.pixFmt ?? '-', pf);
      assert.equal(s.frameSuffix ?? '-', suffix);
      assert.equal(s.uploadFilter ?? '-', upload);
      assert.equal(`${s.qualityRange.min}..${s.qualityRange.max}`, range);
    });
  }

  it('has exactly one row per accel and codec', () => {
    assert.equal(ENCODER_SPECS.length, rows.length);
  });

  it('falls back to the software row for an unknown pair', () => {
    assert.equal(encoderSpec('amf' as Accel, 'av1').encoder, 'libsvtav1');
  });

  it('orders hardware VideoToolbox > NVENC > QSV > VAAPI, software last', () => {
    assert.deepEqual(ENCODER_PRIORITY, ['videotoolbox', 'nvenc', 'qsv', 'vaapi', 'none']);
  });
});

const info = (accel: Accel, codec: Codec = 'hevc', extra: Partial<EncoderInfo> = {}): EncoderInfo => ({
  accel,
  codec,
  encoder: encoderSpec(accel, codec).encoder,
  description: encoderSpec(accel, codec).description,
  ...extra,
});

describe('softwareEncoder and bestEncoder', () => {
  it('softwareEncoder is the software row of the codec', () => {
    assert.deepEqual(softwareEncoder('hevc'), {
      accel: 'none',
      codec: 'hevc',
      encoder: 'libx265',
      description: 'Software HEVC (libx265)',
    });
    assert.equal(softwareEncoder('av1').encoder, 'libsvtav1');
  });

  it('bestEncoder follows the priority, per codec, software when nothing else', () => {
    const available = [info('vaapi'), info('nvenc'), info('qsv', 'av1'), info('none')];
    assert.equal(bestEncoder(available, 'hevc').accel, 'nvenc');
    assert.equal(bestEncoder(available, 'av1').accel, 'qsv');
    assert.deepEqual(bestEncoder([], 'av1'), softwareEncoder('av1'));
  });
});

describe('fallbackChain (upstream §5.13)', () => {
  const all = ENCODER_PRIORITY.flatMap((a) => [info(a, 'hevc'), info(a, 'av1')]);
  const accels = (chain: EncoderInfo[]) => chain.map((e) => `${e.accel}/${e.codec}`).join(' ');
  const cases: Array<[string, EncoderInfo, EncoderInfo[], string]> = [
    ['VideoToolbox, all available', info('videotoolbox'), all, 'nvenc/hevc qsv/hevc vaapi/hevc none/hevc'],
    ['NVENC, all available', info('nvenc'), all, 'qsv/hevc vaapi/hevc none/hevc'],
    ['QSV AV1, all available', info('qsv', 'av1'), all, 'vaapi/av1 none/av1'],
    ['VAAPI, all available', info('vaapi'), all, 'none/hevc'],
    ['software: nothing after it', info('none'), all, ''],
    ['only later available ones', info('nvenc'), [info('videotoolbox'), info('vaapi')], 'vaapi/hevc none/hevc'],
    ['other codec only → software', info('nvenc'), [info('qsv', 'av1'), info('vaapi', 'av1')], 'none/hevc'],
    ['nothing detected → software', info('qsv', 'av1'), [], 'none/av1'],
  ];
  for (const [name, current, available, expected] of cases) {
    it(name, () => assert.equal(accels(fallbackChain(current, available)), expected));
  }

  it('keeps the detected entries as they are (modes, device)', () => {
    const qsv = info('qsv', 'hevc', { qsvMode: 'vaapi-derived', vaapiDevice: '/dev/dri/renderD129' });
    const chain = fallbackChain(info('nvenc'), [qsv]);
    assert.equal(chain[0], qsv);
  });

  it('adds software even when detection did not list it', () => {
    const chain = fallbackChain(info('vaapi', 'av1'), [info('vaapi', 'av1')]);
    assert.deepEqual(chain, [softwareEncoder('av1')]);
  });
});
