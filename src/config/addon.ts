import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';

/**
 * What the Home Assistant Supervisor writes to `/data/options.json` (validated against the schema in
 * config.yaml) and how it becomes settings. The listener layout is fixed by the add-on: the main
 * listener is the ingress port and answers only the Supervisor's proxy (D17); a token turns on the
 * direct API port.
 */
export interface AddonOptions {
  media_paths?: string[];
  log_level?: string;
  log_format?: string;
  temp_path?: string;
  mqtt_url?: string;
  mqtt_username?: string;
  mqtt_password?: string;
  mqtt_base_topic?: string;
  mqtt_discovery_prefix?: string;
  api_token?: string;
  api_port?: number;
  remote_workers?: boolean;
  remote_prefer?: string;
  remote_lease_secs?: number;
  local_encoding?: boolean;
}

export const INGRESS_PORT = 8099;
export const SUPERVISOR_PROXY = '172.30.32.2';
export const DEFAULT_API_PORT = 8080;
/** The only folders an add-on may work in: the Supervisor's `media` and `share` maps. */
export const ADDON_ROOTS = ['/media', '/share'] as const;

const PASSED = ['log_level', 'mqtt_url', 'mqtt_username', 'mqtt_password', 'mqtt_base_topic', 'mqtt_discovery_prefix', 'api_token', 'remote_workers', 'remote_prefer', 'remote_lease_secs', 'local_encoding'] as const;

/** The options are wrong in a way the Supervisor's schema cannot see; every problem is listed. */
export class AddonOptionsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.name = 'AddonOptionsError';
    this.problems = problems;
  }
}

/**
 * `value` as a clean absolute path inside one of `roots`, or why not. Purely textual (`..` and `.`
 * segments, doubled and trailing slashes): symlinks inside the roots are checked at run time (D17).
 */
export function addonFolder(option: string, value: unknown, roots: readonly string[] = ADDON_ROOTS): { path: string } | { problem: string } {
  const allowed = roots.join(' or ');
  if (typeof value !== 'string' || value.trim() === '') return { problem: `${option}: expected a folder under ${allowed}` };
  if (value.includes('\0')) return { problem: `${option}: ${JSON.stringify(value)} contains a NUL byte` };
  if (!value.startsWith('/')) return { problem: `${option}: "${value}" is not an absolute path; use a folder under ${allowed}, e.g. /media/Movies` };
  const normal = posix.normalize(value).replace(/(.)\/+$/, '$1');
  if (!roots.some((root) => normal === root || normal.startsWith(`${root}/`))) {
    const resolved = normal === value ? '' : ` (it resolves to ${normal})`;
    return { problem: `${option}: "${value}" is outside ${allowed}${resolved}; the add-on only works in folders under ${allowed}` };
  }
  return { path: normal };
}

/**
 * Pure: options → setting overrides. Empty optional values are left out, so defaults apply. Folders
 * are normalised and must stay inside /media or /share: `/media/../etc` passes the Supervisor's
 * pattern but is refused here (AddonOptionsError), before anything is opened.
 */
export function mapAddonOptions(options: AddonOptions): Record<string, unknown> {
  const problems: string[] = [];
  const folder = (option: string, value: unknown): string | undefined => {
    const checked = addonFolder(option, value);
    if ('problem' in checked) problems.push(`add-on option ${checked.problem}`);
    else return checked.path;
    return undefined;
  };
  const out: Record<string, unknown> = {
    port: INGRESS_PORT,
    host: '0.0.0.0',
    allowed_peers: [SUPERVISOR_PROXY],
    // The Log tab shows text, not JSON; `log_format: json` still gives JSON lines with stacks.
    log_format: options.log_format === 'json' ? 'json' : 'pretty',
  };
  const given = Array.isArray(options.media_paths) && options.media_paths.length > 0 ? options.media_paths : undefined;
  const roots = (given ?? ['/media']).map((p, i) => folder(`media_paths[${i}]`, p));
  if (given) out.media_paths = [...new Set(roots)];
  // Temp files beside the media (hidden, so never listed or queued): the same filesystem, so the
  // finished file is renamed into place instead of copied, and a 20 GB transcode cannot fill the
  // Home Assistant data partition.
  out.temp_path = options.temp_path ? folder('temp_path', options.temp_path) : posix.join(roots[0] ?? '/media', '.shrinkray-tmp');
  if (problems.length > 0) throw new AddonOptionsError(problems);
  for (const key of PASSED) {
    const value = options[key];
    if (value === undefined || value === '') continue;
    out[key] = value;
  }
  if (typeof options.api_token === 'string' && options.api_token !== '') {
    out.api_port = options.api_port && options.api_port > 0 ? options.api_port : DEFAULT_API_PORT;
  }
  return out;
}

export async function readAddonOptions(path: string): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the add-on options ${path}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: expected a JSON object`);
  try {
    return mapAddonOptions(parsed as AddonOptions);
  } catch (error) {
    // One line per problem, as ConfigError prints them.
    if (error instanceof AddonOptionsError) throw new Error(error.problems.join('\n  '));
    throw error;
  }
}
