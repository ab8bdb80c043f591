/** HDR handling (upstream-behaviour §5.10 and D14): passthrough tags, tonemap filters, SDR tags. */

import type { EncoderSpec } from './encoders.js';
import type { TonemapAlgorithm, TonemapOptions, TranscodeSource } from './options.js';

/** `tonemap` only when the source is HDR and tonemapping is on; `hdr` is passthrough. */
export type DynamicRange = 'sdr' | 'hdr' | 'tonemap';

export function dynamicRange(
  source: TranscodeSource,
  tonemap: TonemapOptions | null,
): DynamicRange {
  if (source.is_hdr !== true) return 'sdr';
  return tonemap ? 'tonemap' : 'hdr';
}

/** Values ffprobe prints for "not tagged"; they must never be written back as tags. */
const UNSET = new Set(['', 'unknown', 'unspecified', 'reserved', 'reserved0']);

/** A usable colour tag from the probe, lower-cased, or undefined when the source did not say. */
function tag(value: string | undefined): string | undefined {
  const v = (value ?? '').trim().toLowerCase();
  if (UNSET.has(v) || !/^[a-z0-9._-]+$/.test(v)) return undefined;
  return v;
}

export interface HdrColour {
  primaries: string;
  transfer: 'smpte2084' | 'arib-std-b67';
  matrix: string;
}

/**
 * The colour tags an HDR output keeps: the source's own, with BT.2020/PQ for what it left out.
 * The probe only calls an untagged transfer HDR when it is 10-bit BT.2020, and HDR10 (PQ) is
 * by far the likeliest such source.
 */
export function hdrColour(source: TranscodeSource): HdrColour {
  const transfer = tag(source.color_transfer) === 'arib-std-b67' ? 'arib-std-b67' : 'smpte2084';
  return {
    primaries: tag(source.color_primaries) ?? 'bt2020',
    transfer,
    matrix: tag(source.color_space) ?? 'bt2020nc',
  };
}

/**
 * ffmpeg's CPU `tonemap` filter has no bt2390 (only tonemap_opencl/libplacebo and Jellyfin's fork
 * do), so upstream's bt2390 setting fails every job. Mobius is the closest CPU curve: linear up
 * to a knee, then a smooth roll-off, as BT.2390's EETF.
 */
const CPU_TONEMAP: Record<TonemapAlgorithm, string> = {
  hable: 'hable',
  bt2390: 'mobius',
  reinhard: 'reinhard',
  mobius: 'mobius',
  clip: 'clip',
  linear: 'linear',
  gamma: 'gamma',
};

/**
 * The tonemap part of the filter chain (§5.7 path 1). zscale cannot leave an untagged
 * transfer/primaries/matrix ("no path between colorspaces"), so for those only it is told the
 * HDR10 defaults; a fully tagged source gets upstream's chain unchanged.
 */
export function tonemapFilters(tonemap: TonemapOptions, source: TranscodeSource): string[] {
  const assumed: string[] = [];
  if (!tag(source.color_transfer)) assumed.push('tin=smpte2084');
  if (!tag(source.color_primaries)) assumed.push('pin=bt2020');
  if (!tag(source.color_space)) assumed.push('min=bt2020nc');
  return [
    `zscale=${[...assumed, 't=linear', 'npl=100'].join(':')}`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    `tonemap=${CPU_TONEMAP[tonemap.algorithm]}:desat=0:peak=100`,
    'zscale=t=bt709:m=bt709',
    'format=yuv420p',
  ];
}

/** Surface format for GPU filters/uploads: 10-bit only when HDR is kept (D14). */
export function hwPixFmt(range: DynamicRange): 'nv12' | 'p010' {
  return range === 'hdr' ? 'p010' : 'nv12';
}

/**
 * The 10-bit format to ask for when the encoder is fed frames in system memory. Left to
 * ffmpeg, an 8-bit PQ source (it exists) would be encoded 8-bit and a 12-bit one as 12-bit.
 * QSV/VAAPI get p010 from the filter chain, and NVENC's hardware-decode path from scale_cuda;
 * `-pix_fmt` there would try to convert GPU surfaces and fail.
 */
function cpuPixFmt(spec: EncoderSpec, softwareDecode: boolean): string | null {
  if (spec.accel === 'none') return 'yuv420p10le';
  if (spec.accel === 'videotoolbox') return 'p010le';
  if (spec.accel === 'nvenc' && softwareDecode) return 'p010le';
  return null;
}

/** Output args after the encoder's extra args (§5.8 step 5), different from upstream per D14. */
export function colourOutputArgs(
  spec: EncoderSpec,
  range: DynamicRange,
  source: TranscodeSource,
  softwareDecode: boolean,
): string[] {
  // Tonemapped output is 8-bit BT.709; say so instead of leaving the container untagged.
  if (range === 'tonemap') {
    return ['-color_primaries', 'bt709', '-color_trc', 'bt709', '-colorspace', 'bt709'];
  }
  if (range === 'sdr') return [];

  const colour = hdrColour(source);
  const args: string[] = [];
  const pixFmt = cpuPixFmt(spec, softwareDecode);
  if (pixFmt) args.push('-pix_fmt', pixFmt);
  if (spec.codec === 'hevc') args.push('-profile:v', 'main10');
  args.push(
    '-color_primaries',
    colour.primaries,
    '-color_trc',
    colour.transfer,
    '-colorspace',
    colour.matrix,
  );
  // hdr10=1 makes x265 always write the HDR10 SEI: the source's mastering display / light level
  // where ffmpeg (7.0+) hands them over, otherwise zeros, which mean "unknown" and are what
  // x265's docs suggest. repeat-headers repeats SEI and parameter sets on every keyframe so
  // players that join mid-stream or ignore codec private data still see HDR. HLG has no such
  // metadata, so it gets neither.
  if (spec.encoder === 'libx265' && colour.transfer === 'smpte2084') {
    args.push('-x265-params', 'hdr10=1:repeat-headers=1');
  }
  return args;
}
