import type { Config } from './config';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The structured log sink: one line per request (message `request`), plus init events. */
export interface RequestLogger {
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
  const line = (level: 'INFO' | 'WARN' | 'ERROR') =>
    SEVERITY[level] < threshold
      ? () => undefined
      : (message: string, fields: LogFields) => {
          process.stdout.write(
            `${JSON.stringify({ level, message, timestamp: new Date().toISOString(), service: SERVICE, ...fields })}\n`,
          );
        };
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}
