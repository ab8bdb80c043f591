import { delimiter } from 'node:path';
import { parseArgs } from 'node:util';
import { type SettingKey, type Settings, settingsSchema } from './schema.js';

/** Defaults, used to know each setting's type when coercing strings from the environment and flags. */
const DEFAULTS: Settings = settingsSchema.parse({});
const KEYS = Object.keys(DEFAULTS) as SettingKey[];

/** Short flag / environment names kept for convenience, beside the generic `--log-level` style. */
const ALIASES: Partial<Record<SettingKey, string>> = {
  media_paths: 'media',
  temp_path: 'temp',
  ffmpeg_path: 'ffmpeg',
  ffprobe_path: 'ffprobe',
};

export const flagName = (key: SettingKey): string => (ALIASES[key] ?? key).replaceAll('_', '-');
export const envName = (key: SettingKey): string =>
  `SHRINKRAY_${(ALIASES[key] ?? key).toUpperCase()}`;

export interface CommandLine {
  help: boolean;
  version: boolean;
  dataDir?: string;
  /** The Supervisor's options file (`/data/options.json`) when running as an add-on. */
  addonOptions?: string;
  /** Raw string values per setting; coerced and validated with everything else. */
  values: Partial<Record<SettingKey, string | string[]>>;
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean' },
    data: { type: 'string' },
    'addon-options': { type: 'string' },
  };
  for (const key of KEYS) {
    options[flagName(key)] = Array.isArray(DEFAULTS[key])
      ? { type: 'string', multiple: true }
      : { type: 'string' };
  }
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const result: CommandLine = { help: values.help === true, version: values.version === true, values: {} };
  if (typeof values.data === 'string') result.dataDir = values.data;
  if (typeof values['addon-options'] === 'string') result.addonOptions = values['addon-options'];
  for (const key of KEYS) {
    const value = values[flagName(key)];
    if (typeof value === 'string' || Array.isArray(value)) result.values[key] = value as string | string[];
  }
  return result;
}

export function readEnvironment(env: NodeJS.ProcessEnv): {
  dataDir?: string;
  values: Partial<Record<SettingKey, string | string[]>>;
} {
  const values: Partial<Record<SettingKey, string | string[]>> = {};
  for (const key of KEYS) {
    const raw = env[envName(key)];
    if (raw === undefined || raw === '') continue;
    values[key] = Array.isArray(DEFAULTS[key]) ? raw.split(delimiter).filter(Boolean) : raw;
  }
  // The Supervisor gives every add-on its token under this fixed name.
  if (values.supervisor_token === undefined && env.SUPERVISOR_TOKEN) values.supervisor_token = env.SUPERVISOR_TOKEN;
  const dataDir = env.SHRINKRAY_DATA;
  return dataDir ? { dataDir, values } : { values };
}

/**
 * Turns strings into the setting's type. Anything that does not parse is passed through unchanged
 * so that the schema reports it with the setting's name.
 */
export function coerce(values: Partial<Record<SettingKey, string | string[]>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values) as [SettingKey, string | string[]][]) {
    const sample = DEFAULTS[key];
    if (Array.isArray(sample)) out[key] = Array.isArray(raw) ? raw : [raw];
    else if (typeof sample === 'number') {
      const n = Number(raw);
      out[key] = typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    } else if (typeof sample === 'boolean') {
      const s = String(raw).toLowerCase();
      out[key] = ['1', 'true', 'yes', 'on'].includes(s) ? true : ['0', 'false', 'no', 'off'].includes(s) ? false : raw;
    } else out[key] = Array.isArray(raw) ? raw.join(delimiter) : raw;
  }
  return out;
}

export function helpText(): string {
  const lines = [
    'Usage: shrinkray [options]',
    '',
    'Options (each also readable from the environment variable shown; flags win over the',
    'environment, the environment over <data>/settings.yaml):',
    '  --data DIR                          data folder: SQLite database and settings.yaml (default ./data)  [SHRINKRAY_DATA]',
    '  --addon-options FILE                the Supervisor\'s options.json (Home Assistant add-on)',
    '  -h, --help                          show this help',
    '  --version                           print the version',
  ];
  for (const key of KEYS) {
    const sample = DEFAULTS[key];
    const arg = Array.isArray(sample) ? 'DIR' : typeof sample === 'number' ? 'N' : typeof sample === 'boolean' ? 'BOOL' : 'VALUE';
    const def = Array.isArray(sample) ? sample.join(',') : String(sample);
    const left = `  --${flagName(key)} ${arg}`.padEnd(38);
    const note = Array.isArray(sample) ? ' (repeatable)' : '';
    const shown = key === 'temp_path' && def === '' ? '(the OS temp folder)' : def === '' ? '(empty)' : def;
    lines.push(`${left}${key}, default ${shown}${note}  [${envName(key)}]`);
  }
  return lines.join('\n');
}
