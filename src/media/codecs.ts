/** Codec names ffprobe (and older tools) use for the two target codecs (upstream-behaviour §5.1). */
const HEVC = new Set(['hevc', 'h265', 'x265']);
const AV1 = new Set(['av1', 'libaom-av1', 'libsvtav1']);

export const isHevc = (codec: string | undefined): boolean => HEVC.has((codec ?? '').toLowerCase());
export const isAv1 = (codec: string | undefined): boolean => AV1.has((codec ?? '').toLowerCase());
