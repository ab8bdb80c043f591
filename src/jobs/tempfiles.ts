import { createHash, randomBytes } from 'node:crypto';
import { readdir, unlink } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { shortName, TEMP_FILE_PATTERN } from '../media/files.js';

/**
 * D20: 8 hex digits naming this instance, derived from its data folder, so two instances on one
 * machine (sharing the OS temp folder) never take each other's files for leftovers, while a
 * restart of the same instance still recognises what its crashed run left behind.
 */
export function instanceTag(dataDir: string): string {
  return createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8);
}

/** 16 hex digits: the instance's tag, then 8 random ones. */
export const uniqueHex = (tag: string): string => `${tag}${randomBytes(4).toString('hex')}`;

/** `<name>.<tag + 8 hex>.shrinkray.tmp.<mkv|mp4>` in the temp folder (upstream-behaviour §5.9). */
export function tempPathFor(tempDir: string, input: string, format: 'mkv' | 'mp4', tag: string): string {
  return join(tempDir, `${shortName(basename(input, extname(input)))}.${uniqueHex(tag)}.shrinkray.tmp.${format}`);
}

/** True for a temp or staged file of this instance (our pattern, our tag). */
export function isOurLeftover(name: string, tag: string): boolean {
  const match = TEMP_FILE_PATTERN.exec(name);
  return match !== null && name.slice(match.index + 1, match.index + 9) === tag;
}

/** Removes files of our own naming pattern and tag left in `dir` by a crash (D9, D20). Returns the names removed. */
export async function removeLeftovers(dir: string, tag: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ours = names.filter((name) => isOurLeftover(name, tag));
  await Promise.all(ours.map((name) => unlink(join(dir, name)).catch(() => undefined)));
  return ours;
}
