import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface TreeEntry {
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtimeMs: number;
  mode: number;
  /** sha256 of a file's content; a link's target. */
  hash: string;
}

/** Every entry under `root` (symlinks not followed), by path relative to `root`. */
export async function snapshotTree(root: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const walk = async (dir: string): Promise<void> => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (skip(rel)) continue;
      const info = await lstat(path).catch(() => undefined);
      if (!info) continue;
      const base = { size: info.size, mtimeMs: info.mtimeMs, mode: info.mode };
      if (info.isSymbolicLink()) out.set(rel, { type: 'link', ...base, hash: await readlink(path) });
      else if (info.isDirectory()) {
        out.set(rel, { type: 'dir', ...base, size: 0, hash: '' });
        await walk(path);
      } else if (info.isFile()) out.set(rel, { type: 'file', ...base, hash: createHash('sha256').update(await readFile(path)).digest('hex') });
      else out.set(rel, { type: 'other', ...base, hash: '' });
    }
  };
  await walk(root);
  return out;
}

/**
 * What changed between two snapshots, one line each. A folder's mtime is compared too (a file
 * created and removed inside it changes it).
 */
export function diffTrees(before: Map<string, TreeEntry>, after: Map<string, TreeEntry>): string[] {
  const out: string[] = [];
  for (const [rel, a] of before) {
    const b = after.get(rel);
    if (!b) out.push(`removed: ${rel}`);
    else if (a.type !== b.type) out.push(`type changed: ${rel} (${a.type} → ${b.type})`);
    else if (a.size !== b.size || a.hash !== b.hash) out.push(`content changed: ${rel}`);
    else if (a.mtimeMs !== b.mtimeMs) out.push(`mtime changed: ${rel}`);
    else if (a.mode !== b.mode) out.push(`mode changed: ${rel}`);
  }
  for (const rel of after.keys()) if (!before.has(rel)) out.push(`added: ${rel}`);
  return out;
}

/** True when `rel` is `top` or below it. */
export const under = (rel: string, top: string): boolean => rel === top || rel.startsWith(`${top}${sep}`);
