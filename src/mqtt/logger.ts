/** The logging the bridge needs: a pino logger fits (object first, message second). */
type LogFn = (obj: object | string, msg?: string) => void;

export interface MqttLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  debug: LogFn;
}
