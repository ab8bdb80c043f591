/**
 * One readable line per log event, for the Home Assistant add-on's Log tab (`log_format: pretty`):
 *
 *   2026-01-16 10:05:00.123 INFO  jobs added paths=["/media/TV"] found=3 added=3
 *   2026-01-16 10:05:09.870 ERROR request failed method=GET path=/api/jobs | TypeError: boom | caused by: Error: disk gone
 *
 * Local time (the Supervisor sets TZ), the level padded to five characters, the message, then every
 * field the call logged as key=value (strings with spaces or quotes are JSON-quoted, objects are compact
 * JSON, long values are cut), then the error and its `cause` chain. Never a stack and never a line
 * break: `log_format: json` keeps the full objects. Pure: it formats what pino wrote.
 */

export const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Pino's own fields and the ones every line would repeat. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'v', 'err']);
/** A value longer than this is cut; the line stays readable even for a large ffmpeg command. */
export const MAX_VALUE = 400;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS.mmm` in local time. */
export function localTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** No line breaks or other control characters inside a line. */
const oneLine = (text: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is replaced
  text.replace(/\r?\n/g, '\\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const cut = (text: string): string => (text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…(+${text.length - MAX_VALUE} chars)` : text);

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return cut(value === '' || /[\s"'=|\\]/.test(value) ? JSON.stringify(value) : oneLine(value));
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'undefined';
  return cut(JSON.stringify(value) ?? String(value));
}

interface SerializedError {
  type?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** `TypeError: boom | caused by: Error: disk gone` from pino's `errWithCause` shape (or a plain string). */
export function formatError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (typeof current !== 'object') {
      parts.push(oneLine(String(current)));
      break;
    }
    const e = current as SerializedError;
    const type = typeof e.type === 'string' && e.type !== '' ? e.type : 'Error';
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(e.message ?? '');
    parts.push(oneLine(message === '' ? type : `${type}: ${message}`));
    current = e.cause;
  }
  return parts.join(' | caused by: ');
}

/** One JSON log line from pino → one readable line (without the newline). Anything else passes through. */
export function prettyLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return oneLine(json.trimEnd());
    event = parsed as Record<string, unknown>;
  } catch {
    return oneLine(json.trimEnd());
  }
  const time = typeof event.time === 'string' || typeof event.time === 'number' ? new Date(event.time) : new Date();
  const level = typeof event.level === 'number' ? (LEVEL_NAMES[event.level] ?? `L${event.level}`) : String(event.level ?? 'INFO').toUpperCase();
  const parts = [localTime(Number.isNaN(time.getTime()) ? new Date() : time), level.padEnd(5), oneLine(typeof event.msg === 'string' ? event.msg : '')];
  for (const [key, value] of Object.entries(event)) {
    if (HIDDEN.has(key)) continue;
    parts.push(`${key}=${formatValue(value)}`);
  }
  let line = parts.filter((p) => p !== '').join(' ');
  if (event.err !== undefined) line += ` | ${formatError(event.err)}`;
  return line;
}

export interface LineSink {
  write(text: string): unknown;
}

/**
 * A pino destination that writes pretty lines to `out` in the same process (no worker thread: a
 * fatal line before `process.exit` is never lost). Pino hands over whole lines, one per write.
 */
export function prettyDestination(out: LineSink): { write(chunk: string): boolean } {
  return {
    write(chunk: string): boolean {
      for (const json of chunk.split('\n')) {
        if (json.trim() !== '') out.write(`${prettyLine(json)}\n`);
      }
      return true;
    },
  };
}
