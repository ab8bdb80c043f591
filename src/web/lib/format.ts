import { formatBytes } from '../../util/format.js';

/** Binary units, as the service and upstream print them (one definition: src/util/format.ts). */
export const bytes = (n: number | undefined): string => formatBytes(n ?? 0);

export function duration(ms: number | undefined): string {
  if (!ms || ms < 0) return '';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export const basename = (path: string): string => path.slice(path.lastIndexOf('/') + 1) || path;
export const dirname = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};

export function resolution(width?: number, height?: number): string {
  if (!width || !height) return '';
  if (height >= 2000) return '4K';
  if (height >= 1000) return '1080p';
  if (height >= 700) return '720p';
  return `${width}×${height}`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString();
}

/** The percentage saved, e.g. `−42%`; empty when unknown. */
export function savedPercent(input: number, output?: number): string {
  if (!input || output === undefined) return '';
  const p = Math.round((1 - output / input) * 100);
  return p >= 0 ? `−${p}%` : `+${-p}%`;
}

/**
 * A link to a view of this page. With `<base href>` set, a bare `#view` would resolve against the
 * base and reload the page when the address lacks the final slash; the page's own path never does.
 */
export const viewHref = (hash: string): string => `${location.pathname}${location.search}${hash}`;
