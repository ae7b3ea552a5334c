/** The invalidation handler's configuration (to be folded into the central contract). */
export interface InvalidationConfig {
  /** The shared cache table. */
  readonly tableName: string;
  /** A local DynamoDB-compatible server (or DynamoDB Local); none: the regional endpoint. */
  readonly endpoint: string | undefined;
  readonly region: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** Reads and validates the environment once; throws naming the offending variable. */
export function parseInvalidationConfig(env: Env): InvalidationConfig {
  const tableName = env.TABLE_NAME?.trim() ?? '';
  if (!TABLE_NAME.test(tableName)) {
    throw new Error('Invalid configuration: TABLE_NAME must be a DynamoDB table name');
  }
  const endpoint = env.DYNAMODB_ENDPOINT?.trim() || undefined;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new Error('Invalid configuration: DYNAMODB_ENDPOINT must be an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error('Invalid configuration: DYNAMODB_ENDPOINT must be an http(s) URL');
    }
  }
  const region = env.AWS_REGION?.trim() || 'us-east-1';
  return Object.freeze({ tableName, endpoint, region });
}
