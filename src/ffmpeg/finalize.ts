import { constants, type Stats } from 'node:fs';
import { copyFile, link, open, rename, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { uniqueHex } from '../jobs/tempfiles.js';
import { shortName } from '../media/files.js';

export type OriginalHandling = 'replace' | 'keep';

/** `<folder>/<name without extension>.<mkv|mp4>` */
export function finalPathFor(input: string, format: 'mkv' | 'mp4'): string {
  return join(dirname(input), `${basename(input, extname(input))}.${format}`);
}

/** Hidden staging name in the destination folder; discovery skips it and startup removes leftovers. */
export function stagingPathFor(finalPath: string, tag: string): string {
  const ext = extname(finalPath).slice(1);
  return join(dirname(finalPath), `.${shortName(basename(finalPath, extname(finalPath)))}.${uniqueHex(tag)}.shrinkray.part.${ext}`);
}

async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const statOf = (path: string): Promise<Stats | undefined> => stat(path).catch(() => undefined);
const sameFile = (a: Stats | undefined, b: Stats | undefined): boolean => a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/** The destination name belongs to another file: the job fails, nothing was changed (D22). */
export class DestinationTakenError extends Error {
  constructor(finalPath: string) {
    super(`${basename(finalPath)} already exists in the folder and is another file (two sources with the same name?); nothing was changed and the original is untouched`);
    this.name = 'DestinationTakenError';
  }
}

/**
 * Where the new name would collide with another file. Compared by identity, not by name: on a
 * case-insensitive share `Movie.MKV` and `Movie.mkv` are one file, the original itself.
 */
export async function destinationProblem(input: string, format: 'mkv' | 'mp4'): Promise<string | undefined> {
  const finalPath = finalPathFor(input, format);
  if (finalPath === input) return undefined;
  const [there, original] = await Promise.all([statOf(finalPath), statOf(input)]);
  if (!there || sameFile(there, original)) return undefined;
  return new DestinationTakenError(finalPath).message;
}

/** What is written to the database before the swap, so a restart knows whether it happened (D19). */
export interface FinalizeIntent {
  input: string;
  final: string;
  staging: string;
  /** The staged file's identity: after the swap, the final name points at it. */
  dev: number;
  ino: number;
  size: number;
  /** The final name is the original's own (same name, or the same file on a case-insensitive share). */
  replacesInput: boolean;
  /** The original's identity, so a restart only ever removes that very file. */
  inputDev: number;
  inputIno: number;
  backup?: string;
  /** The backup is a copy (no hard links on that filesystem), not the original's own inode. */
  backupCopied?: boolean;
}

export interface FinalizeResult {
  outputPath: string;
  size: number;
  /** Something after the swap went wrong (the original could not be removed): the job is still done. */
  warning?: string;
}

/** `<file>.old`, `<file>.old.1`…: calls `take` with each name until it does not find the name taken. */
async function claimBackupName(input: string, take: (name: string) => Promise<void>): Promise<string> {
  for (let n = 0; n < 1000; n++) {
    const name = n === 0 ? `${input}.old` : `${input}.old.${n}`;
    try {
      await take(name);
      return name;
    } catch (error) {
      if (code(error) !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free backup name for ${basename(input)}`);
}

/**
 * `keep`: the original stays reachable as `<file>.old` before anything replaces it. A hard link is
 * instant and exclusive (never replaces an earlier `.old`, which may be the true original of an
 * earlier transcode). Without hard links (exFAT, some shares) a full copy is written under a hidden
 * staging name, fsynced, and only then given a free `.old` name, so no partial `.old` ever exists.
 */
async function makeBackup(input: string, tag: string): Promise<{ backup: string; copied: boolean }> {
  try {
    return { backup: await claimBackupName(input, (name) => link(input, name)), copied: false };
  } catch (error) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK', 'ENOSYS'].includes(code(error) ?? '')) throw error;
  }
  const staged = stagingPathFor(`${input}.old`, tag);
  await copyFile(input, staged, constants.COPYFILE_EXCL);
  try {
    await fsyncPath(staged, 'r+');
    const backup = await claimBackupName(input, async (name) => {
      if (await statOf(name)) throw Object.assign(new Error('taken'), { code: 'EEXIST' });
      await rename(staged, name);
    });
    return { backup, copied: true };
  } catch (error) {
    await unlink(staged).catch(() => undefined);
    throw error;
  }
}

/**
 * Publishes the staged file under the final name. A different name is claimed exclusively with
 * `link()` (fails if anything took the name, never a rename over a name that was only checked,
 * D22); the original's own name is replaced atomically by `rename()`.
 */
async function publish(staging: string, finalPath: string, replacesInput: boolean): Promise<void> {
  if (replacesInput) {
    await rename(staging, finalPath);
    return;
  }
  try {
    await link(staging, finalPath);
  } catch (error) {
    if (code(error) === 'EEXIST') throw new DestinationTakenError(finalPath);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(error) ?? '')) throw error;
    // No hard links on this filesystem: the destination check is repeated right before the rename.
    // Jobs with the same destination never run at once (the pool), so only another program could
    // take the name in between.
    if (await statOf(finalPath)) throw new DestinationTakenError(finalPath);
    await rename(staging, finalPath);
    return;
  }
  await unlink(staging).catch(() => undefined);
}

/**
 * D11: the verified temp file is moved (or copied, across filesystems) into the destination folder
 * under a hidden name, fsynced, given the original's mtime and published under the final name; the
 * intent is on disk before that (D19). Only then is the original removed (`replace`) or kept as
 * `<file>.old` (`keep`). On any error before the publish the original is untouched and the staged
 * copy is removed; an error after it is a warning, not a failure: the new file is in place.
 */
export async function finalizeOutput(o: {
  input: string;
  temp: string;
  format: 'mkv' | 'mp4';
  handling: OriginalHandling;
  /** This instance's tag for the staging names (D20). */
  tag: string;
  /** Persists the intent; resolves once it is on disk. */
  recordIntent?: (intent: FinalizeIntent) => Promise<void>;
}): Promise<FinalizeResult> {
  const finalPath = finalPathFor(o.input, o.format);
  const original = await stat(o.input);
  const there = await statOf(finalPath);
  const replacesInput = finalPath === o.input || sameFile(there, original);
  if (there && !replacesInput) throw new DestinationTakenError(finalPath);
  const staging = stagingPathFor(finalPath, o.tag);
  let backup: { backup: string; copied: boolean } | undefined;
  try {
    try {
      await rename(o.temp, staging);
    } catch (error) {
      if (code(error) !== 'EXDEV') throw error;
      await copyFile(o.temp, staging, constants.COPYFILE_EXCL);
    }
    await utimes(staging, original.atime, original.mtime);
    await fsyncPath(staging, 'r+');
    const staged = await stat(staging);
    if (o.handling === 'keep') backup = await makeBackup(o.input, o.tag);
    await o.recordIntent?.({
      input: o.input,
      final: finalPath,
      staging,
      dev: staged.dev,
      ino: staged.ino,
      size: staged.size,
      replacesInput,
      inputDev: original.dev,
      inputIno: original.ino,
      ...(backup ? { backup: backup.backup, backupCopied: backup.copied } : {}),
    });
    await publish(staging, finalPath, replacesInput);
  } catch (error) {
    await unlink(staging).catch(() => undefined);
    if (backup) await unlink(backup.backup).catch(() => undefined);
    if (error instanceof DestinationTakenError) throw error;
    const why = code(error) === 'ENOSPC' || code(error) === 'EDQUOT' ? `the disk holding ${dirname(finalPath)} is full` : (error as Error).message;
    throw new Error(`failed to finalize: ${why}; the original is untouched`, { cause: error });
  }
  const warning = await afterPublish({ input: o.input, final: finalPath, replacesInput, inputDev: original.dev, inputIno: original.ino });
  await unlink(o.temp).catch(() => undefined);
  const { size } = await stat(finalPath);
  return { outputPath: finalPath, size, ...(warning ? { warning } : {}) };
}

/**
 * After the new file is in place: the original (a different name) goes, its folder is synced.
 * Shared with crash recovery. Only the very file that was transcoded is ever removed.
 */
async function afterPublish(i: Pick<FinalizeIntent, 'input' | 'final' | 'replacesInput' | 'inputDev' | 'inputIno'>): Promise<string | undefined> {
  let warning: string | undefined;
  if (!i.replacesInput) {
    const now = await statOf(i.input);
    if (now && now.dev === i.inputDev && now.ino === i.inputIno) {
      await unlink(i.input).catch((error: Error) => {
        warning = `the new file is in place, but the original could not be removed (${code(error) ?? error.message}): remove ${basename(i.input)} by hand`;
      });
    }
  }
  await fsyncPath(dirname(i.final)).catch(() => undefined);
  return warning;
}

/**
 * D19, at startup for a job that was finalizing when the service died: if the final name points at
 * the staged file the swap happened, and the rest is finished here (the job is complete); if not,
 * nothing was replaced, and what the attempt made (staging, a backup of the still-present original)
 * is removed, so the job runs again from a clean state.
 */
export async function recoverFinalize(intent: FinalizeIntent): Promise<{ done: true; outputPath: string; size: number; warning?: string } | { done: false }> {
  const final = await statOf(intent.final);
  if (final && final.dev === intent.dev && final.ino === intent.ino) {
    await unlink(intent.staging).catch(() => undefined);
    const warning = await afterPublish(intent);
    return { done: true, outputPath: intent.final, size: final.size, ...(warning ? { warning } : {}) };
  }
  await unlink(intent.staging).catch(() => undefined);
  if (intent.backup) {
    const [input, backup] = await Promise.all([statOf(intent.input), statOf(intent.backup)]);
    const inputIntact = input !== undefined && input.dev === intent.inputDev && input.ino === intent.inputIno;
    // A linked backup is the original's own inode; a copied one was made from it. Either way the
    // original is still there, so the backup is only ours to remove.
    const ours = intent.backupCopied ? backup !== undefined && backup.size === input?.size : sameFile(backup, input);
    if (inputIntact && ours) await unlink(intent.backup).catch(() => undefined);
  }
  return { done: false };
}
