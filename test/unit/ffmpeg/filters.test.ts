import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  buildTranscodeCommand,
  hwInputArgs,
  type TranscodeArgsOptions,
  videoFilterChain } from '../../../src/ffmpeg/args.js';
import type { EncoderInfo } from '../../../src/ffmpeg/encoders.js';
import { enc, HDR10, line, opts } from './fixtures.js';

const chain = (over: Partial<TranscodeArgsOptions>) => videoFilterChain(opts(over));

describe('videoFilterChain: upstream §5.7 example chains', () => {
  const cases: Array<[string, Partial<TranscodeArgsOptions>, string | null]> = [
    ['software compress', { encoder: enc('none') }, null],
    ['NVENC compress', { encoder: enc('nvenc') }, 'scale_cuda=format=nv12'],
    [
      'QSV compress',
      { encoder: enc('qsv') },
      'format=nv12|qsv,hwupload=extra_hw_frames=64,scale_qsv=format=nv12',
    ],
    [
      'VAAPI compress',
      { encoder: enc('vaapi') },
      'format=nv12|vaapi,hwupload,scale_vaapi=format=nv12',
    ],
    ['VideoToolbox compress', { encoder: enc('videotoolbox') }, null],
    [
      'NVENC 720p',
      { encoder: enc('nvenc'), maxHeight: 720 },
      "scale_cuda=w=-2:h='min(ih,720)':format=nv12",
    ],
    [
      'software-decode VAAPI 720p',
      { encoder: enc('vaapi'), maxHeight: 720, softwareDecode: true },
      "scale=-2:'min(ih,720)',format=nv12,hwupload",
    ],
    ['software-decode NVENC compress', { encoder: enc('nvenc'), softwareDecode: true }, null],
    [
      'VideoToolbox 720p',
      { encoder: enc('videotoolbox'), maxHeight: 720 },
      "scale=-2:'min(ih,720)'",
    ],
    ['source already small', { encoder: enc('none'), maxHeight: 1080 }, null],
    [
      'unknown source height still gets the (never upscaling) scale',
      { encoder: enc('none'), maxHeight: 720, source: {} },
      "scale=-2:'min(ih,720)'",
    ],
  ];
  for (const [name, over, expected] of cases) {
    it(name, () => assert.equal(chain(over), expected));
  }
});

describe('tonemapping', () => {
  const TM = 'zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709';
  const TAIL = 'zscale=t=bt709:m=bt709,format=yuv420p';

  it('applies only to HDR sources', () => {
    assert.equal(chain({ tonemap: { algorithm: 'hable' }, source: { height: 1080 } }), null);
    assert.equal(
      line({ tonemap: { algorithm: 'hable' }, encoder: enc('qsv') }).includes('zscale'),
      false,
    );
  });

  it('uses the configured algorithm', () => {
    for (const algorithm of ['hable', 'reinhard', 'mobius', 'clip', 'linear', 'gamma'] as const) {
      const got = chain({ tonemap: { algorithm }, source: HDR10 });
      assert.equal(got, `${TM},tonemap=${algorithm}:desat=0:peak=100,${TAIL}`);
    }
  });

  it('maps bt2390, which the CPU tonemap filter lacks, to mobius', () => {
    const got = chain({ tonemap: { algorithm: 'bt2390' }, source: HDR10 });
    assert.equal(got, `${TM},tonemap=mobius:desat=0:peak=100,${TAIL}`);
  });

  it('tells zscale the HDR10 defaults for tags the source lacks', () => {
    const source = {
      ...HDR10,
      color_transfer: '',
      color_primaries: 'unknown',
      color_space: undefined,
    };
    assert.equal(
      chain({ tonemap: { algorithm: 'hable' }, source }),
      `zscale=tin=smpte2084:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=hable:desat=0:peak=100,${TAIL}`,
    );
  });

  it('forces software decode and reports it', () => {
    const cmd = buildTranscodeCommand(
      opts({ encoder: enc('nvenc'), tonemap: { algorithm: 'hable' }, source: HDR10 }),
    );
    assert.equal(cmd.softwareDecode, true);
    assert.ok(!cmd.args.includes('-hwaccel'));
    assert.equal(buildTranscodeCommand(opts({ encoder: enc('nvenc') })).softwareDecode, false);
  });
});

describe('hwInputArgs', () => {
  it('puts the VAAPI device of detection into both VAAPI and derived QSV', () => {
    const dev = '/dev/dri/renderD129';
    assert.deepEqual(hwInputArgs({ ...enc('vaapi'), vaapiDevice: dev }, true), [
      '-init_hw_device',
      `vaapi=va:${dev}`,
      '-filter_hw_device',
      'va',
    ]);
    const qsv: EncoderInfo = { ...enc('qsv'), qsvMode: 'vaapi-derived', vaapiDevice: dev };
    assert.equal(hwInputArgs(qsv, true)[1], `vaapi=va:${dev}`);
  });

  it('defaults to /dev/dri/renderD128, QSV direct and NVENC simple', () => {
    assert.equal(hwInputArgs(enc('vaapi'), false)[1], 'vaapi=va:/dev/dri/renderD128');
    assert.equal(
      hwInputArgs(enc('qsv'), false).join(' '),
      '-init_hw_device qsv=qsv -filter_hw_device qsv -hwaccel qsv -hwaccel_output_format qsv',
    );
    assert.equal(
      hwInputArgs(enc('nvenc'), false).join(' '),
      '-hwaccel cuda -hwaccel_output_format cuda',
    );
    assert.deepEqual(hwInputArgs(enc('nvenc'), true), []);
  });
});
