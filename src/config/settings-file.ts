import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

export const SETTINGS_FILE = 'settings.yaml';
export const settingsPath = (dataDir: string): string => join(dataDir, SETTINGS_FILE);

/** Reads the settings file; a missing file is an empty object. A broken file is an error. */
export async function readSettingsFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const value: unknown = parse(text);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${path}: expected a mapping of setting names to values`);
  }
  return value as Record<string, unknown>;
}

/** Written to a temporary name and renamed, so a crash never leaves half a file. */
export async function writeSettingsFile(path: string, values: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const header = '# Shrinkray settings. Values given by flags, environment or add-on options are not stored here.\n';
  await writeFile(tmp, header + stringify(values), 'utf8');
  await rename(tmp, path);
}
