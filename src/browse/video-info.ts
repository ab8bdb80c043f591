import { isAv1, isHevc } from '../media/codecs.js';
import type { ProbeResult } from '../media/probe-parse.js';

/** `video_info` of a browse entry: upstream's probe fields (§9), plus our HDR details. */
export interface VideoInfo {
  path: string;
  size: number;
  /** Nanoseconds, as upstream's Go `time.Duration` serialises. */
  duration: number;
  duration_ms: number;
  format: string;
  video_codec: string;
  audio_codec: string;
  width: number;
  height: number;
  bitrate: number;
  frame_rate: number;
  is_hevc: boolean;
  is_av1: boolean;
  profile: string;
  pix_fmt: string;
  bit_depth: number;
  is_hdr: boolean;
  color_transfer: string;
  color_primaries: string;
  color_space: string;
}


export function toVideoInfo(path: string, probe: ProbeResult): VideoInfo {
  const v = probe.video;
  const codec = (v?.codec ?? '').toLowerCase();
  return {
    path,
    size: probe.size,
    duration: Math.round(probe.duration_ms * 1e6),
    duration_ms: probe.duration_ms,
    format: probe.format,
    video_codec: v?.codec ?? '',
    audio_codec: probe.audio[0]?.codec ?? '',
    width: v?.width ?? 0,
    height: v?.height ?? 0,
    bitrate: probe.bitrate,
    frame_rate: v?.frame_rate ?? 0,
    is_hevc: isHevc(codec),
    is_av1: isAv1(codec),
    profile: v?.profile ?? '',
    pix_fmt: v?.pix_fmt ?? '',
    bit_depth: v?.bit_depth ?? 0,
    is_hdr: v?.is_hdr ?? false,
    color_transfer: v?.color_transfer ?? '',
    color_primaries: v?.color_primaries ?? '',
    color_space: v?.color_space ?? '',
  };
}
