import type { PresetBase } from '../ffmpeg/presets.js';

const HEVC = new Set(['hevc', 'h265', 'x265']);
const AV1 = new Set(['av1', 'libaom-av1', 'libsvtav1']);

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
  const codec = (source.video_codec ?? '').toLowerCase();
  if (preset.codec === 'hevc' && HEVC.has(codec)) return 'File is already encoded in HEVC';
  if (preset.codec === 'av1' && AV1.has(codec)) return 'File is already encoded in AV1';
  return undefined;
}
