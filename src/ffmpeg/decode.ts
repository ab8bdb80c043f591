/** Which sources a hardware encoder's own decoder is known to choke on (upstream-behaviour §5.12). */

import type { Accel } from '../jobs/types.js';

export interface DecodeSource {
  video_codec?: string | undefined;
  bit_depth?: number | undefined;
  profile?: string | undefined;
}

/** Codecs each GPU family cannot decode, so trying would only cost a failed attempt. */
const NO_HW_DECODE: Record<Accel, readonly string[]> = {
  none: [],
  nvenc: ['vc1'],
  qsv: ['vc1', 'wmv3'],
  vaapi: ['vc1', 'wmv3'],
  videotoolbox: [],
};

/**
 * True when the job should start with software decode instead of trying the GPU decoder.
 * Tonemapping also forces software decode, but the argument builder handles that itself.
 */
export function requiresSoftwareDecode(encoder: Accel, source: DecodeSource): boolean {
  if (encoder === 'none') return false;
  const codec = (source.video_codec ?? '').trim().toLowerCase();
  const bitDepth = source.bit_depth ?? 0;

  // 10-bit H.264 (High 10 / 4:2:2) has no decoder on most GPUs; NVENC still tries because
  // RTX 50 cards can decode it.
  if ((codec === 'h264' || codec === 'avc') && bitDepth >= 10 && encoder !== 'nvenc') return true;
  if (NO_HW_DECODE[encoder].includes(codec)) return true;

  // Quick Sync decodes MPEG-4 Part 2 Simple Profile only; Advanced Simple (DivX/Xvid) fails.
  if (encoder === 'qsv' && codec === 'mpeg4') {
    const profile = (source.profile ?? '').trim().toLowerCase();
    return !profile.startsWith('simple');
  }
  return false;
}
