import type { Config } from '../common/config/settings';
import { type LogFields, type LogLevel, writeLine } from '../common/log-line';

export type RequestLogger = ReturnType<typeof createLogger>;

const SEVERITY = { DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3 } as const;

/** One JSON line per call, in Powertools' shape without its per-call environment reads. */
export function createLogger(config: Pick<Config, 'logLevel'>) {
  const threshold = SEVERITY[config.logLevel];
  const line = (level: LogLevel): ((message: string, fields: LogFields) => void) =>
    SEVERITY[level] < threshold
      ? () => undefined
      : (message, fields) => writeLine(level, message, fields, 'chime-attendee-api');
  return {
    /** Whether `debug` writes anything: callers skip building its fields. */
    debugEnabled: threshold === SEVERITY.DEBUG,
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
  };
}
