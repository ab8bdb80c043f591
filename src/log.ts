import { pino } from 'pino';
import { prettyDestination } from './log/pretty.js';

export type Logger = pino.Logger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';

/**
 * Logs to stdout (or a given stream); the level can change at run time (`logger.level = …`).
 * `json`: pino's JSON lines. `pretty`: one readable line per event (src/log/pretty.ts), formatted in
 * this process from the same JSON, with errors serialised with their `cause` chain.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, format: LogFormat = 'json'): Logger {
  const options: pino.LoggerOptions = { level, base: { name: 'shrinkray' }, timestamp: pino.stdTimeFunctions.isoTime };
  if (format === 'pretty') {
    options.serializers = { err: pino.stdSerializers.errWithCause };
    return pino(options, prettyDestination(destination ?? pino.destination({ dest: 1, sync: true })));
  }
  return destination ? pino(options, destination) : pino(options);
}
