import { html, svg } from 'lit';
import { bytes, duration, resolution, viewHref } from '../lib/format.js';
import type { CountsState, VideoInfo } from '../lib/types.js';

/** Pieces of the browse view: links, icons and the one-line descriptions of folders and files. */

export const VIDEO = /\.(mkv|mp4|m4v|avi|mov|wmv|ts|m2ts|mts|webm|flv|mpg|mpeg|vob|3gp|ogv)$/i;
export const hashFor = (path: string) => viewHref(path ? `#browse?path=${encodeURIComponent(path)}` : '#browse');

export function countsText(e: { file_count: number; total_size: number; counts_state?: CountsState | undefined; counts_error?: string | undefined }): string {
  const known = `${e.file_count} video${e.file_count === 1 ? '' : 's'} · ${bytes(e.total_size)}`;
  switch (e.counts_state) {
    case 'unknown':
      return 'counting…';
    case 'stale':
      return `${known} (updating…)`;
    case 'error':
      return `${known} (count failed${e.counts_error ? `: ${e.counts_error}` : ''})`;
    default:
      return known;
  }
}

export function videoText(v: VideoInfo | undefined, size: number): string {
  if (!v) return bytes(size);
  return [v.video_codec, resolution(v.width, v.height), v.bit_depth >= 10 ? `${v.bit_depth}-bit` : '', v.is_hdr ? 'HDR' : '', bytes(size), duration(v.duration_ms)]
    .filter(Boolean)
    .join(' · ');
}

/** Line icons drawn here: no icon font or emoji font is needed (offline, any system). */
const ICONS = {
  folder: svg`<path d="M2 5.5A1.5 1.5 0 0 1 3.5 4h4l2 2h7A1.5 1.5 0 0 1 18 7.5v8a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 2 15.5z"/>`,
  video: svg`<rect x="2" y="4" width="16" height="12" rx="1.5"/><path d="M8 7.5v5l4.5-2.5z"/>`,
  file: svg`<path d="M5 2.5h7l3.5 3.5v11.5h-10.5z M12 2.5v3.5h3.5"/>`,
};
export const icon = (kind: keyof typeof ICONS) => html`<svg class="icon" viewBox="0 0 20 20" aria-hidden="true">${ICONS[kind]}</svg>`;
