import { opendir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isCandidateVideo, isHidden } from './files.js';
import { isInside } from './roots.js';

/**
 * Expands validated real paths into candidate video files, in request order then name order, each
 * real path once (D4). Hidden entries, our temp files and `.old` backups are skipped; symlinked
 * folders are not followed; a symlinked file counts only if its target is inside a media root.
 */
export async function discoverFiles(paths: readonly string[], roots: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
  const addFile = (path: string) => {
    if (!seen.has(path)) {
      seen.add(path);
      out.push(path);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) await walk(path, realRoots, addFile, signal);
    else if (info.isFile()) addFile(path);
  }
  return out;
}

async function walk(dir: string, roots: readonly string[], add: (path: string) => void, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  let entries: { name: string; isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }[];
  try {
    const handle = await opendir(dir);
    entries = [];
    for await (const entry of handle) entries.push(entry);
  } catch {
    return; // unreadable folder: nothing to queue from it (logged by the caller as zero files)
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (isHidden(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, roots, add, signal);
    else if (entry.isFile() && isCandidateVideo(path)) add(path);
    else if (entry.isSymbolicLink() && isCandidateVideo(path)) {
      const target = await realpath(path).catch(() => undefined);
      const info = target ? await stat(target).catch(() => undefined) : undefined;
      if (target && info?.isFile() && roots.some((root) => isInside(root, target))) add(target);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` at once, keeping results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
