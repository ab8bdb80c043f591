import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the Home Assistant Supervisor writes to `/data/options.json` (validated against the schema in
 * config.yaml) and how it becomes settings. The listener layout is fixed by the add-on: the main
 * listener is the ingress port and answers only the Supervisor's proxy (D17); a token turns on the
 * direct API port.
 */
export interface AddonOptions {
  media_paths?: string[];
  log_level?: string;
  temp_path?: string;
  mqtt_url?: string;
  mqtt_username?: string;
  mqtt_password?: string;
  mqtt_base_topic?: string;
  mqtt_discovery_prefix?: string;
  api_token?: string;
  api_port?: number;
}

export const INGRESS_PORT = 8099;
export const SUPERVISOR_PROXY = '172.30.32.2';
export const DEFAULT_API_PORT = 8080;

const PASSED = ['media_paths', 'log_level', 'temp_path', 'mqtt_url', 'mqtt_username', 'mqtt_password', 'mqtt_base_topic', 'mqtt_discovery_prefix', 'api_token'] as const;

/** Pure: options → setting overrides. Empty optional values are left out, so defaults apply. */
export function mapAddonOptions(options: AddonOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {
    port: INGRESS_PORT,
    host: '0.0.0.0',
    allowed_peers: [SUPERVISOR_PROXY],
  };
  // Temp files beside the media (hidden, so never listed or queued): the same filesystem, so the
  // finished file is renamed into place instead of copied, and a 20 GB transcode cannot fill the
  // Home Assistant data partition.
  const roots = Array.isArray(options.media_paths) && options.media_paths.length > 0 ? options.media_paths : ['/media'];
  out.temp_path = join(roots[0] as string, '.shrinkray-tmp');
  for (const key of PASSED) {
    const value = options[key];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) continue;
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
  return mapAddonOptions(parsed as AddonOptions);
}
