import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from './config';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The structured log sink: one line per request (message `request`), plus init events. */
export interface RequestLogger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

/**
 * A Powertools JSON logger. Event logging stays off: the event carries the Authorization header.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): RequestLogger {
  const logger = new Logger({ serviceName: 'chime-attendee-api', logLevel: config.logLevel });
  return {
    info: (message, fields) => logger.info(message, fields),
    warn: (message, fields) => logger.warn(message, fields),
    error: (message, fields) => logger.error(message, fields),
  };
}
