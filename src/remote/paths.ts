/**
 * Path maps between the coordinator's folders and a worker's mount of them
 * (`--path-map /media=/mnt/nas/media`). Pure. Prefixes match whole path components, the longest
 * first; a path outside every map has no translation, and such a job is never given to the worker.
 */
import type { PathMapWire } from './protocol.js';

export type PathMap = PathMapWire;

const trimEnd = (p: string): string => (p.length > 1 ? p.replace(/[\\/]+$/, '') : p);
/** A Windows worker's prefix (`Z:\media`) joins with backslashes. */
const sepOf = (prefix: string): string => (prefix.includes('\\') && !prefix.includes('/') ? '\\' : '/');

/** `coordinator=worker`; both sides absolute. Throws a readable error otherwise. */
export function parsePathMap(text: string): PathMap {
  const at = text.indexOf('=');
  if (at <= 0 || at === text.length - 1) throw new Error(`path map "${text}" must look like /media=/mnt/nas/media (coordinator folder = this machine's folder)`);
  const coordinator = trimEnd(text.slice(0, at).trim());
  const worker = trimEnd(text.slice(at + 1).trim());
  if (!coordinator.startsWith('/')) throw new Error(`path map "${text}": the coordinator's side must be an absolute path`);
  if (!worker.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(worker) && !worker.startsWith('\\\\')) throw new Error(`path map "${text}": this machine's side must be an absolute path`);
  return { coordinator, worker };
}

function rest(path: string, prefix: string, seps: RegExp): string | undefined {
  if (path === prefix) return '';
  if (!path.startsWith(prefix)) return undefined;
  const tail = path.slice(prefix.length);
  if (prefix === '/' ) return tail;
  return seps.test(tail[0] ?? '') ? tail.slice(1) : undefined;
}

function translate(path: string, maps: readonly PathMap[], from: 'coordinator' | 'worker'): string | undefined {
  const to = from === 'coordinator' ? 'worker' : 'coordinator';
  const sorted = [...maps].sort((a, b) => b[from].length - a[from].length);
  for (const map of sorted) {
    const fromSeps = from === 'worker' ? /[\\/]/ : /\//;
    const tail = rest(path, map[from], fromSeps);
    if (tail === undefined) continue;
    // `..` could climb out of the mapped folder on the other side.
    const parts = tail === '' ? [] : tail.split(fromSeps);
    if (parts.some((p) => p === '..' || p === '.')) return undefined;
    if (parts.length === 0) return map[to];
    const sep = sepOf(map[to]);
    return `${map[to] === '/' ? '' : map[to]}${sep}${parts.join(sep)}`;
  }
  return undefined;
}

/** The worker's name for a coordinator path, or undefined when the worker cannot see it. */
export const toWorkerPath = (path: string, maps: readonly PathMap[]): string | undefined => translate(path, maps, 'coordinator');

/** The coordinator's name for a worker path, or undefined when it lies outside every map. */
export const toCoordinatorPath = (path: string, maps: readonly PathMap[]): string | undefined => translate(path, maps, 'worker');
