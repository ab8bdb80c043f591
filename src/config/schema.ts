import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export const TONEMAP_ALGORITHMS = [
  'hable',
  'bt2390',
  'reinhard',
  'mobius',
  'clip',
  'linear',
  'gamma',
] as const;

/** Quality overrides (the issue's ranges, upstream's documented ones); 0 = the encoder's default. */
export const QUALITY_RANGES = { hevc: { min: 15, max: 40 }, av1: { min: 20, max: 50 } } as const;

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const quality = (range: { min: number; max: number }) =>
  z
    .number()
    .int()
    .refine((v) => v === 0 || (v >= range.min && v <= range.max));
const topic = z.string().regex(/^[A-Za-z0-9_/-]+$/);

/**
 * Every setting, with its default. One schema validates the settings file, the environment, the
 * command line and PUT /api/config, and reports every error at once (D16).
 */
export const settingsSchema = z
  .object({
    media_paths: z.array(z.string().min(1)).min(1).default(['./media']),
    temp_path: z.string().default(''),
    port: int(0, 65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    workers: int(1, 6).default(1),
    log_level: z.enum(LOG_LEVELS).default('info'),
    /** `json`: one JSON object per line (pino); `pretty`: one readable line per event (the add-on's Log tab). */
    log_format: z.enum(LOG_FORMATS).default('json'),
    original_handling: z.enum(['replace', 'keep']).default('replace'),
    output_format: z.enum(['mkv', 'mp4']).default('mkv'),
    quality_hevc: quality(QUALITY_RANGES.hevc).default(0),
    quality_av1: quality(QUALITY_RANGES.av1).default(0),
    tonemap_hdr: z.boolean().default(false),
    tonemap_algorithm: z.enum(TONEMAP_ALGORITHMS).default('hable'),
    allow_same_codec: z.boolean().default(false),
    keep_larger_files: z.boolean().default(false),
    max_concurrent_analyses: int(1, 3).default(1),
    schedule_enabled: z.boolean().default(false),
    schedule_start_hour: int(0, 23).default(22),
    schedule_end_hour: int(0, 23).default(6),
    pushover_user_key: z.string().default(''),
    pushover_app_token: z.string().default(''),
    pushover_url: z.url({ protocol: /^https?$/ }).default('https://api.pushover.net/1/messages.json'),
    /** Seconds without progress before ffmpeg is killed (D13). */
    stall_timeout_secs: int(5, 86400).default(120),
    /** Seconds to the first frame on a hardware decode (D13). */
    first_frame_timeout_secs: int(1, 3600).default(10),
    ffmpeg_path: z.string().min(1).default('ffmpeg'),
    ffprobe_path: z.string().min(1).default('ffprobe'),
    /** An ffmpeg whose libvmaf scores SmartShrink samples; empty = the main ffmpeg (issue 9). */
    vmaf_ffmpeg: z.string().default(''),
    /** A VMAF model file for libvmaf builds that need one (1.x: `vmaf_v0.6.1.pkl`); empty = the built-in model. */
    vmaf_model: z.string().default(''),
    mqtt_url: z.string().default(''),
    mqtt_username: z.string().default(''),
    mqtt_password: z.string().default(''),
    mqtt_base_topic: topic.default('shrinkray'),
    mqtt_discovery_prefix: topic.default('homeassistant'),
    /** Minimum seconds between MQTT state publishes per topic (D7); job starts and ends go out at once. */
    mqtt_state_interval_secs: int(1, 3600).default(5),
    /** The Home Assistant Supervisor's API (add-on mode; tests point it at a stand-in). */
    supervisor_url: z.url({ protocol: /^https?$/ }).default('http://supervisor'),
    /** Set by the Supervisor for add-ons (`SUPERVISOR_TOKEN`); enables MQTT service discovery. */
    supervisor_token: z.string().default(''),
    /** Where people reach this service; the MQTT device's "Visit" link outside Home Assistant. */
    public_url: z.string().default(''),
    /** Bearer token required on the API when set (D17). */
    api_token: z.string().default(''),
    /** When not empty, the main listener answers only these peers (the add-on's ingress: 172.30.32.2). */
    allowed_peers: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
    /** A second listener for direct API access (0 = none); it always requires `api_token`. */
    api_port: int(0, 65535).default(0),
    /**
     * Host names the main listener answers when no token is set (D21, DNS rebinding). IP literals,
     * `localhost`, this machine's host name and `public_url`'s host are always allowed.
     */
    allowed_hosts: z.array(z.string().regex(/^[A-Za-z0-9.-]+$/)).default([]),
    /** Hand jobs to remote workers over the MQTT broker at `mqtt_url` (issue 12, docs/remote-workers.md). */
    remote_workers: z.boolean().default(false),
    /** `hardware`: a job goes to a free worker with a hardware encoder for its codec first. */
    remote_prefer: z.enum(['hardware', 'any']).default('hardware'),
    /** A remote job whose worker is silent this long is requeued at the front. */
    remote_lease_secs: int(2, 600).default(30),
    /** false: this machine encodes nothing itself and only hands jobs to remote workers. */
    local_encoding: z.boolean().default(true),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[];

const whole = (min: number, max: number) => `must be a whole number between ${min} and ${max}`;
const oneOf = (values: readonly string[]) => `must be one of: ${values.join(', ')}`;
const BOOL = 'must be true or false';
const STRING = 'must be a string';

/**
 * One readable sentence per setting, whatever zod check failed, so a user sees the rule rather than
 * the validator's internals (upstream's messages read the same way).
 */
const MESSAGES: Record<SettingKey, string> = {
  media_paths: 'must be a list of one or more folders',
  temp_path: STRING,
  port: whole(0, 65535),
  host: 'must be a non-empty host name or address',
  workers: whole(1, 6),
  log_level: "must be 'debug', 'info', 'warn', or 'error'",
  log_format: "must be 'json' or 'pretty'",
  original_handling: "must be 'replace' or 'keep'",
  output_format: "must be 'mkv' or 'mp4'",
  quality_hevc: `${whole(QUALITY_RANGES.hevc.min, QUALITY_RANGES.hevc.max)} (or 0 for the encoder default)`,
  quality_av1: `${whole(QUALITY_RANGES.av1.min, QUALITY_RANGES.av1.max)} (or 0 for the encoder default)`,
  tonemap_hdr: BOOL,
  tonemap_algorithm: oneOf(TONEMAP_ALGORITHMS),
  allow_same_codec: BOOL,
  keep_larger_files: BOOL,
  max_concurrent_analyses: whole(1, 3),
  schedule_enabled: BOOL,
  schedule_start_hour: whole(0, 23),
  schedule_end_hour: whole(0, 23),
  pushover_user_key: STRING,
  pushover_app_token: STRING,
  pushover_url: 'must be an http:// or https:// URL',
  stall_timeout_secs: whole(5, 86400),
  first_frame_timeout_secs: whole(1, 3600),
  ffmpeg_path: 'must be a non-empty command or path',
  ffprobe_path: 'must be a non-empty command or path',
  vmaf_ffmpeg: 'must be a command or path (empty: the main ffmpeg)',
  vmaf_model: 'must be a path to a VMAF model file (empty: the built-in model)',
  mqtt_url: STRING,
  mqtt_username: STRING,
  mqtt_password: STRING,
  mqtt_base_topic: 'may only contain letters, digits, _, - and /',
  mqtt_discovery_prefix: 'may only contain letters, digits, _, - and /',
  mqtt_state_interval_secs: whole(1, 3600),
  supervisor_url: 'must be an http:// or https:// URL',
  supervisor_token: STRING,
  public_url: STRING,
  api_token: STRING,
  allowed_peers: 'must be a list of IP addresses',
  api_port: whole(0, 65535),
  allowed_hosts: 'must be a list of host names (letters, digits, dots and dashes)',
  remote_workers: BOOL,
  remote_prefer: "must be 'hardware' or 'any'",
  remote_lease_secs: whole(2, 600),
  local_encoding: BOOL,
};

const isSettingKey = (key: unknown): key is SettingKey => typeof key === 'string' && key in MESSAGES;

/** Readable, one-line-per-problem messages (`workers must be a whole number between 1 and 6`), one per setting. */
export function formatIssues(error: z.ZodError): string[] {
  const out = new Set<string>();
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.add(`${key} is not a known setting`);
      continue;
    }
    const key = issue.path[0];
    if (isSettingKey(key)) out.add(`${key} ${MESSAGES[key]}`);
    else out.add(`${issue.path.length > 0 ? issue.path.join('.') : 'settings'}: ${issue.message}`);
  }
  return [...out];
}

export const SAME_HOURS_PROBLEM =
  'schedule_start_hour and schedule_end_hour must differ (a window from an hour to the same hour would never run)';

/**
 * Checks that need several fields (D10: start == end is refused, not silently "never"). Runs on the
 * raw values so that it is reported together with every other problem.
 */
function crossFieldProblems(values: Record<string, unknown>): string[] {
  const hour = (key: 'schedule_start_hour' | 'schedule_end_hour') => settingsSchema.shape[key].safeParse(values[key]);
  const start = hour('schedule_start_hour');
  const end = hour('schedule_end_hour');
  const problems: string[] = [];
  if (start.success && end.success && start.data === end.data) problems.push(SAME_HOURS_PROBLEM);
  // D17: a direct API port is never open without a token.
  const apiPort = settingsSchema.shape.api_port.safeParse(values.api_port);
  if (apiPort.success && apiPort.data > 0 && !values.api_token) {
    problems.push('api_port needs api_token: the direct API port is never open without a token');
  }
  return problems;
}

export type Checked = { ok: true; settings: Settings } | { ok: false; problems: string[] };

/** Validates a complete set of values (file + overrides, or file + patch + overrides). */
export function checkSettings(values: Record<string, unknown>): Checked {
  const parsed = settingsSchema.safeParse(values);
  const problems = [...(parsed.success ? [] : formatIssues(parsed.error)), ...crossFieldProblems(values)];
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, settings: parsed.data };
}
