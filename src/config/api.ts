import { isDeepStrictEqual } from 'node:util';
import { SETTING_KEYS, type SettingKey, type Settings } from './schema.js';

/**
 * What PUT /api/config may change: upstream's fields plus our watchdog timeouts. Paths, programs,
 * listeners, MQTT and the Pushover URL stay with flags/env/add-on options: an API client must not
 * be able to widen the media roots (D17), run another program, or send the token elsewhere.
 */
export const API_WRITABLE: ReadonlySet<SettingKey> = new Set<SettingKey>([
  'original_handling',
  'workers',
  'pushover_user_key',
  'pushover_app_token',
  'quality_hevc',
  'quality_av1',
  'schedule_enabled',
  'schedule_start_hour',
  'schedule_end_hour',
  'output_format',
  'tonemap_hdr',
  'tonemap_algorithm',
  'max_concurrent_analyses',
  'allow_same_codec',
  'keep_larger_files',
  'log_level',
  'stall_timeout_secs',
  'first_frame_timeout_secs',
]);

/** Fields GET returns that are facts, not settings: a client may send them back and they are ignored. */
const VIEW_ONLY = new Set([
  'version',
  'pushover_configured',
  'default_quality_hevc',
  'default_quality_av1',
  'hevc_encoder',
  'av1_encoder',
  'has_temp_path',
  'media_path',
  'overridden',
]);

export const MASK_PREFIX = '********';

/** The Pushover token as GET shows it: never in full; the last four characters help recognise it. */
export function maskSecret(secret: string): string {
  if (secret === '') return '';
  return secret.length >= 12 ? MASK_PREFIX + secret.slice(-4) : MASK_PREFIX;
}

export interface ConfigFacts {
  version: string;
  notifyOnComplete: boolean;
  /** Accel of the best encoder per codec (`none` = software). */
  encoders: { hevc: string; av1: string };
  defaultQuality: { hevc: number; av1: number };
  overridden: readonly SettingKey[];
}

/** GET /api/config: upstream's fields (keys sorted, as upstream's Go map), secrets masked. */
export function configView(s: Settings, facts: ConfigFacts): Record<string, unknown> {
  const view: Record<string, unknown> = {
    allow_same_codec: s.allow_same_codec,
    av1_encoder: facts.encoders.av1,
    default_quality_av1: facts.defaultQuality.av1,
    default_quality_hevc: facts.defaultQuality.hevc,
    first_frame_timeout_secs: s.first_frame_timeout_secs,
    has_temp_path: s.temp_path !== '',
    hevc_encoder: facts.encoders.hevc,
    keep_larger_files: s.keep_larger_files,
    log_level: s.log_level,
    max_concurrent_analyses: s.max_concurrent_analyses,
    media_path: s.media_paths[0] ?? '',
    media_paths: [...s.media_paths],
    notify_on_complete: facts.notifyOnComplete,
    original_handling: s.original_handling,
    output_format: s.output_format,
    overridden: [...facts.overridden].sort(),
    pushover_app_token: maskSecret(s.pushover_app_token),
    pushover_configured: s.pushover_user_key !== '' && s.pushover_app_token !== '',
    pushover_user_key: s.pushover_user_key,
    quality_av1: s.quality_av1,
    quality_hevc: s.quality_hevc,
    schedule_enabled: s.schedule_enabled,
    schedule_end_hour: s.schedule_end_hour,
    schedule_start_hour: s.schedule_start_hour,
    stall_timeout_secs: s.stall_timeout_secs,
    tonemap_algorithm: s.tonemap_algorithm,
    tonemap_hdr: s.tonemap_hdr,
    version: facts.version,
    workers: s.workers,
  };
  return view;
}

export interface UpdatePlan {
  /** Settings to hand to SettingsStore.update (still to be validated as a whole). */
  patch: Partial<Record<SettingKey, unknown>>;
  notifyOnComplete?: boolean;
  /** Problems found before schema validation (unknown or locked fields, bad body). */
  problems: string[];
}

const KNOWN: ReadonlySet<string> = new Set(SETTING_KEYS);
/** Settings whose current value GET shows (the token masked, handled on its own). */
const SHOWN: ReadonlySet<SettingKey> = new Set<SettingKey>([...API_WRITABLE, 'media_paths']);

/**
 * Sorts a PUT body into a settings patch, the notify flag and problems. Locked fields (not
 * writable here, or set by a flag/env/add-on option) may only repeat their current value, so a
 * client can send back what GET returned; a different value is an error, never silently dropped.
 */
export function planUpdate(body: unknown, current: Settings, isOverridden: (key: SettingKey) => boolean): UpdatePlan {
  const plan: UpdatePlan = { patch: {}, problems: [] };
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    plan.problems.push('invalid request body: expected a JSON object of settings');
    return plan;
  }
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === 'notify_on_complete') {
      if (typeof value === 'boolean') plan.notifyOnComplete = value;
      else plan.problems.push('notify_on_complete must be true or false');
      continue;
    }
    if (VIEW_ONLY.has(key)) continue;
    if (!KNOWN.has(key)) {
      plan.problems.push(`${key} is not a known setting`);
      continue;
    }
    const setting = key as SettingKey;
    if (setting === 'pushover_app_token' && typeof value === 'string' && value.startsWith(MASK_PREFIX)) {
      // The masked value GET returned: the client did not change the token.
      if (value !== maskSecret(current.pushover_app_token)) {
        plan.problems.push('pushover_app_token looks like a masked value; send the real token, or leave the field out to keep it');
      }
      continue;
    }
    const locked = isOverridden(setting) || !API_WRITABLE.has(setting);
    if (!locked) {
      const next = setting === 'log_level' && typeof value === 'string' ? value.toLowerCase() : value;
      // An unchanged value is left out, so a GET → PUT round trip doesn't pin today's defaults in the file.
      if (!isDeepStrictEqual(next, current[setting])) plan.patch[setting] = next;
    } else if (!SHOWN.has(setting) || !isDeepStrictEqual(value, current[setting])) {
      // Settings GET never shows (api_token, mqtt_password, …) are always refused: accepting the
      // current value would let a client test guesses.
      plan.problems.push(
        isOverridden(setting)
          ? `${key} is set by a command-line flag, environment variable or add-on option and cannot be changed here`
          : `${key} cannot be changed through the API`,
      );
    }
  }
  return plan;
}
