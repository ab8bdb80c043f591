/**
 * MQTT settings: the options the bridge runs with, topic checks, and where the broker comes from
 * (explicit settings, or the Home Assistant Supervisor's `mqtt` service when running as an add-on).
 */

export interface MqttOptions {
  url: string;
  username?: string;
  password?: string;
  /** Root of our own topics (default `shrinkray`). */
  baseTopic: string;
  /** Home Assistant discovery prefix (default `homeassistant`). */
  discoveryPrefix: string;
  clientId?: string;
  /** Minimum ms between non-urgent state publishes per topic (D7), default 5000. */
  stateIntervalMs: number;
  /** Stable id of this installation, used in unique_ids and discovery topics. */
  instanceId: string;
  /** Ids this installation used before: their discovery configs are removed at connect. */
  previousInstanceIds?: string[];
  /** Longest wait at connect for the retained discovery configs before ours are published, default 5000. */
  cleanupWindowMs?: number;
  /** Commands waiting to run (they run one at a time, in order); more are refused. Default 1000. */
  maxPendingCommands?: number;
  swVersion: string;
  /** Device "Visit" link; must be http(s):// or homeassistant:// with a host, else it is left out. */
  configurationUrl?: string;
  /** Delay range before republishing after Home Assistant's birth message, default [1000, 5000]. */
  birthJitterMs?: [number, number];
  /** Reconnect backoff: first delay and cap in ms, default [1000, 30000]. */
  reconnectBackoffMs?: [number, number];
}

export const MQTT_DEFAULTS = {
  baseTopic: 'shrinkray',
  discoveryPrefix: 'homeassistant',
  stateIntervalMs: 5000,
  birthJitterMs: [1000, 5000] as [number, number],
  reconnectBackoffMs: [1000, 30000] as [number, number],
  cleanupWindowMs: 5000,
  maxPendingCommands: 1000,
  /** Bigger command payloads are refused unread (a job/create with thousands of paths fits). */
  maxCommandBytes: 1024 * 1024,
} as const;

const hasControlCharacters = (value: string): boolean =>
  [...value].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20);

/** Problems with a base topic or discovery prefix (empty list = fine). */
export function checkTopicOptions(baseTopic: string, discoveryPrefix: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of [
    ['base topic', baseTopic],
    ['discovery prefix', discoveryPrefix],
  ] as const) {
    if (value.length === 0) problems.push(`MQTT ${name} must not be empty`);
    else if (/[+#]/.test(value) || hasControlCharacters(value)) {
      problems.push(`MQTT ${name} '${value}' must not contain '+', '#' or control characters`);
    } else if (value.startsWith('/') || value.endsWith('/')) {
      problems.push(`MQTT ${name} '${value}' must not start or end with '/'`);
    }
  }
  return problems;
}

export type MqttConnectionSettings = Pick<MqttOptions, 'url' | 'username' | 'password'>;

export interface MqttResolveInput {
  url?: string;
  username?: string;
  password?: string;
  baseTopic?: string;
  discoveryPrefix?: string;
  /** Default `http://supervisor`. */
  supervisorUrl?: string;
  supervisorToken?: string;
}

/**
 * `options: null` means MQTT is off; `reason` then says why (nothing configured, or what went wrong) and is
 * meant for one log line. `source` says where the broker settings came from.
 */
export interface MqttResolution {
  options: MqttConnectionSettings | null;
  source: 'settings' | 'supervisor' | 'none';
  reason?: string;
}

const URL_SCHEMES = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']);

/** Why a broker URL cannot be used, or null when it can. */
export function checkBrokerUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `MQTT URL '${url}' is not a valid URL`;
  }
  if (!URL_SCHEMES.has(parsed.protocol)) {
    return `MQTT URL '${url}' must start with mqtt://, mqtts://, ws:// or wss://`;
  }
  if (parsed.hostname === '') return `MQTT URL '${url}' has no host`;
  return null;
}

function withCredentials(
  url: string,
  username?: string,
  password?: string,
): MqttConnectionSettings {
  const settings: MqttConnectionSettings = { url };
  if (username !== undefined && username !== '') settings.username = username;
  if (password !== undefined && password !== '') settings.password = password;
  return settings;
}

/**
 * Where the broker is: an explicit `url` wins; otherwise, with a Supervisor token, ask
 * `GET <supervisorUrl>/services/mqtt`. Never throws.
 */
export async function resolveMqttOptions(
  input: MqttResolveInput,
  fetchImpl: typeof fetch = fetch,
): Promise<MqttResolution> {
  if (input.url !== undefined && input.url !== '') {
    const problem = checkBrokerUrl(input.url);
    if (problem !== null) return { options: null, source: 'settings', reason: problem };
    return {
      options: withCredentials(input.url, input.username, input.password),
      source: 'settings',
    };
  }
  if (input.supervisorToken === undefined || input.supervisorToken === '') {
    return {
      options: null,
      source: 'none',
      reason: 'MQTT is off: no broker URL and no Supervisor token',
    };
  }
  return fromSupervisor(
    input.supervisorUrl ?? 'http://supervisor',
    input.supervisorToken,
    fetchImpl,
  );
}

async function fromSupervisor(
  base: string,
  token: string,
  fetchImpl: typeof fetch,
): Promise<MqttResolution> {
  const off = (reason: string): MqttResolution => ({ options: null, source: 'supervisor', reason });
  let body: unknown;
  let status: number;
  try {
    const response = await fetchImpl(`${base.replace(/\/+$/, '')}/services/mqtt`, {
      headers: { Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(5000),
    });
    status = response.status;
    body = await response.json().catch(() => undefined);
  } catch (error) {
    return off(`MQTT is off: the Supervisor could not be asked (${(error as Error).message})`);
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (status < 200 || status >= 300 || record.result !== 'ok') {
    const message = typeof record.message === 'string' ? record.message : `HTTP ${status}`;
    return off(`MQTT is off: the Supervisor has no MQTT service for us (${message})`);
  }
  const data = typeof record.data === 'object' && record.data !== null ? record.data : {};
  const { host, port, ssl, username, password } = data as Record<string, unknown>;
  if (typeof host !== 'string' || host === '')
    return off('MQTT is off: the Supervisor gave no broker host');
  const secure = ssl === true || ssl === 'true';
  const portNumber = port === undefined || port === null || port === '' ? Number.NaN : Number(port);
  const finalPort =
    Number.isInteger(portNumber) && portNumber > 0 ? portNumber : secure ? 8883 : 1883;
  const url = `${secure ? 'mqtts' : 'mqtt'}://${host}:${finalPort}`;
  return {
    options: withCredentials(
      url,
      typeof username === 'string' ? username : undefined,
      typeof password === 'string' ? password : undefined,
    ),
    source: 'supervisor',
  };
}
