/**
 * What Home Assistant accepts from MQTT discovery (shared/spec/ha-mqtt-rules.md), as a validator for the
 * components Shrinkray publishes: sensor, binary_sensor, switch, button, number, event. Abbreviations are
 * expanded like HA does (keys not in HA's list are dropped by HA; in strict mode, the default, any key HA
 * would drop is an error, since it means our config does not say what we think it says).
 * Also: event payload rules, json_attributes rules, and a tiny renderer for the simple value templates we use.
 */
import { readFileSync } from 'node:fs';

const ABBR = JSON.parse(
  readFileSync(new URL('../unit/mqtt/ha-mqtt-abbreviations.json', import.meta.url), 'utf8'),
) as Record<
  'ABBREVIATIONS' | 'DEVICE_ABBREVIATIONS' | 'ORIGIN_ABBREVIATIONS',
  Record<string, string>
>;

export const SUPPORTED_COMPONENTS = new Set(
  'alarm_control_panel binary_sensor button camera climate cover date datetime device_automation device_tracker event fan humidifier image infrared lawn_mower light lock notify number scene siren select sensor switch tag text time update vacuum valve water_heater'.split(
    ' ',
  ),
);
const DISCOVERY_RE = /^(\w+)\/(?:([a-zA-Z0-9_-]+)\/)?([a-zA-Z0-9_-]+)\/config$/;

const COMMON =
  'availability availability_mode availability_template availability_topic payload_available payload_not_available device origin enabled_by_default visible_by_default encoding entity_category entity_picture icon json_attributes_template json_attributes_topic name unique_id default_entity_id qos message_expiry_interval group platform ~';
const PLATFORM_KEYS: Record<string, string> = {
  sensor:
    'state_topic value_template device_class state_class unit_of_measurement suggested_display_precision expire_after force_update last_reset_value_template options',
  binary_sensor:
    'state_topic value_template payload_on payload_off off_delay expire_after force_update device_class',
  switch:
    'command_topic state_topic payload_on payload_off state_on state_off command_template value_template optimistic retain device_class',
  button: 'command_topic payload_press command_template retain device_class',
  number:
    'command_topic state_topic min max step mode payload_reset unit_of_measurement device_class command_template value_template optimistic retain',
  event: 'state_topic event_types device_class value_template',
};
const REQUIRED: Record<string, string[]> = {
  sensor: ['state_topic'],
  binary_sensor: ['state_topic'],
  switch: ['command_topic'],
  button: ['command_topic'],
  number: ['command_topic'],
  event: ['state_topic', 'event_types'],
};
const DEVICE_CLASSES: Record<string, string[]> = {
  binary_sensor:
    'battery battery_charging carbon_monoxide cold connectivity door garage_door gas heat light lock moisture motion moving occupancy opening plug power presence problem running safety smoke sound tamper update vibration window'.split(
      ' ',
    ),
  switch: ['outlet', 'switch'],
  button: ['identify', 'restart', 'update'],
  event: ['button', 'doorbell', 'motion'],
};
/** Sensor device classes this validator knows the unit/state_class rules of (§5). Others are refused. */
const SENSOR_UNITS: Record<string, string[] | null> = {
  data_size: 'bit kbit Mbit Gbit B kB MB GB TB PB EB ZB YB KiB MiB GiB TiB PiB EiB ZiB YiB'.split(
    ' ',
  ),
  data_rate: 'bit/s kbit/s Mbit/s Gbit/s B/s kB/s MB/s GB/s KiB/s MiB/s GiB/s'.split(' '),
  duration: ['d', 'h', 'min', 's', 'ms', 'μs'],
  timestamp: null,
  date: null,
  enum: null,
};
const SENSOR_STATE_CLASSES: Record<string, string[]> = {
  data_size: ['measurement', 'total', 'total_increasing'],
  data_rate: ['measurement'],
  duration: ['measurement', 'total', 'total_increasing'],
};
const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];
const DEVICE_KEYS =
  'identifiers connections name manufacturer model model_id hw_version sw_version serial_number suggested_area via_device via_hub configuration_url'.split(
    ' ',
  );
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
const AVAILABILITY_KEYS = ['topic', 'payload_available', 'payload_not_available', 'value_template'];
/** HA's MQTT_ATTRIBUTES_BLOCKED (union over versions): silently removed from json_attributes. */
export const BLOCKED_ATTRIBUTES = new Set(
  'assumed_state available context_recent_time device_class device_info entity_category entity_picture entity_registry_enabled_default extra_state_attributes force_update friendly_name icon name should_poll state supported_features unique_id unit_of_measurement'.split(
    ' ',
  ),
);

export interface RuleResult {
  errors: string[];
  warnings: string[];
  /** The payload after abbreviation expansion and `~` substitution (what HA validates). */
  config: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function expand(obj: Obj, table: Record<string, string>): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(obj)) out[table[key] ?? key] = value;
  return out;
}

/** Expands abbreviations at the top level, in device/origin and in availability entries; applies `~`. */
export function expandAbbreviations(payload: Obj): Obj {
  const config = expand(payload, ABBR.ABBREVIATIONS);
  if (isObj(config.device)) config.device = expand(config.device, ABBR.DEVICE_ABBREVIATIONS);
  if (isObj(config.origin)) config.origin = expand(config.origin, ABBR.ORIGIN_ABBREVIATIONS);
  const base = config['~'];
  const tilde = (value: unknown): unknown =>
    isStr(base) && isStr(value) && (value.startsWith('~') || value.endsWith('~'))
      ? value.replace('~', base)
      : value;
  for (const key of Object.keys(config))
    if (key.endsWith('topic')) config[key] = tilde(config[key]);
  if (config.availability !== undefined) {
    const list = Array.isArray(config.availability) ? config.availability : [config.availability];
    config.availability = list.map((entry) => {
      if (!isObj(entry)) return entry;
      const e = expand(entry, ABBR.ABBREVIATIONS);
      e.topic = tilde(e.topic);
      return e;
    });
  }
  return config;
}

function isControlOrNonCharacter(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (
    c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) === 0xfffe
  );
}

/** Subscribe topics may use `+`/`#` as whole levels (`#` last); publish topics may not use them at all. */
export function topicProblem(topic: unknown, kind: 'subscribe' | 'publish'): string | null {
  if (!isStr(topic) || topic === '') return 'must be a non-empty string';
  if (Buffer.byteLength(topic) > 65535) return 'is longer than 65535 bytes';
  if ([...topic].some(isControlOrNonCharacter)) return 'contains control or non-characters';
  const levels = topic.split('/');
  if (kind === 'publish' && /[+#]/.test(topic)) return "must not contain '+' or '#'";
  for (const [i, level] of levels.entries()) {
    if (level.includes('+') && level !== '+') return "'+' must fill a whole level";
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return "'#' must be the whole last level";
  }
  return null;
}

/** HA's configuration_url / support_url rule: http, https or homeassistant, with a host. */
export function urlProblem(url: unknown): string | null {
  if (!isStr(url)) return 'must be a string';
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(url);
  if (!match || !['http', 'https', 'homeassistant'].includes((match[1] ?? '').toLowerCase())) {
    return 'needs the scheme http, https or homeassistant';
  }
  return match[2] ? null : 'needs a host';
}

function templateProblem(value: unknown): string | null {
  if (!isStr(value)) return 'must be a template string';
  const opens = (value.match(/\{\{|\{%/g) ?? []).length;
  const closes = (value.match(/\}\}|%\}/g) ?? []).length;
  return opens === closes ? null : 'has unbalanced {{ }} / {% %}';
}

function checkDevice(device: unknown, err: (m: string) => void): void {
  if (!isObj(device)) {
    err('device must be an object');
    return;
  }
  for (const key of Object.keys(device))
    if (!DEVICE_KEYS.includes(key)) err(`device: extra key '${key}' not allowed`);
  const ids = device.identifiers;
  const idList = ids === undefined ? [] : Array.isArray(ids) ? ids : [ids];
  if (!idList.every(isStr)) err('device.identifiers must be a string or a list of strings');
  const cns = device.connections ?? [];
  const cnsOk =
    Array.isArray(cns) && cns.every((c) => Array.isArray(c) && c.length === 2 && c.every(isStr));
  if (!cnsOk) err('device.connections must be a list of [type, value] string pairs');
  const nonEmpty =
    idList.some((id) => isStr(id) && id !== '') || (Array.isArray(cns) && cns.length > 0);
  if (!nonEmpty)
    err('device must have at least one identifying value in identifiers or connections');
  for (const key of DEVICE_KEYS.filter((k) => !['identifiers', 'connections'].includes(k))) {
    if (device[key] !== undefined && !isStr(device[key])) err(`device.${key} must be a string`);
  }
  if (device.configuration_url !== undefined) {
    const problem = urlProblem(device.configuration_url);
    if (problem) err(`device.configuration_url ${problem}`);
  }
}

function checkOrigin(origin: unknown, err: (m: string) => void): void {
  if (!isObj(origin)) {
    err('origin must be an object');
    return;
  }
  for (const key of Object.keys(origin))
    if (!ORIGIN_KEYS.includes(key)) err(`origin: extra key '${key}' not allowed`);
  if (!isStr(origin.name) || origin.name === '') err('origin.name is required');
  if (origin.sw_version !== undefined && !isStr(origin.sw_version))
    err('origin.sw_version must be a string');
  if (origin.support_url !== undefined) {
    const problem = urlProblem(origin.support_url);
    if (problem) err(`origin.support_url ${problem}`);
  }
}

function checkAvailability(c: Obj, err: (m: string) => void): void {
  if (c.availability !== undefined && c.availability_topic !== undefined) {
    err('availability and availability_topic are mutually exclusive');
  }
  for (const entry of (c.availability as unknown[] | undefined) ?? []) {
    if (!isObj(entry)) {
      err('availability entries must be objects');
      continue;
    }
    for (const key of Object.keys(entry))
      if (!AVAILABILITY_KEYS.includes(key)) err(`availability: extra key '${key}'`);
    const problem = topicProblem(entry.topic, 'subscribe');
    if (problem) err(`availability.topic ${problem}`);
  }
  if (
    c.availability_mode !== undefined &&
    !['all', 'any', 'latest'].includes(String(c.availability_mode))
  ) {
    err('availability_mode must be all, any or latest');
  }
}

function checkSensor(c: Obj, err: (m: string) => void, warn: (m: string) => void): void {
  const dc = c.device_class as string | undefined;
  const sc = c.state_class === undefined ? undefined : String(c.state_class).toLowerCase();
  let unit = isStr(c.unit_of_measurement)
    ? c.unit_of_measurement.replace(/\u00b5/g, '\u03bc')
    : undefined;
  if (unit !== undefined && unit.trim() === '') unit = undefined;
  if (sc !== undefined && !STATE_CLASSES.includes(sc)) err(`state_class '${sc}' is not valid`);
  if (c.last_reset_value_template !== undefined && sc !== 'total') {
    err('last_reset_value_template needs state_class total');
  }
  if (c.options !== undefined) {
    if (!Array.isArray(c.options) || c.options.length === 0)
      err('options must be a non-empty list');
    if (sc !== undefined || unit !== undefined) err('options: no state_class and no unit allowed');
    if (dc !== 'enum') err("options requires device_class 'enum'");
  }
  if (sc === 'measurement_angle' && unit !== '°')
    err("state_class measurement_angle needs unit '°'");
  if (dc === undefined) return;
  if (!Object.hasOwn(SENSOR_UNITS, dc)) {
    err(`sensor device_class '${dc}' is unknown to this validator`);
    return;
  }
  const units = SENSOR_UNITS[dc];
  if (units === null || units === undefined) {
    if (sc !== undefined || unit !== undefined)
      err(`device_class ${dc} allows no state_class and no unit`);
    if (dc === 'enum' && c.options === undefined) warn('device_class enum without options');
    return;
  }
  if (unit === undefined) warn(`device_class ${dc} without a unit`);
  else if (!units.includes(unit))
    err(`The unit of measurement '${unit}' is not valid together with device class '${dc}'`);
  if (sc !== undefined && !(SENSOR_STATE_CLASSES[dc] ?? []).includes(sc)) {
    warn(`state_class ${sc} is impossible considering device class ${dc}`);
  }
}

function checkNumber(c: Obj, err: (m: string) => void): void {
  const min = c.min === undefined ? 0 : Number(c.min);
  const max = c.max === undefined ? 100 : Number(c.max);
  if (Number.isNaN(min) || Number.isNaN(max)) err('min and max must be numbers');
  if (min > max) err('max must be >= min');
  if (c.step !== undefined && !(Number(c.step) >= 0.001)) err('step must be >= 0.001');
  if (c.mode !== undefined && !['auto', 'box', 'slider'].includes(String(c.mode)))
    err('mode must be auto, box or slider');
}

/** Validates one entity config for `component` (payload already parsed; abbreviations allowed). */
export function validateEntityConfig(
  component: string,
  payload: Obj,
  opts: { strict?: boolean } = {},
): RuleResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const err = (m: string): void => void errors.push(m);
  const warn = (m: string): void => void warnings.push(m);
  const c = expandAbbreviations(payload);
  const platform = PLATFORM_KEYS[component];
  if (platform === undefined) {
    err(
      `component '${component}' is ${SUPPORTED_COMPONENTS.has(component) ? 'not covered by this validator' : 'not supported by HA'}`,
    );
    return { errors, warnings, config: c };
  }
  const known = new Set(`${COMMON} ${platform}`.split(' '));
  for (const key of Object.keys(c)) {
    if (known.has(key)) continue;
    const why =
      key === 'object_id'
        ? 'object_id is ignored since HA 2026.4'
        : `unknown key '${key}' is dropped by HA`;
    (opts.strict === false ? warn : err)(why);
  }
  for (const key of REQUIRED[component] ?? [])
    if (c[key] === undefined) err(`required key '${key}' is missing`);
  for (const key of ['state_topic', 'json_attributes_topic', 'availability_topic']) {
    const problem = c[key] === undefined ? null : topicProblem(c[key], 'subscribe');
    if (problem) err(`${key} ${problem}`);
  }
  const cmd = c.command_topic === undefined ? null : topicProblem(c.command_topic, 'publish');
  if (cmd) err(`command_topic ${cmd}`);
  for (const key of Object.keys(c).filter((k) => k.endsWith('_template'))) {
    const problem = templateProblem(c[key]);
    if (problem) err(`${key} ${problem}`);
  }
  checkAvailability(c, err);
  if (c.device !== undefined) checkDevice(c.device, err);
  if (c.origin !== undefined) checkOrigin(c.origin, err);
  if (c.qos !== undefined && ![0, 1, 2].includes(Number(c.qos))) err('qos must be 0, 1 or 2');
  if (c.name !== undefined && c.name !== null && !isStr(c.name))
    err('name must be a string or null');
  if (c.unique_id !== undefined && !isStr(c.unique_id)) err('unique_id must be a string');
  if (c.icon !== undefined && !(isStr(c.icon) && c.icon.includes(':')))
    err("icon must contain ':' (e.g. mdi:x)");
  if (c.entity_picture !== undefined && !/^https?:\/\/[^/]+/.test(String(c.entity_picture)))
    err('entity_picture must be an http(s) URL');
  for (const key of [
    'enabled_by_default',
    'visible_by_default',
    'optimistic',
    'retain',
    'force_update',
  ]) {
    if (c[key] !== undefined && typeof c[key] !== 'boolean') err(`${key} must be a boolean`);
  }
  if (c.entity_category !== undefined) {
    if (!['config', 'diagnostic'].includes(String(c.entity_category)))
      err('entity_category must be config or diagnostic');
    else if (c.entity_category === 'config' && ['sensor', 'binary_sensor'].includes(component)) {
      err(`entity_category config: a ${component} cannot be added with it`);
    }
  }
  if (c.default_entity_id !== undefined) {
    const match = /^([a-z_]+)\.([a-z0-9_]+)$/.exec(String(c.default_entity_id));
    if (!match) err('default_entity_id must be a full entity id <platform>.<object_id>');
    else if (match[1] !== component)
      err(`default_entity_id domain '${match[1]}' is not '${component}'`);
  }
  for (const key of ['suggested_display_precision', 'expire_after', 'off_delay']) {
    if (c[key] !== undefined && !(Number.isInteger(c[key]) && (c[key] as number) >= 0))
      err(`${key} must be an integer >= 0`);
  }
  const classes = DEVICE_CLASSES[component];
  if (classes && c.device_class !== undefined && !classes.includes(String(c.device_class))) {
    err(`device_class '${String(c.device_class)}' is not valid for ${component}`);
  }
  if (component === 'sensor') checkSensor(c, err, warn);
  if (component === 'number') checkNumber(c, err);
  if (component === 'event') {
    const types = isStr(c.event_types) ? [c.event_types] : c.event_types;
    if (
      c.event_types !== undefined &&
      !(Array.isArray(types) && types.length > 0 && types.every(isStr))
    ) {
      err('event_types must be a non-empty list of strings');
    }
  }
  if (component === 'button' && (c.state_topic !== undefined || c.value_template !== undefined)) {
    warn('a button has no state; state_topic/value_template are dropped');
  }
  return { errors, warnings, config: c };
}

/** Validates a single-component discovery message: topic, JSON object payload, then the entity rules. */
export function validateDiscovery(
  topic: string,
  payload: string | Buffer | Obj,
  opts: { prefix?: string; strict?: boolean } = {},
): RuleResult & { component?: string; objectId?: string } {
  const prefix = opts.prefix ?? 'homeassistant';
  const fail = (m: string): RuleResult => ({ errors: [m], warnings: [], config: {} });
  if (!topic.startsWith(`${prefix}/`)) return fail(`topic does not start with '${prefix}/'`);
  const match = DISCOVERY_RE.exec(topic.slice(prefix.length + 1));
  if (!match) return fail('illegal discovery topic');
  const component = match[1] ?? '';
  if (!SUPPORTED_COMPONENTS.has(component))
    return fail(`component '${component}' is not supported`);
  let parsed: unknown = payload;
  if (typeof payload === 'string' || Buffer.isBuffer(payload)) {
    try {
      parsed = JSON.parse(payload.toString());
    } catch {
      return fail('Unable to parse JSON');
    }
  }
  if (!isObj(parsed)) return fail('payload must be a JSON object');
  return { ...validateEntityConfig(component, parsed, opts), component, objectId: match[3] ?? '' };
}

/** The event entity's payload rules: JSON object with a known `event_type`, and never retained. */
export function validateEventPayload(
  payload: string | Buffer,
  eventTypes: readonly string[],
  retained: boolean,
): string[] {
  const errors: string[] = [];
  if (retained) errors.push('retained event messages are ignored');
  const text = payload.toString();
  if (text === '' || text === 'None' || text === '{}')
    return [...errors, 'empty event payloads are ignored'];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [...errors, 'event payload is not JSON'];
  }
  if (!isObj(value)) return [...errors, 'event payload must be a JSON object'];
  if (!isStr(value.event_type)) errors.push('event payload needs event_type');
  else if (!eventTypes.includes(value.event_type))
    errors.push(`event_type '${value.event_type}' is not in event_types`);
  return errors;
}

/** json_attributes payloads: a JSON object whose keys are not blocked by HA. */
export function validateAttributesPayload(payload: string | Buffer): string[] {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch {
    return ['attributes payload is not JSON'];
  }
  if (!isObj(value)) return ['attributes payload must be a JSON object'];
  return Object.keys(value)
    .filter((k) => BLOCKED_ATTRIBUTES.has(k))
    .map((k) => `attribute '${k}' is blocked by HA`);
}

const pyString = (v: unknown): string =>
  v === null || v === undefined
    ? 'None'
    : v === true
      ? 'True'
      : v === false
        ? 'False'
        : isStr(v)
          ? v
          : JSON.stringify(v);

function lookup(json: unknown, path: string): unknown {
  let value: unknown = json;
  for (const part of path.split('.')) value = isObj(value) ? value[part] : undefined;
  return value;
}

/**
 * Renders the only template shapes we publish: `{{ value }}`, `{{ value_json.a.b }}` and
 * `{{ 'X' if value_json.a else 'Y' }}`. Anything else throws, which keeps our templates simple.
 */
export function renderTemplate(template: string, payload: string): string {
  const inner = /^\s*\{\{\s*(.*?)\s*\}\}\s*$/.exec(template)?.[1];
  if (inner === undefined) throw new Error(`unsupported template: ${template}`);
  if (inner === 'value') return payload;
  const json = (): unknown => JSON.parse(payload);
  const path = /^value_json\.([a-z0-9_.]+)$/i.exec(inner)?.[1];
  if (path !== undefined) return pyString(lookup(json(), path));
  const cond = /^'([^']*)' if value_json\.([a-z0-9_.]+) else '([^']*)'$/i.exec(inner);
  if (cond) return lookup(json(), cond[2] ?? '') ? (cond[1] ?? '') : (cond[3] ?? '');
  throw new Error(`unsupported template: ${template}`);
}

/**
 * The state HA would show for an entity given a message on its state topic: `null` = unknown. Throws
 * when HA would reject or ignore the value (bad number, timestamp without offset, value not in options...).
 */
export function entityState(component: string, config: Obj, payload: string): string | null {
  const c = expandAbbreviations(config);
  const value = isStr(c.value_template) ? renderTemplate(c.value_template, payload) : payload;
  if (component === 'binary_sensor' || component === 'switch') {
    const onValue = String(c.state_on ?? c.payload_on ?? 'ON');
    const offValue = String(c.state_off ?? c.payload_off ?? 'OFF');
    if (value === onValue) return 'on';
    if (value === offValue) return 'off';
    if (value === 'None') return null;
    throw new Error(`'${value}' matches neither ${onValue} nor ${offValue}`);
  }
  if (component === 'number') {
    if (!Number.isFinite(Number(value))) throw new Error(`'${value}' is not a number`);
    return value;
  }
  if (component !== 'sensor') throw new Error(`no state for ${component}`);
  if (value === 'None') return null;
  if (value.length > 255) throw new Error('state longer than 255 characters');
  const numeric =
    c.unit_of_measurement !== undefined ||
    c.state_class !== undefined ||
    Object.hasOwn(SENSOR_STATE_CLASSES, String(c.device_class));
  if (numeric && (value.trim() === '' || !Number.isFinite(Number(value))))
    throw new Error(`'${value}' is not numeric`);
  if (c.device_class === 'timestamp' && !/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(value)) {
    throw new Error(`timestamp '${value}' needs ISO 8601 with a timezone`);
  }
  if (Array.isArray(c.options) && !c.options.includes(value))
    throw new Error(`'${value}' is not one of the options`);
  return value;
}
