import type { Codec } from '../jobs/types.js';

export interface PresetBase {
  id: string;
  name: string;
  description: string;
  codec: Codec;
  max_height: number;
  is_smart_shrink: boolean;
}

/** Upstream-behaviour §5.3, in its order. */
export const PRESETS: readonly PresetBase[] = [
  { id: 'compress-hevc', name: 'Compress (HEVC)', description: 'Reduce size with HEVC encoding', codec: 'hevc', max_height: 0, is_smart_shrink: false },
  { id: 'compress-av1', name: 'Compress (AV1)', description: 'Maximum compression with AV1 encoding', codec: 'av1', max_height: 0, is_smart_shrink: false },
  { id: '1080p', name: 'Downscale to 1080p', description: 'Downscale to 1080p max (HEVC)', codec: 'hevc', max_height: 1080, is_smart_shrink: false },
  { id: '720p', name: 'Downscale to 720p', description: 'Downscale to 720p (big savings)', codec: 'hevc', max_height: 720, is_smart_shrink: false },
  { id: 'smartshrink-hevc', name: 'SmartShrink (HEVC)', description: 'Auto-optimize with VMAF analysis', codec: 'hevc', max_height: 0, is_smart_shrink: true },
  { id: 'smartshrink-av1', name: 'SmartShrink (AV1)', description: 'Auto-optimize with VMAF analysis', codec: 'av1', max_height: 0, is_smart_shrink: true },
];

export const presetBase = (id: string): PresetBase | undefined => PRESETS.find((p) => p.id === id);
