/**
 * Worker mode's options (`shrinkray worker …`, issue 12): flags win over the environment. Kept apart
 * from the coordinator's settings: a worker has no settings file, no API and no media roots of its
 * own, only its path maps.
 */
import { hostname, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type PathMap, parsePathMap } from '../remote/paths.js';
import { WORKER_NAME } from '../remote/protocol.js';
import { LOG_FORMATS, LOG_LEVELS } from './schema.js';

export interface WorkerOptions {
  help: boolean;
  mqttUrl: string;
  mqttUsername: string;
  mqttPassword: string;
  baseTopic: string;
  name: string;
  pathMaps: PathMap[];
  slots: number;
  temp: string;
  ffmpeg: string;
  ffprobe: string;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: (typeof LOG_FORMATS)[number];
  /** How often unanswered asks are sent again (a restarted coordinator lost them). */
  askRepeatMs: number;
}

const FLAGS = {
  help: { type: 'boolean', short: 'h' },
  'mqtt-url': { type: 'string' },
  'mqtt-username': { type: 'string' },
  'mqtt-password': { type: 'string' },
  'mqtt-base-topic': { type: 'string' },
  name: { type: 'string' },
  'path-map': { type: 'string', multiple: true },
  workers: { type: 'string' },
  temp: { type: 'string' },
  ffmpeg: { type: 'string' },
  ffprobe: { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
} as const;

/** Throws an Error listing every problem at once. */
export function loadWorkerOptions(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): WorkerOptions {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false });
  const pick = (flag: keyof typeof FLAGS, envName: string): string | undefined => {
    const v = values[flag];
    return typeof v === 'string' ? v : env[envName] || undefined;
  };
  const problems: string[] = [];
  const mqttUrl = pick('mqtt-url', 'SHRINKRAY_MQTT_URL') ?? '';
  if (!/^mqtts?:\/\/|^wss?:\/\//.test(mqttUrl)) problems.push('--mqtt-url (SHRINKRAY_MQTT_URL) must be an mqtt://, mqtts://, ws:// or wss:// URL of the broker the coordinator uses');
  const name = pick('name', 'SHRINKRAY_WORKER_NAME') ?? hostname().split('.')[0] ?? 'worker';
  if (!WORKER_NAME.test(name)) problems.push(`--name (SHRINKRAY_WORKER_NAME) "${name}" must be 1-64 letters, digits, _ or -`);
  // Several maps in the environment are separated by ";" (":" is part of Windows paths).
  const mapTexts = values['path-map'] ?? (env.SHRINKRAY_PATH_MAP ? env.SHRINKRAY_PATH_MAP.split(';').filter(Boolean) : []);
  const pathMaps: PathMap[] = [];
  for (const text of mapTexts) {
    try {
      pathMaps.push(parsePathMap(text));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (mapTexts.length === 0) problems.push('at least one --path-map (SHRINKRAY_PATH_MAP) is needed, e.g. /media=/mnt/nas/media');
  const slotsText = pick('workers', 'SHRINKRAY_WORKERS') ?? '1';
  const slots = Number(slotsText);
  if (!Number.isInteger(slots) || slots < 1 || slots > 16) problems.push(`--workers (SHRINKRAY_WORKERS) must be a whole number between 1 and 16, not "${slotsText}"`);
  const logLevel = pick('log-level', 'SHRINKRAY_LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`--log-level must be one of: ${LOG_LEVELS.join(', ')}`);
  const logFormat = pick('log-format', 'SHRINKRAY_LOG_FORMAT') ?? 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) problems.push(`--log-format must be one of: ${LOG_FORMATS.join(', ')}`);
  const baseTopic = pick('mqtt-base-topic', 'SHRINKRAY_MQTT_BASE_TOPIC') ?? 'shrinkray';
  if (!/^[A-Za-z0-9_/-]+$/.test(baseTopic)) problems.push('--mqtt-base-topic may only contain letters, digits, _, - and /');
  const askRepeat = Number(env.SHRINKRAY_WORKER_ASK_REPEAT_MS ?? 5000);
  if (values.help !== true && problems.length > 0) throw new Error(problems.join('\n  '));
  return {
    help: values.help === true,
    mqttUrl,
    mqttUsername: pick('mqtt-username', 'SHRINKRAY_MQTT_USERNAME') ?? '',
    mqttPassword: pick('mqtt-password', 'SHRINKRAY_MQTT_PASSWORD') ?? '',
    baseTopic,
    name,
    pathMaps,
    slots,
    temp: resolve(cwd, pick('temp', 'SHRINKRAY_TEMP') ?? tmpdir()),
    ffmpeg: pick('ffmpeg', 'SHRINKRAY_FFMPEG') ?? 'ffmpeg',
    ffprobe: pick('ffprobe', 'SHRINKRAY_FFPROBE') ?? 'ffprobe',
    logLevel: logLevel as WorkerOptions['logLevel'],
    logFormat: logFormat as WorkerOptions['logFormat'],
    askRepeatMs: Number.isFinite(askRepeat) && askRepeat >= 100 ? askRepeat : 5000,
  };
}

export const WORKER_HELP = `Usage: shrinkray worker [options]

Runs this machine as a remote worker of a Shrinkray coordinator (the Home Assistant add-on), taking
jobs over the MQTT broker both use. See docs/remote-workers.md.

  --mqtt-url URL            the broker, e.g. mqtt://user:pass@homeassistant.local:1883  [SHRINKRAY_MQTT_URL]
  --mqtt-username NAME      [SHRINKRAY_MQTT_USERNAME]
  --mqtt-password SECRET    [SHRINKRAY_MQTT_PASSWORD]
  --mqtt-base-topic TOPIC   the coordinator's mqtt_base_topic, default shrinkray  [SHRINKRAY_MQTT_BASE_TOPIC]
  --name NAME               this worker's name, default the host name  [SHRINKRAY_WORKER_NAME]
  --path-map C=W            the coordinator's folder C is this machine's folder W (repeatable;
                            environment: several separated by ";")  [SHRINKRAY_PATH_MAP]
  --workers N               jobs at once on this machine, 1-16, default 1  [SHRINKRAY_WORKERS]
  --temp DIR                where outputs are written before they are copied next to the original  [SHRINKRAY_TEMP]
  --ffmpeg PATH, --ffprobe PATH                                   [SHRINKRAY_FFMPEG, SHRINKRAY_FFPROBE]
  --log-level LEVEL, --log-format json|pretty                     [SHRINKRAY_LOG_LEVEL, SHRINKRAY_LOG_FORMAT]`;
