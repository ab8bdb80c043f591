import type { PresetBase } from '../ffmpeg/presets.js';
import { isAv1, isHevc } from '../media/codecs.js';

/** Upstream-behaviour §3.5: why a new job is skipped at creation, or undefined. */
export function skipReason(
  preset: PresetBase,
  source: { video_codec?: string | undefined; height?: number | undefined },
  allowSameCodec: boolean,
): string | undefined {
  const height = source.height ?? 0;
  if (preset.max_height > 0) {
    return height > 0 && height <= preset.max_height ? `File is already ${preset.max_height}p or smaller` : undefined;
  }
  if (allowSameCodec) return undefined;
  const codec = source.video_codec;
  if (preset.codec === 'hevc' && isHevc(codec)) return 'File is already encoded in HEVC';
  if (preset.codec === 'av1' && isAv1(codec)) return 'File is already encoded in AV1';
  return undefined;
}
