import { readSetting } from '../attendee/config';
import { ConfigError } from '../attendee/errors';
import { FUNCTION_SETTINGS } from '../attendee/function-settings';

/**
 * The invalidation function's configuration: the cache table and its endpoint, read by the same
 * rules (and variable names) as the attendee function's, from the one contract.
 */
export interface InvalidationConfig {
  /** The shared cache table. */
  readonly tableName: string;
  /** A local DynamoDB-compatible server (or DynamoDB Local); none: the regional endpoint. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** How long its tombstones and markers stay (CACHE_SHARED_TTL_MS, as the records they replace). */
  readonly ttlMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads and validates the environment once; throws a `ConfigError` naming the variable. The
 * table settings of every function that only works on the table (this one, the prefetch).
 */
export function parseInvalidationConfig(env: Env): InvalidationConfig {
  const tableName = readSetting(env, 'cacheTableName');
  if (tableName === undefined) {
    throw new ConfigError(FUNCTION_SETTINGS.cacheTableName.env, 'is required');
  }
  const endpoint = readSetting(env, 'dynamodbEndpoint');
  const region = env.AWS_REGION?.trim() || 'us-east-1';
  const ttlMs = readSetting(env, 'cacheSharedTtlMs');
  return Object.freeze({ tableName, endpoint, region, ttlMs });
}
