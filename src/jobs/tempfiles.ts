import { randomBytes } from 'node:crypto';
import { readdir, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { shortName, TEMP_FILE_PATTERN } from '../media/files.js';

/** `<name>.<16 hex>.shrinkray.tmp.<mkv|mp4>` in the temp folder (upstream-behaviour §5.9). */
export function tempPathFor(tempDir: string, input: string, format: 'mkv' | 'mp4'): string {
  return join(tempDir, `${shortName(basename(input, extname(input)))}.${randomBytes(8).toString('hex')}.shrinkray.tmp.${format}`);
}

/** Removes files of our own naming pattern left in `dir` by a crash (D9). Returns the names removed. */
export async function removeLeftovers(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ours = names.filter((name) => TEMP_FILE_PATTERN.test(name));
  await Promise.all(ours.map((name) => unlink(join(dir, name)).catch(() => undefined)));
  return ours;
}
