import { randomBytes } from 'node:crypto';
import { copyFile, link, open, rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { shortName } from '../media/files.js';

export type OriginalHandling = 'replace' | 'keep';

/** `<folder>/<name without extension>.<mkv|mp4>` */
export function finalPathFor(input: string, format: 'mkv' | 'mp4'): string {
  return join(dirname(input), `${basename(input, extname(input))}.${format}`);
}

/** Hidden staging name in the destination folder; discovery skips it and startup removes leftovers. */
export function stagingPathFor(finalPath: string): string {
  const ext = extname(finalPath).slice(1);
  return join(dirname(finalPath), `.${shortName(basename(finalPath, extname(finalPath)))}.${randomBytes(8).toString('hex')}.shrinkray.part.${ext}`);
}

async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** `<file>.old`, or `<file>.old.1`, `.old.2`… when taken. None of them is ever discovered as a video. */
export async function freeBackupName(input: string): Promise<string> {
  for (let n = 0; ; n++) {
    const name = n === 0 ? `${input}.old` : `${input}.old.${n}`;
    if (!(await exists(name))) return name;
  }
}

/**
 * D11: the verified temp file is moved (or copied, across filesystems) into the destination folder
 * under a hidden name, fsynced, given the original's mtime and renamed into place. Only then is the
 * original removed (`replace`) or kept as `<file>.old` (`keep`). On any error before the final
 * rename the original is untouched and the staged copy is removed.
 */
export async function finalizeOutput(o: {
  input: string;
  temp: string;
  format: 'mkv' | 'mp4';
  handling: OriginalHandling;
}): Promise<{ outputPath: string; size: number }> {
  const finalPath = finalPathFor(o.input, o.format);
  const original = await stat(o.input);
  if (finalPath !== o.input && (await exists(finalPath))) {
    throw new Error(`failed to finalize: ${finalPath} already exists and is not the original; nothing was changed`);
  }
  const staging = stagingPathFor(finalPath);
  try {
    try {
      await rename(o.temp, staging);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await copyFile(o.temp, staging);
    }
    await utimes(staging, original.atime, original.mtime);
    await fsyncPath(staging, 'r+');
    if (o.handling === 'keep') {
      // An existing backup may be the true original of an earlier transcode: never replace it.
      const backup = await freeBackupName(o.input);
      // A hard link keeps the original reachable under both names until the new file is in place.
      await link(o.input, backup).catch(async () => {
        // No hard links here (exFAT, some network shares): a full copy, on disk before the swap.
        await copyFile(o.input, backup);
        await fsyncPath(backup, 'r+');
      });
    }
    await rename(staging, finalPath);
  } catch (error) {
    await unlink(staging).catch(() => undefined);
    throw new Error(`failed to finalize: ${(error as Error).message}; the original is untouched`, { cause: error });
  }
  if (finalPath !== o.input) await unlink(o.input);
  await fsyncPath(dirname(finalPath)).catch(() => undefined);
  await unlink(o.temp).catch(() => undefined);
  const { size } = await stat(finalPath);
  return { outputPath: finalPath, size };
}
