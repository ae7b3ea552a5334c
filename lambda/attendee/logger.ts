import { type LogFields, type LogLevel, writeLine } from '../common/log-line';
import type { Config } from './config';

export interface RequestLogger {
  /** Whether `debug` writes anything: callers skip building its fields. */
  readonly debugEnabled: boolean;
  debug(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

const SEVERITY = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const;

/** One JSON line per call, in Powertools' shape without its per-call environment reads. */
export function createLogger(config: Pick<Config, 'logLevel'>): RequestLogger {
  const threshold = SEVERITY[config.logLevel];
  const line = (level: LogLevel) =>
    SEVERITY[level] < threshold
      ? () => undefined
      : (message: string, fields: LogFields) =>
          writeLine(level, message, fields, 'chime-attendee-api');
  return {
    debugEnabled: threshold === SEVERITY.DEBUG,
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
  };
}
