import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isInside, resolveInsideRoots } from '../media/roots.js';

export type BrowsePath =
  | { ok: true; path: string; isRoot: boolean }
  | { ok: false; status: 400 | 403 | 404; message: string };

const OUTSIDE = 'path is outside the media folders';
const fail = (status: 400 | 403 | 404, message: string): BrowsePath => ({ ok: false, status, message });

/**
 * The browse path check: the shared one (resolveInsideRoots, D17) plus answers that give nothing
 * away. `..` is applied to the text first; a path outside the roots is refused before the disk is
 * touched, and a missing path reached through a symlink that leaves the roots is refused the same
 * way, so a 404 never confirms what exists elsewhere.
 */
export async function resolveBrowsePath(input: string, roots: readonly string[]): Promise<BrowsePath> {
  if (input.includes('\0')) return fail(400, 'path contains a NUL byte');
  if (!isAbsolute(input)) return fail(400, 'path must be absolute');
  const lexical = resolve(input);
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
  const under = (path: string, list: readonly string[]) => list.some((root) => isInside(root, path));
  if (!under(lexical, roots) && !under(lexical, realRoots)) return fail(403, OUTSIDE);
  const checked = await resolveInsideRoots(lexical, roots);
  if (checked.ok) return { ok: true, path: checked.path, isRoot: realRoots.includes(checked.path) };
  if (checked.reason === 'path does not exist') {
    const prefix = await existingRealPrefix(lexical);
    if (prefix !== undefined && !under(prefix, realRoots)) return fail(403, OUTSIDE);
    return fail(404, 'path does not exist');
  }
  if (checked.reason === OUTSIDE) return fail(403, OUTSIDE);
  return fail(400, checked.reason);
}

/** The real path of the nearest folder above `path` that exists. */
async function existingRealPrefix(path: string): Promise<string | undefined> {
  for (let p = dirname(path); ; p = dirname(p)) {
    const real = await realpath(p).catch(() => undefined);
    if (real !== undefined) return real;
    if (dirname(p) === p) return undefined;
  }
}
