import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

/** True when `path` is `root` or inside it. Both must be absolute and normalised. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export type ResolvedPath = { ok: true; path: string } | { ok: false; reason: string };

/**
 * The one path check (D17): the real path (symlinks resolved, so none can escape) must lie inside
 * one of the real media roots, and exist.
 */
export async function resolveInsideRoots(input: string, roots: readonly string[]): Promise<ResolvedPath> {
  if (!isAbsolute(input)) return { ok: false, reason: 'path must be absolute' };
  if (input.includes('\0')) return { ok: false, reason: 'path contains a NUL byte' };
  let real: string;
  try {
    real = await realpath(input);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' || code === 'ENOTDIR' ? 'path does not exist' : `cannot read path (${code})` };
  }
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
  if (!realRoots.some((root) => isInside(root, real))) return { ok: false, reason: 'path is outside the media folders' };
  return { ok: true, path: real };
}
