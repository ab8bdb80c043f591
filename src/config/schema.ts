import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const TONEMAP_ALGORITHMS = [
  'hable',
  'bt2390',
  'reinhard',
  'mobius',
  'clip',
  'linear',
  'gamma',
] as const;

/**
 * Every setting, with its default. One schema validates the settings file, the environment, the
 * command line and (later) PUT /api/config, and reports every error at once (D16).
 */
export const settingsSchema = z
  .object({
    media_paths: z.array(z.string().min(1)).min(1).default(['./media']),
    temp_path: z.string().default(''),
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    workers: z.number().int().min(1).max(6).default(1),
    log_level: z.enum(LOG_LEVELS).default('info'),
    original_handling: z.enum(['replace', 'keep']).default('replace'),
    output_format: z.enum(['mkv', 'mp4']).default('mkv'),
    quality_hevc: z
      .number()
      .int()
      .refine((v) => v === 0 || (v >= 15 && v <= 40), 'must be between 15 and 40 (or 0 for the encoder default)')
      .default(0),
    quality_av1: z
      .number()
      .int()
      .refine((v) => v === 0 || (v >= 20 && v <= 50), 'must be between 20 and 50 (or 0 for the encoder default)')
      .default(0),
    tonemap_hdr: z.boolean().default(false),
    tonemap_algorithm: z.enum(TONEMAP_ALGORITHMS).default('hable'),
    allow_same_codec: z.boolean().default(false),
    keep_larger_files: z.boolean().default(false),
    max_concurrent_analyses: z.number().int().min(1).max(3).default(1),
    schedule_enabled: z.boolean().default(false),
    schedule_start_hour: z.number().int().min(0).max(23).default(22),
    schedule_end_hour: z.number().int().min(0).max(23).default(6),
    pushover_user_key: z.string().default(''),
    pushover_app_token: z.string().default(''),
    pushover_url: z.string().url().default('https://api.pushover.net/1/messages.json'),
    /** Seconds without progress before ffmpeg is killed (D13). */
    stall_timeout_secs: z.number().int().min(5).max(86400).default(120),
    /** Seconds to the first frame on a hardware decode (D13). */
    first_frame_timeout_secs: z.number().int().min(1).max(3600).default(10),
    ffmpeg_path: z.string().min(1).default('ffmpeg'),
    ffprobe_path: z.string().min(1).default('ffprobe'),
    mqtt_url: z.string().default(''),
    mqtt_username: z.string().default(''),
    mqtt_password: z.string().default(''),
    mqtt_base_topic: z
      .string()
      .regex(/^[A-Za-z0-9_/-]+$/, 'may only contain letters, digits, _, - and /')
      .default('shrinkray'),
    mqtt_discovery_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_/-]+$/, 'may only contain letters, digits, _, - and /')
      .default('homeassistant'),
    /** Bearer token required on the API when set (D17). */
    api_token: z.string().default(''),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;

/** Readable, one-line-per-problem messages: `workers: Too big: expected number to be <=6`. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'settings';
    return `${where}: ${issue.message}`;
  });
}
