/** The full ffmpeg argv of a transcode (upstream-behaviour §5.8), with our D14 and stream fixes. */

import { colourOutputArgs, dynamicRange } from './color.js';
import { encoderSpec } from './encoders.js';
import { decodesOnCpu, hwInputArgs, videoFilterChain } from './filters.js';
import type { StreamSelection, SubtitleStream, TranscodeArgsOptions } from './options.js';
import { qualityArgs } from './quality.js';

export { hwInputArgs, videoFilterChain } from './filters.js';
export type {
  StreamSelection,
  SubtitleStream,
  TonemapAlgorithm,
  TonemapOptions,
  TranscodeArgsOptions,
  TranscodeSource,
} from './options.js';

/** Subtitle codecs Matroska can take as a stream copy (compared lower-cased and trimmed). */
export const MKV_SUBTITLE_CODECS: ReadonlySet<string> = new Set([
  'subrip',
  'srt',
  'ass',
  'ssa',
  'text',
  'dvd_subtitle',
  'dvb_subtitle',
  'hdmv_pgs_subtitle',
  'hdmv_text_subtitle',
  'arib_caption',
  'webvtt',
]);

const isMkvSubtitle = (codec: string): boolean => MKV_SUBTITLE_CODECS.has(codec.trim().toLowerCase());

export interface SubtitleMapping {
  args: string[];
  /** Codec names of the streams left out, each once, for the caller to log. */
  dropped: string[];
}

/**
 * MKV subtitle args. A failed probe (null) or no subtitles maps `0:s?` (nothing to lose by
 * trying); otherwise only compatible streams, because one mov_text/eia_608 stream would make
 * the Matroska muxer fail the whole transcode.
 */
export function subtitleMapping(subtitles: readonly SubtitleStream[] | null): SubtitleMapping {
  if (subtitles === null || subtitles.length === 0) {
    return { args: ['-map', '0:s?', '-c:s', 'copy'], dropped: [] };
  }
  const args: string[] = [];
  const dropped: string[] = [];
  for (const s of subtitles) {
    const codec = s.codec.trim().toLowerCase();
    if (isMkvSubtitle(codec)) {
      args.push('-map', `0:${s.index}?`);
    } else {
      const name = codec === '' ? 'unknown' : codec;
      if (!dropped.includes(name)) dropped.push(name);
    }
  }
  if (args.length > 0) args.push('-c:s', 'copy');
  return { args, dropped };
}

/** Audio, subtitle and attachment args after the video/audio maps. */
function containerArgs(
  o: Pick<TranscodeArgsOptions, 'outputFormat'> & { streams: StreamSelection },
): SubtitleMapping {
  if (o.outputFormat === 'mp4') {
    // MP4 takes neither PGS/ASS subtitles nor attachments; AAC stereo plays everywhere.
    return {
      args: ['-c:a', 'aac', '-b:a', '192k', '-ac', '2', '-sn', '-movflags', '+faststart'],
      dropped: [],
    };
  }
  const subs = subtitleMapping(o.streams.subtitles);
  const args = ['-c:a', 'copy', ...subs.args];
  // Upstream drops attachments, so styled ASS subtitles lose their fonts; we copy them.
  if (o.streams.attachments.length > 0) {
    for (const index of o.streams.attachments) args.push('-map', `0:${index}`);
    args.push('-c:t', 'copy');
  }
  return { args, dropped: subs.dropped };
}

export interface TranscodeCommand {
  /** argv after the program name. */
  args: string[];
  droppedSubtitleCodecs: string[];
  /** Whether this command decodes on the CPU (tonemapping forces it even when not asked). */
  softwareDecode: boolean;
  /** What the output must hold besides video and audio (D11 checks it); null subtitles = all the source has. */
  expectedStreams: { subtitles: number | null; attachments: number };
}

function expectedStreams(o: TranscodeArgsOptions): TranscodeCommand['expectedStreams'] {
  if (o.outputFormat === 'mp4') return { subtitles: 0, attachments: 0 };
  const subs = o.streams.subtitles;
  return {
    subtitles: subs === null ? null : subs.filter((s) => isMkvSubtitle(s.codec)).length,
    attachments: o.streams.attachments.length,
  };
}

export function buildTranscodeCommand(o: TranscodeArgsOptions): TranscodeCommand {
  const spec = encoderSpec(o.encoder.accel, o.encoder.codec);
  const range = dynamicRange(o.source, o.tonemap);
  const softwareDecode = decodesOnCpu(o);
  const chain = videoFilterChain(o);
  // Cover art (attached_pic) is a video stream too and may come first (upstream issue #40).
  const video =
    o.streams.firstVideoIndex === undefined ? '0:v:0' : `0:${o.streams.firstVideoIndex}`;
  const container = containerArgs(o);

  const args = [
    ...hwInputArgs(o.encoder, softwareDecode),
    '-i',
    o.input,
    '-y',
    '-progress',
    'pipe:1',
    '-nostats',
    ...(chain === null ? [] : ['-vf', chain]),
    '-c:v',
    spec.encoder,
    ...qualityArgs(spec, o.source.bitrate, o.quality, o.qualityMod),
    ...spec.extraArgs,
    ...colourOutputArgs(spec, range, o.source, softwareDecode),
    '-map',
    video,
    '-map',
    '0:a?',
    ...container.args,
    o.output,
  ];
  return { args, droppedSubtitleCodecs: container.dropped, softwareDecode, expectedStreams: expectedStreams(o) };
}

export function buildTranscodeArgs(o: TranscodeArgsOptions): string[] {
  return buildTranscodeCommand(o).args;
}
