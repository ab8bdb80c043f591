/** The `<quality flag> <value>` pair (upstream-behaviour §5.8 step 3). */

import type { EncoderSpec } from './encoders.js';

/** VideoToolbox targets never go below or above these, whatever the source bitrate (kbps). */
const VT_MIN_KBPS = 500;
const VT_MAX_KBPS = 15000;
/** Reference when the probe found no bitrate. */
const VT_FALLBACK_KBPS = 10000;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * The VideoToolbox bitrate modifier: SmartShrink's own modifier, else one derived from a CRF
 * override (lower CRF = better = more bits), else the table default; always within range.
 */
export function videoToolboxModifier(
  spec: EncoderSpec,
  quality: number,
  qualityMod: number,
): number {
  let modifier = spec.defaultQuality;
  if (qualityMod > 0) modifier = qualityMod;
  else if (quality > 0) modifier = clamp(0.8 - 0.02 * quality, 0.05, 0.8);
  return clamp(modifier, spec.qualityRange.min, spec.qualityRange.max);
}

/** `-b:v` value for VideoToolbox, e.g. `1810k`; truncation matches upstream's integer maths. */
export function videoToolboxBitrate(
  spec: EncoderSpec,
  sourceBitrate: number | undefined,
  quality: number,
  qualityMod: number,
): string {
  const bps = sourceBitrate ?? 0;
  const refKbps = bps > 0 ? Math.trunc(bps / 1000) : VT_FALLBACK_KBPS;
  const modifier = videoToolboxModifier(spec, quality, qualityMod);
  const target = clamp(Math.trunc(refKbps * modifier), VT_MIN_KBPS, VT_MAX_KBPS);
  return `${target}k`;
}

/**
 * Quality flag and value. The same override number is used as CRF, CQ, global_quality or QP
 * whatever the encoder (upstream does the same); 0 means the encoder's default.
 */
export function qualityArgs(
  spec: EncoderSpec,
  sourceBitrate: number | undefined,
  quality: number,
  qualityMod: number,
): [string, string] {
  if (spec.qualityFlag === '-b:v') {
    return [spec.qualityFlag, videoToolboxBitrate(spec, sourceBitrate, quality, qualityMod)];
  }
  const value = quality > 0 ? quality : spec.defaultQuality;
  return [spec.qualityFlag, String(value)];
}
