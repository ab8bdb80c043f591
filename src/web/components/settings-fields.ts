/** How each setting of GET/PUT /api/config is shown (docs/settings.md); grouped as people look for them. */
export type FieldKind = 'bool' | 'int' | 'select' | 'text' | 'secret';

export interface Field {
  key: string;
  label: string;
  kind: FieldKind;
  help?: string;
  options?: ReadonlyArray<[string, string]>;
  min?: number;
  max?: number;
}

export interface Group {
  title: string;
  fields: Field[];
}

const hours = { min: 0, max: 23 };
const TONEMAP = ['hable', 'bt2390', 'reinhard', 'mobius', 'clip', 'linear', 'gamma'].map((v) => [v, v] as [string, string]);

export const GROUPS: readonly Group[] = [
  {
    title: 'Files',
    fields: [
      { key: 'original_handling', label: 'Original file', kind: 'select', options: [['replace', 'Replace it with the smaller file'], ['keep', 'Keep it as <name>.old']] },
      { key: 'output_format', label: 'Output container', kind: 'select', options: [['mkv', 'MKV'], ['mp4', 'MP4']] },
      { key: 'keep_larger_files', label: 'Keep an output that is not smaller', kind: 'bool' },
      { key: 'allow_same_codec', label: 'Transcode files already in the target codec', kind: 'bool' },
    ],
  },
  {
    title: 'Quality',
    fields: [
      { key: 'quality_hevc', label: 'HEVC quality (CRF/CQ)', kind: 'int', min: 0, max: 40, help: '0 = the encoder default; otherwise 15–40, lower is better and larger' },
      { key: 'quality_av1', label: 'AV1 quality (CRF/CQ)', kind: 'int', min: 0, max: 50, help: '0 = the encoder default; otherwise 20–50, lower is better and larger' },
      { key: 'tonemap_hdr', label: 'Tone-map HDR to SDR', kind: 'bool', help: 'Off keeps HDR as HDR' },
      { key: 'tonemap_algorithm', label: 'Tone-mapping algorithm', kind: 'select', options: TONEMAP },
    ],
  },
  {
    title: 'Workers and schedule',
    fields: [
      { key: 'workers', label: 'Workers (jobs at once)', kind: 'int', min: 1, max: 6 },
      { key: 'max_concurrent_analyses', label: 'SmartShrink analyses at once', kind: 'int', min: 1, max: 3 },
      { key: 'schedule_enabled', label: 'Only start jobs inside a time window', kind: 'bool' },
      { key: 'schedule_start_hour', label: 'Window starts at (hour)', kind: 'int', ...hours },
      { key: 'schedule_end_hour', label: 'Window ends at (hour)', kind: 'int', ...hours },
    ],
  },
  {
    title: 'Watchdog',
    fields: [
      { key: 'stall_timeout_secs', label: 'Stop ffmpeg after this many seconds without progress', kind: 'int', min: 5, max: 86400 },
      { key: 'first_frame_timeout_secs', label: 'Seconds to the first frame (hardware decode)', kind: 'int', min: 1, max: 3600 },
    ],
  },
  {
    title: 'Notifications',
    fields: [
      { key: 'notify_on_complete', label: 'Notify when the queue is done', kind: 'bool' },
      { key: 'pushover_user_key', label: 'Pushover user key', kind: 'text' },
      { key: 'pushover_app_token', label: 'Pushover app token', kind: 'secret', help: 'Shown masked; type a new token to replace it, or clear the field to remove it' },
    ],
  },
  {
    title: 'Logging',
    fields: [{ key: 'log_level', label: 'Log level', kind: 'select', options: ['debug', 'info', 'warn', 'error'].map((v) => [v, v] as [string, string]) }],
  },
];

export const FIELD_KEYS: ReadonlySet<string> = new Set(GROUPS.flatMap((g) => g.fields.map((f) => f.key)));

/**
 * Which fields a PUT error is about: the service starts each message with the setting's name
 * (`workers must be …`, `schedule_start_hour and schedule_end_hour must differ`).
 */
export function fieldsOf(message: string): string[] {
  const out: string[] = [];
  for (const word of message.split(/\s+/)) {
    if (FIELD_KEYS.has(word)) out.push(word);
    else if (word !== 'and') break;
  }
  return out;
}
