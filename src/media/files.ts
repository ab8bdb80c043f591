import { basename, extname } from 'node:path';

/** Upstream-behaviour §3.4. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set([
  '.mkv', '.mp4', '.avi', '.mov', '.wmv', '.flv', '.webm', '.m4v', '.mpeg', '.mpg', '.m2ts', '.ts',
]);

/** Our own temporary files: `<name>.<16 hex>.shrinkray.tmp.<ext>` and staged `.…shrinkray.part.<ext>`. */
export const TEMP_FILE_PATTERN = /\.[0-9a-f]{16}\.shrinkray\.(tmp|part)\.[a-z0-9]+$/;

export const isHidden = (name: string): boolean => name.startsWith('.');

/** A file discovery may queue (D4): a video extension, not hidden, not ours, not a `.old` backup. */
export function isCandidateVideo(path: string): boolean {
  const name = basename(path);
  if (isHidden(name) || TEMP_FILE_PATTERN.test(name)) return false;
  return VIDEO_EXTENSIONS.has(extname(name).toLowerCase());
}

/**
 * A name cut to at most `maxBytes` of UTF-8 without splitting a character, so our temp and staging
 * names (the base plus ~37 bytes) stay under the usual 255-byte limit for long or non-Latin names.
 */
export function shortName(name: string, maxBytes = 180): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  let out = '';
  for (const char of name) {
    if (Buffer.byteLength(out + char) > maxBytes) break;
    out += char;
  }
  return out;
}
