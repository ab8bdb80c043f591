/** Shared inputs for the argument-builder tests. */
import { buildTranscodeArgs, type TranscodeArgsOptions, type TranscodeSource } from '../../../src/ffmpeg/args.js';
import type { EncoderInfo } from '../../../src/ffmpeg/encoders.js';

export const SW_HEVC: EncoderInfo = {
  accel: 'none',
  codec: 'hevc',
  encoder: 'libx265',
  description: 'Software HEVC (libx265)',
};

/** An encoder of an accel family; the builder takes the ffmpeg name from its table. */
export const enc = (accel: EncoderInfo['accel'], codec: EncoderInfo['codec'] = 'hevc'): EncoderInfo => ({
  accel,
  codec,
  encoder: 'x',
  description: 'x',
});

export const HDR10: TranscodeSource = {
  height: 2160,
  is_hdr: true,
  color_transfer: 'smpte2084',
  color_primaries: 'bt2020',
  color_space: 'bt2020nc',
  bit_depth: 10,
};

export function opts(over: Partial<TranscodeArgsOptions> = {}): TranscodeArgsOptions {
  return {
    input: '/media/in.mkv',
    output: '/tmp/out.tmp.mkv',
    encoder: SW_HEVC,
    maxHeight: 0,
    source: { height: 1080 },
    quality: 0,
    qualityMod: 0,
    softwareDecode: false,
    tonemap: null,
    outputFormat: 'mkv',
    streams: { subtitles: [], attachments: [] },
    ...over,
  };
}

export const line = (over: Partial<TranscodeArgsOptions> = {}): string => buildTranscodeArgs(opts(over)).join(' ');
