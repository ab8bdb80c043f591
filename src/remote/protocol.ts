/**
 * The remote-worker protocol (docs/remote-workers.md): topics, message shapes and their validation.
 * Pure: no sockets, no clock. Every payload read from the broker goes through `parse*` first; a
 * payload that does not validate is ignored and logged by the caller, never acted on.
 */
import { TONEMAP_ALGORITHMS } from '../config/schema.js';
import type { TonemapAlgorithm } from '../ffmpeg/options.js';
import type { Accel, Codec } from '../jobs/types.js';

export const PROTOCOL_VERSION = 1;
export const WORKER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface WorkerEncoder {
  codec: Codec;
  encoder: string;
  accel: Accel;
  hardware: boolean;
}

export interface PathMapWire {
  coordinator: string;
  worker: string;
}

export interface WorkerStatus {
  v: number;
  name: string;
  version?: string;
  online: boolean;
  encoders?: WorkerEncoder[];
  slots?: number;
  free?: number;
  path_maps?: PathMapWire[];
  running?: Array<{ job_id: string; lease_id: string }>;
}

export interface AskMessage {
  v: number;
  name: string;
  version: string;
  ask_id: string;
}

/** The settings a worker needs to build the same ffmpeg command the coordinator would. */
export interface AssignSettings {
  output_format: 'mkv' | 'mp4';
  quality_hevc: number;
  quality_av1: number;
  tonemap_hdr: boolean;
  tonemap_algorithm: TonemapAlgorithm;
  allow_same_codec: boolean;
  stall_timeout_secs: number;
  first_frame_timeout_secs: number;
}

export interface AssignMessage {
  v: number;
  ask_id: string;
  job_id: string;
  lease_id: string;
  lease_ms: number;
  /** The source, in the worker's namespace. */
  input: string;
  /** Where the worker puts its verified output, in the worker's namespace. */
  staging: string;
  preset_id: string;
  settings: AssignSettings;
}

export interface ProgressMessage {
  v: number;
  job_id: string;
  lease_id: string;
  seq: number;
  progress: number;
  speed: number;
  eta: string;
  encoder?: Accel;
  encoder_name?: string;
  is_hardware?: boolean;
  fallback_reason?: string;
}

export type LeaseMessage =
  | { v: number; job_id: string; lease_id: string; ok: true; seq: number; expires_in_ms: number }
  | { v: number; job_id: string; lease_id: string; ok: false; final: true; reason: string };

export interface ExpectWire {
  duration_ms: number;
  audio_streams: number;
  subtitle_streams?: number | null;
  attachments?: number;
}

export type ResultMessage =
  | { v: number; job_id: string; lease_id: string; outcome: 'staged'; staging: string; size: number; expect: ExpectWire }
  | { v: number; job_id: string; lease_id: string; outcome: 'failed'; error: string }
  | { v: number; job_id: string; lease_id: string; outcome: 'skipped'; reason: string }
  | { v: number; job_id: string; lease_id: string; outcome: 'refused'; reason: string };

export interface CoordinatorStatus {
  v: number;
  version: string;
  online: boolean;
  session: string;
}

export interface RefusedMessage {
  v: number;
  reason: string;
}

export type WorkerTopicKind = 'status' | 'ask' | 'assign' | 'refused' | 'progress' | 'lease' | 'result';
const KINDS: ReadonlySet<string> = new Set(['status', 'ask', 'assign', 'refused', 'progress', 'lease', 'result']);

export interface RemoteTopics {
  coordinator: string;
  /** `<base>/workers/+/<kind>` for subscriptions. */
  all(kind: WorkerTopicKind): string;
  of(name: string, kind: WorkerTopicKind): string;
  /** The worker name and kind of a topic under `<base>/workers/`, or undefined. */
  parse(topic: string): { name: string; kind: WorkerTopicKind } | undefined;
}

export function remoteTopics(base: string): RemoteTopics {
  const root = `${base}/workers/`;
  return {
    coordinator: `${root}coordinator`,
    all: (kind) => `${root}+/${kind}`,
    of: (name, kind) => `${root}${name}/${kind}`,
    parse: (topic) => {
      if (!topic.startsWith(root)) return undefined;
      const [name, kind, ...rest] = topic.slice(root.length).split('/');
      if (rest.length > 0 || name === undefined || kind === undefined || !WORKER_NAME.test(name) || !KINDS.has(kind)) return undefined;
      return { name, kind: kind as WorkerTopicKind };
    },
  };
}

// ---- validation ----------------------------------------------------------------------------------

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (o: Obj, k: string, max = 4096) => typeof o[k] === 'string' && (o[k] as string).length > 0 && (o[k] as string).length <= max;
const num = (o: Obj, k: string, min = 0, max = Number.MAX_SAFE_INTEGER) => typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) >= min && (o[k] as number) <= max;
const ACCELS: ReadonlySet<string> = new Set(['none', 'nvenc', 'qsv', 'vaapi', 'videotoolbox']);

/** JSON of at most 64 KiB carrying `v`; a wrong protocol version is a reason of its own. */
function envelope(payload: Buffer | string): Parsed<Obj> {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  if (text.length > 65_536) return { ok: false, reason: 'payload over 64 KiB' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  if (!isObj(value)) return { ok: false, reason: 'payload is not a JSON object' };
  if (value.v !== PROTOCOL_VERSION) return { ok: false, reason: `protocol version ${String(value.v)} is not ${PROTOCOL_VERSION}` };
  return { ok: true, value };
}

function check<T>(payload: Buffer | string, rules: Array<[boolean | ((o: Obj) => boolean), string]>): Parsed<T> {
  const env = envelope(payload);
  if (!env.ok) return env;
  for (const [rule, why] of rules) {
    if (!(typeof rule === 'function' ? rule(env.value) : rule)) return { ok: false, reason: why };
  }
  return { ok: true, value: env.value as T };
}

const lease = (o: Obj) => str(o, 'job_id', 64) && str(o, 'lease_id', 64);

export const parseAsk = (p: Buffer | string) =>
  check<AskMessage>(p, [
    [(o) => str(o, 'name', 64) && WORKER_NAME.test(o.name as string), 'name must be 1-64 letters, digits, _ or -'],
    [(o) => str(o, 'version', 64), 'version missing'],
    [(o) => str(o, 'ask_id', 64), 'ask_id missing'],
  ]);

export const parseStatus = (p: Buffer | string) =>
  check<WorkerStatus>(p, [
    [(o) => str(o, 'name', 64) && WORKER_NAME.test(o.name as string), 'name must be 1-64 letters, digits, _ or -'],
    [(o) => typeof o.online === 'boolean', 'online must be true or false'],
    [(o) => o.encoders === undefined || (Array.isArray(o.encoders) && o.encoders.every((e) => isObj(e) && (e.codec === 'hevc' || e.codec === 'av1') && ACCELS.has(String(e.accel)) && typeof e.encoder === 'string' && typeof e.hardware === 'boolean')), 'encoders malformed'],
    [(o) => o.slots === undefined || num(o, 'slots', 0, 64), 'slots must be 0-64'],
    [(o) => o.free === undefined || num(o, 'free', 0, 64), 'free must be 0-64'],
    [(o) => o.path_maps === undefined || (Array.isArray(o.path_maps) && o.path_maps.every((m) => isObj(m) && typeof m.coordinator === 'string' && typeof m.worker === 'string')), 'path_maps malformed'],
    [(o) => o.running === undefined || (Array.isArray(o.running) && o.running.every((r) => isObj(r) && lease(r))), 'running malformed'],
  ]);

export const parseProgress = (p: Buffer | string) =>
  check<ProgressMessage>(p, [
    [lease, 'job_id and lease_id required'],
    [(o) => num(o, 'seq'), 'seq must be a number'],
    [(o) => num(o, 'progress', 0, 100) && num(o, 'speed', 0, 1e6) && typeof o.eta === 'string', 'progress, speed and eta required'],
    [(o) => o.encoder === undefined || ACCELS.has(String(o.encoder)), 'unknown encoder family'],
    [(o) => o.encoder_name === undefined || str(o, 'encoder_name', 64), 'encoder_name malformed'],
    [(o) => o.fallback_reason === undefined || str(o, 'fallback_reason', 2000), 'fallback_reason malformed'],
  ]);

export const parseResult = (p: Buffer | string) =>
  check<ResultMessage>(p, [
    [lease, 'job_id and lease_id required'],
    [(o) => ['staged', 'failed', 'skipped', 'refused'].includes(String(o.outcome)), 'outcome must be staged, failed, skipped or refused'],
    [(o) => o.outcome !== 'staged' || (str(o, 'staging') && num(o, 'size', 1) && isObj(o.expect) && num(o.expect, 'duration_ms') && num(o.expect, 'audio_streams', 0, 1000)), 'staged needs staging, size and expect'],
    [(o) => o.outcome !== 'failed' || str(o, 'error', 20_000), 'failed needs error'],
    [(o) => (o.outcome !== 'skipped' && o.outcome !== 'refused') || str(o, 'reason', 2000), 'a reason is required'],
  ]);

export const parseAssign = (p: Buffer | string) =>
  check<AssignMessage>(p, [
    [lease, 'job_id and lease_id required'],
    [(o) => str(o, 'ask_id', 64) && str(o, 'input') && str(o, 'staging') && str(o, 'preset_id', 64), 'ask_id, input, staging and preset_id required'],
    [(o) => num(o, 'lease_ms', 500, 3_600_000), 'lease_ms must be 500 ms to 1 h'],
    [
      (o) =>
        isObj(o.settings) &&
        (o.settings.output_format === 'mkv' || o.settings.output_format === 'mp4') &&
        (TONEMAP_ALGORITHMS as readonly unknown[]).includes(o.settings.tonemap_algorithm) &&
        ['quality_hevc', 'quality_av1', 'stall_timeout_secs', 'first_frame_timeout_secs'].every((k) => num(o.settings as Obj, k, 0, 86_400)) &&
        typeof o.settings.tonemap_hdr === 'boolean' &&
        typeof o.settings.allow_same_codec === 'boolean',
      'settings malformed',
    ],
  ]);

export const parseLease = (p: Buffer | string) =>
  check<LeaseMessage>(p, [
    [lease, 'job_id and lease_id required'],
    [(o) => (o.ok === true && num(o, 'seq') && num(o, 'expires_in_ms')) || (o.ok === false && typeof o.reason === 'string'), 'ok with seq and expires_in_ms, or not ok with a reason'],
  ]);

export const parseCoordinator = (p: Buffer | string) =>
  check<CoordinatorStatus>(p, [
    [(o) => typeof o.online === 'boolean' && typeof o.version === 'string' && typeof o.session === 'string', 'online, version and session required'],
  ]);

export const parseRefused = (p: Buffer | string) => check<RefusedMessage>(p, [[(o) => str(o, 'reason', 2000), 'reason required']]);

/** Why a worker of `theirs` may not take jobs from a coordinator of `ours`, or undefined. */
export function versionProblem(name: string, theirs: string, ours: string): string | undefined {
  if (theirs === ours) return undefined;
  return `worker ${name} runs shrinkray ${theirs} but the coordinator runs ${ours}: install ${ours} on the worker (transcode arguments differ between versions)`;
}
