/**
 * The analysis working folder (samples, encoded samples, scores): one per analysis, inside the temp
 * folder, removed whatever happens (D9). Its name is ours and the instance's, so a restart removes
 * what a killed analysis left and nothing else, and two instances sharing a temp folder never touch
 * each other's folders (D20). The leading dot keeps discovery away when the temp folder sits inside
 * a media folder (D4).
 */

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { killOrphans } from '../util/child.js';

const PREFIX = '.shrinkray-analysis-';

/** Instance tags are used in a file name: keep letters, digits, `_` and `-`. */
const tag = (instance: string): string => instance.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'default';

/** `.shrinkray-analysis-<instance>-<16 hex>` */
export function analysisDirPattern(instance: string): RegExp {
  return new RegExp(`^${PREFIX.replaceAll('.', '\\.')}${tag(instance)}-[0-9a-f]{16}$`);
}

/** Creates a new, private working folder. */
export async function makeWorkDir(tempDir: string, instance: string): Promise<string> {
  await mkdir(tempDir, { recursive: true });
  const dir = join(tempDir, `${PREFIX}${tag(instance)}-${randomBytes(8).toString('hex')}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

export async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Removes this instance's working folders left by a crash or kill (startup, D9), after stopping any
 * encoder or scorer of ours still writing or reading there (D20). Returns the names removed.
 */
export async function removeAnalysisLeftovers(tempDir: string, instance: string): Promise<string[]> {
  const pattern = analysisDirPattern(instance);
  const names = (await readdir(tempDir).catch(() => [] as string[])).filter((name) => pattern.test(name));
  for (const name of names) {
    await killOrphans(join(tempDir, name), () => true);
    await removeWorkDir(join(tempDir, name)).catch(() => undefined);
  }
  return names;
}
