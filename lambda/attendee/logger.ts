import { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from './config';

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

/** The one-line-per-request log sink. */
export interface RequestLogger {
  info(fields: LogFields): void;
  warn(fields: LogFields): void;
  error(fields: LogFields): void;
}

/**
 * A Powertools JSON logger. Event logging stays off: the event carries the Authorization header.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): RequestLogger {
  const logger = new Logger({ serviceName: 'chime-attendee-api', logLevel: config.logLevel });
  return {
    info: (fields) => logger.info('request', fields),
    warn: (fields) => logger.warn('request', fields),
    error: (fields) => logger.error('request', fields),
  };
}
