/** Pure parsing of `ffprobe -print_format json -show_format -show_streams` (upstream-behaviour §5.1). */

export interface ProbeStream {
  index: number;
  codec: string;
}

export interface ProbeResult {
  size: number;
  duration_ms: number;
  bitrate: number;
  format: string;
  /** Absent when the file has no video stream (other than cover art). */
  video?: {
    index: number;
    codec: string;
    width: number;
    height: number;
    frame_rate: number;
    profile: string;
    pix_fmt: string;
    bit_depth: number;
    is_hdr: boolean;
    color_transfer: string;
    color_primaries: string;
    color_space: string;
  };
  audio: ProbeStream[];
  subtitles: ProbeStream[];
  attachments: ProbeStream[];
  /** Video streams flagged attached_pic (cover art): never the stream we encode. */
  coverArt: ProbeStream[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
};

export function parseFrameRate(value: string): number {
  if (!value) return 0;
  const [n, d] = value.split('/');
  if (d === undefined) return num(n);
  const den = num(d);
  return den === 0 ? 0 : Math.round((num(n) / den) * 1000) / 1000;
}

export function bitDepth(bitsPerRawSample: string, pixFmt: string): number {
  const raw = Number.parseInt(bitsPerRawSample, 10);
  if (Number.isFinite(raw) && raw > 0) return raw;
  const f = pixFmt.toLowerCase();
  if (/(10le|10be|p010)/.test(f)) return 10;
  if (/(12le|12be)/.test(f)) return 12;
  return 8;
}

/** HDR10 (PQ) and HLG by transfer; an untagged 10-bit BT.2020 stream counts as HDR too. */
export function isHdr(transfer: string, primaries: string, depth: number): boolean {
  const t = transfer.toLowerCase();
  if (t === 'smpte2084' || t === 'arib-std-b67') return true;
  return t === '' && depth >= 10 && primaries.toLowerCase() === 'bt2020';
}

export function parseProbe(json: unknown): ProbeResult {
  if (!json || typeof json !== 'object') throw new Error('ffprobe returned no JSON object');
  const root = json as Json;
  const format = (root.format ?? {}) as Json;
  const streams = (Array.isArray(root.streams) ? root.streams : []) as Json[];
  const result: ProbeResult = {
    size: num(format.size),
    duration_ms: Math.round(num(format.duration) * 1000),
    bitrate: Math.round(num(format.bit_rate)),
    format: str(format.format_name),
    audio: [],
    subtitles: [],
    attachments: [],
    coverArt: [],
  };
  for (const s of streams) {
    const type = str(s.codec_type);
    const entry = { index: num(s.index), codec: str(s.codec_name) };
    const disposition = (s.disposition ?? {}) as Json;
    if (type === 'video' && num(disposition.attached_pic) === 1) result.coverArt.push(entry);
    else if (type === 'video' && !result.video) {
      const pixFmt = str(s.pix_fmt);
      const depth = bitDepth(str(s.bits_per_raw_sample), pixFmt);
      const transfer = str(s.color_transfer);
      const primaries = str(s.color_primaries);
      result.video = {
        index: entry.index,
        codec: entry.codec,
        width: num(s.width),
        height: num(s.height),
        frame_rate: parseFrameRate(str(s.r_frame_rate)) || parseFrameRate(str(s.avg_frame_rate)),
        profile: str(s.profile),
        pix_fmt: pixFmt,
        bit_depth: depth,
        is_hdr: isHdr(transfer, primaries, depth),
        color_transfer: transfer,
        color_primaries: primaries,
        color_space: str(s.color_space),
      };
      if (result.duration_ms === 0) result.duration_ms = Math.round(num(s.duration) * 1000);
    } else if (type === 'audio') result.audio.push(entry);
    else if (type === 'subtitle') result.subtitles.push(entry);
    else if (type === 'attachment') result.attachments.push(entry);
  }
  return result;
}
