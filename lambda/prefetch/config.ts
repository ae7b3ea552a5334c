import { type Config, readChimeConfig, readSetting } from '../attendee/config';
import type { FunctionSettingId } from '../attendee/function-settings';
import { parseInvalidationConfig } from '../invalidation/config';

/**
 * The settings the prefetch function reads, from the one contract (function-settings.ts) and by
 * the same rules and variable names as the attendee function. The stack gives it these only.
 */
export const PREFETCH_SETTING_IDS = Object.freeze([
  'chimeRegion',
  'chimeEndpoint',
  'chimeMaxAttempts',
  'chimeMaxRetryAfterMs',
  'chimeRequestTimeoutMs',
  'chimeConnectionTimeoutMs',
  'cacheTableName',
  'dynamodbEndpoint',
  'dynamodbRequestTimeoutMs',
  'cacheSharedTtlMs',
  'cacheLeaseMs',
  'cachePrefetchMinAdded',
  'cachePrefetchCallsPerSecond',
] as const satisfies readonly FunctionSettingId[]);

/** Settings only the prefetch function reads: the attendee function's environment leaves them out. */
export const PREFETCH_ONLY_SETTING_IDS = Object.freeze([
  'cachePrefetchMinAdded',
  'cachePrefetchCallsPerSecond',
] as const satisfies readonly FunctionSettingId[]);

/** The prefetch function's configuration. */
export interface PrefetchConfig {
  readonly chime: Config['chime'];
  readonly tableName: string;
  /** A local DynamoDB-compatible server; none: the regional endpoint. */
  readonly dynamodbEndpoint: string | undefined;
  readonly dynamodbRequestTimeoutMs: number;
  readonly region: string;
  readonly ttlMs: number;
  readonly leaseMs: number;
  readonly minAdded: number;
  readonly callsPerSecond: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the environment once; throws a `ConfigError` naming the variable. */
export function parsePrefetchConfig(env: Env): PrefetchConfig {
  const table = parseInvalidationConfig(env);
  return Object.freeze({
    chime: Object.freeze(readChimeConfig(env)),
    tableName: table.tableName,
    dynamodbEndpoint: table.endpoint,
    dynamodbRequestTimeoutMs: readSetting(env, 'dynamodbRequestTimeoutMs'),
    region: table.region,
    ttlMs: readSetting(env, 'cacheSharedTtlMs'),
    leaseMs: readSetting(env, 'cacheLeaseMs'),
    minAdded: readSetting(env, 'cachePrefetchMinAdded'),
    callsPerSecond: readSetting(env, 'cachePrefetchCallsPerSecond'),
  });
}
