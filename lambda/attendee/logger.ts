import { type LogFields, type LogLevel, writeLine } from '../common/log-line';
import type { Config } from './config';

/** The structured log sink: one line per request (message `request`), plus init events. */
export interface RequestLogger {
  /** Whether `debug` writes anything (`LOG_LEVEL=DEBUG`): callers skip building its fields. */
  readonly debugEnabled: boolean;
  debug(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

const SEVERITY = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const;
const SERVICE = 'chime-attendee-api';

/**
 * One JSON line per call on stdout, in the shape Powertools writes (level, message, timestamp,
 * service, then the fields), without its per-call environment reads and attribute merging.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): RequestLogger {
  const threshold = SEVERITY[config.logLevel];
  const line = (level: LogLevel) =>
    SEVERITY[level] < threshold
      ? () => undefined
      : (message: string, fields: LogFields) => writeLine(level, message, fields, SERVICE);
  return {
    debugEnabled: threshold === SEVERITY.DEBUG,
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
  };
}
