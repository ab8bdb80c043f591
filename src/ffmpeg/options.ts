/** Inputs of the transcode argument builder (args.ts, filters.ts, color.ts, quality.ts). */

import type { EncoderInfo } from './encoders.js';

export type TonemapAlgorithm =
  | 'hable'
  | 'bt2390'
  | 'reinhard'
  | 'mobius'
  | 'clip'
  | 'linear'
  | 'gamma';

export interface TonemapOptions {
  algorithm: TonemapAlgorithm;
}

/** What the probe said about the source; field names are the job's (jobs-api.md). */
export interface TranscodeSource {
  height?: number | undefined;
  /** Container bitrate in bits per second (VideoToolbox targets a fraction of it). */
  bitrate?: number | undefined;
  is_hdr?: boolean | undefined;
  color_transfer?: string | undefined;
  color_primaries?: string | undefined;
  color_space?: string | undefined;
  bit_depth?: number | undefined;
}

export interface SubtitleStream {
  /** Absolute stream index in the input. */
  index: number;
  codec: string;
}

export interface StreamSelection {
  /** Subtitle streams from the subtitle probe; null when that probe failed. */
  subtitles: readonly SubtitleStream[] | null;
  /** Absolute indices of attachment streams (fonts for ASS subtitles). */
  attachments: readonly number[];
  /** Absolute index of the first video stream that is not cover art; `0:v:0` when absent. */
  firstVideoIndex?: number | undefined;
}

export interface TranscodeArgsOptions {
  input: string;
  /** The temp file ffmpeg writes. */
  output: string;
  encoder: EncoderInfo;
  /** Downscale target height; 0 = keep the size. */
  maxHeight: number;
  source: TranscodeSource;
  /** CRF/CQ/QP override (config or SmartShrink); 0 = the encoder's default. */
  quality: number;
  /** VideoToolbox bitrate modifier (SmartShrink); 0 = none. */
  qualityMod: number;
  /** Decode on the CPU (§5.12 triggers or a retry); tonemapping forces it regardless. */
  softwareDecode: boolean;
  /** Tonemap HDR sources to SDR; ignored for SDR sources. null = keep HDR (passthrough, D14). */
  tonemap: TonemapOptions | null;
  outputFormat: 'mkv' | 'mp4';
  streams: StreamSelection;
}
