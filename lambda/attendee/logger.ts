import type { Config } from './config';

/** A line's fields: plain values, and objects only for Embedded Metric Format's `_aws`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | object>>;

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

/** Whether `fields` has a key of the line itself (such a field takes the generic path). */
const reservedIn = (fields: LogFields) =>
  'level' in fields || 'message' in fields || 'timestamp' in fields || 'service' in fields;

/**
 * The line `JSON.stringify({ level, message, timestamp, service, ...fields })` gives, without
 * building the merged object: the fields are serialised on their own and spliced after the
 * fixed head (the same keys in the same order, `undefined` values dropped alike).
 */
export function formatLine(
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR',
  message: string,
  fields: LogFields,
  timestamp: string,
): string {
  if (reservedIn(fields)) {
    return `${JSON.stringify({ level, message, timestamp, service: SERVICE, ...fields })}\n`;
  }
  const rest = JSON.stringify(fields);
  const tail = rest.length > 2 ? `,${rest.slice(1)}` : '}';
  return `{"level":"${level}","message":${JSON.stringify(message)},"timestamp":"${timestamp}","service":"${SERVICE}"${tail}\n`;
}

/**
 * One JSON line per call on stdout, in the shape Powertools writes (level, message, timestamp,
 * service, then the fields), without its per-call environment reads and attribute merging.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): RequestLogger {
  const threshold = SEVERITY[config.logLevel];
  const line = (level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR') =>
    SEVERITY[level] < threshold
      ? () => undefined
      : (message: string, fields: LogFields) => {
          process.stdout.write(formatLine(level, message, fields, new Date().toISOString()));
        };
  return {
    debugEnabled: threshold === SEVERITY.DEBUG,
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
  };
}
