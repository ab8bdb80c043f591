import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { readAddonOptions } from './addon.js';
import { checkSettings, type SettingKey, type Settings } from './schema.js';
import { readSettingsFile, settingsPath, writeSettingsFile } from './settings-file.js';
import { coerce, parseCommandLine, readEnvironment } from './sources.js';

export {
  checkSettings,
  formatIssues,
  LOG_LEVELS,
  QUALITY_RANGES,
  SETTING_KEYS,
  type SettingKey,
  type Settings,
  settingsSchema,
  TONEMAP_ALGORITHMS,
} from './schema.js';
export { helpText } from './sources.js';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadedConfig {
  help: boolean;
  version: boolean;
  dataDir: string;
  settings: SettingsStore;
}

/**
 * Reads the command line, the environment (the only place `process.env` is read) and the settings
 * file, and merges them: flags win over environment, environment over the file, the file over
 * defaults. Relative folders are resolved against `cwd`.
 */
export async function loadConfig(input: {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<LoadedConfig> {
  let cli: ReturnType<typeof parseCommandLine>;
  try {
    cli = parseCommandLine(input.argv);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const env = readEnvironment(input.env);
  const dataDir = resolve(input.cwd, cli.dataDir ?? env.dataDir ?? './data');
  if (cli.help || cli.version) {
    return { help: cli.help, version: cli.version, dataDir, settings: SettingsStore.fromValues({}, {}, dataDir, input.cwd) };
  }
  const file = await readSettingsFile(settingsPath(dataDir)).catch((error: Error) => {
    throw new ConfigError([error.message]);
  });
  // Add-on options are overrides like flags (never written back, read-only through the API), and
  // the environment and flags still win over them.
  const addon = cli.addonOptions ? await readAddonOptions(resolve(input.cwd, cli.addonOptions)).catch((error: Error) => {
    throw new ConfigError([error.message]);
  }) : {};
  const overrides = { ...addon, ...coerce(env.values), ...coerce(cli.values) };
  return { help: false, version: false, dataDir, settings: SettingsStore.fromValues(file, overrides, dataDir, input.cwd) };
}

/**
 * The live settings. `overrides` (flags, environment, add-on options) always win and are never
 * written to the settings file (D16); `update` validates the whole result before changing anything.
 */
export class SettingsStore extends EventEmitter<{ change: [Settings, Settings] }> {
  private current: Settings;
  private fileValues: Record<string, unknown>;
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly dataDir: string;
  private readonly cwd: string;
  private updating: Promise<unknown> = Promise.resolve();

  private constructor(file: Record<string, unknown>, overrides: Record<string, unknown>, dataDir: string, cwd: string) {
    super();
    this.fileValues = file;
    this.overrides = overrides;
    this.dataDir = dataDir;
    this.cwd = cwd;
    this.current = this.validate({ ...file, ...overrides });
  }

  static fromValues(file: Record<string, unknown>, overrides: Record<string, unknown>, dataDir: string, cwd: string): SettingsStore {
    return new SettingsStore(file, overrides, dataDir, cwd);
  }

  get(): Settings {
    return this.current;
  }

  isOverridden(key: SettingKey): boolean {
    return key in this.overrides;
  }

  /** The problems `update(patch)` would report; empty when it would succeed. Changes nothing. */
  check(patch: Partial<Record<SettingKey, unknown>>): string[] {
    const checked = checkSettings({ ...this.fileValues, ...patch, ...this.overrides });
    return checked.ok ? [] : checked.problems;
  }

  /**
   * Validates `{...file, ...patch, ...overrides}` as a whole; on success saves the file, then
   * applies and emits `change`. Nothing changes when validation or the write fails. Updates run
   * one at a time so two concurrent requests can't lose each other's fields.
   */
  update(patch: Partial<Record<SettingKey, unknown>>): Promise<Settings> {
    const run = this.updating.then(async () => {
      const nextFile = { ...this.fileValues, ...patch };
      const next = this.validate({ ...nextFile, ...this.overrides });
      await writeSettingsFile(settingsPath(this.dataDir), nextFile);
      const previous = this.current;
      this.fileValues = nextFile;
      this.current = next;
      this.emit('change', next, previous);
      return next;
    });
    this.updating = run.catch(() => undefined);
    return run;
  }

  private validate(values: Record<string, unknown>): Settings {
    const checked = checkSettings(values);
    if (!checked.ok) throw new ConfigError(checked.problems);
    const settings = checked.settings;
    // Absolute, without duplicates: every path check compares against these (D17).
    settings.media_paths = [...new Set(settings.media_paths.map((p) => resolve(this.cwd, p)))];
    if (settings.temp_path) settings.temp_path = resolve(this.cwd, settings.temp_path);
    return settings;
  }
}
