import { RuleError } from '../common/validators';
import type { ClaimPath } from './claim-path';
import { ConfigError } from './errors';
import {
  type Algorithm,
  FUNCTION_SETTINGS,
  type FunctionSettingId,
  type JoinTokenPolicyName,
  type LogLevel,
  type ModeratorScope,
  type SettingValue,
} from './function-settings';

export type { JoinTokenPolicyName } from './function-settings';
export { JOIN_TOKEN_POLICIES } from './function-settings';

/** The typed, frozen configuration of one Lambda container. */
export interface Config {
  readonly chime: {
    /** The meetings' control region: GetAttendee must be called there. */
    readonly region: string;
    /** Endpoint override, for a local emulator. */
    readonly endpoint: string | undefined;
    readonly maxAttempts: number;
    /** An upstream Retry-After longer than this is returned to the client, not waited out. */
    readonly maxRetryAfterMs: number;
    /** Per attempt; a timeout throws (`throwOnRequestTimeout`). */
    readonly requestTimeoutMs: number;
    readonly connectionTimeoutMs: number;
  };
  /** The overall budget of one request, below the Lambda timeout. */
  readonly deadlineMs: number;
  readonly auth: {
    /** Exactly as configured: `iss` is compared as a string, trailing slash included. */
    readonly issuer: string;
    readonly audience: readonly string[];
    /** Explicit JWKS URI; `undefined`: the issuer's discovery document names it. */
    readonly jwksUri: string | undefined;
    readonly algorithms: readonly Algorithm[];
    /** Cognito user pool id when the issuer is a Cognito user pool. */
    readonly cognitoUserPoolId: string | undefined;
    /** The `token_use` required: for a Cognito user pool issuer, or when set explicitly. */
    readonly cognitoTokenUse: 'access' | 'id' | undefined;
    readonly graceSeconds: number;
    readonly jwksTimeoutMs: number;
    /** Plain-HTTP issuer, discovery and JWKS are for a local identity provider only. */
    readonly allowHttpJwks: boolean;
  };
  readonly policy: {
    readonly joinToken: JoinTokenPolicyName;
    readonly identityClaim: ClaimPath;
    readonly ownerSeparator: string | undefined;
    readonly moderatorClaim: ClaimPath;
    readonly moderatorGroup: string;
    readonly moderatorScope: ModeratorScope;
    readonly tenantClaim: ClaimPath | undefined;
  };
  readonly http: {
    /** Default `Retry-After` (seconds) when upstream gives none. */
    readonly retryAfterSeconds: number;
  };
  readonly cache: {
    readonly containerAttendeeTtlMs: number;
    readonly containerMeetingTtlMs: number;
    readonly maxEntries: number;
    /** The shared table; `undefined`: the container tier only. */
    readonly tableName: string | undefined;
    readonly dynamodbEndpoint: string | undefined;
    readonly dynamodbRequestTimeoutMs: number;
    readonly sharedTtlMs: number;
    readonly hotThreshold: number;
    readonly hotWindowMs: number;
    readonly leaseMs: number;
    readonly leaseWaitMs: number;
    readonly leasePollMs: number;
    readonly snapshotFreshnessMs: number;
  };
  /** Chime calls per minute a caller may spend on attendees it may not see. */
  readonly callerBudgetPerMinute: number;
  readonly metricsNamespace: string;
  readonly logLevel: LogLevel;
}

type Env = Readonly<Record<string, string | undefined>>;

const COGNITO_ISSUER =
  /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9-]+_[A-Za-z0-9]+)$/;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Reads one setting of {@link FUNCTION_SETTINGS} from the environment, by its rule. */
export function readSetting<K extends FunctionSettingId>(env: Env, id: K): SettingValue<K> {
  const spec = FUNCTION_SETTINGS[id];
  const raw = env[spec.env]?.trim();
  if (raw === undefined || raw === '') {
    if (spec.required) throw new ConfigError(spec.env, 'is required');
    return spec.default as SettingValue<K>;
  }
  try {
    return spec.validator.parse(raw) as SettingValue<K>;
  } catch (error) {
    if (error instanceof RuleError) throw new ConfigError(spec.env, `"${raw}" ${error.message}`);
    throw error;
  }
}

/** Plain http is for a local identity provider only. */
function httpsUnlessAllowed(variable: string, value: string | undefined, allowHttp: boolean) {
  if (value !== undefined && !allowHttp && new URL(value).protocol !== 'https:') {
    throw new ConfigError(variable, `"${value}" must be https (http needs JWT_ALLOW_HTTP_JWKS)`);
  }
  return value;
}

/** The Chime client's settings, as every function that calls Chime reads them. */
export function readChimeConfig(env: Env): Config['chime'] {
  const get = <K extends FunctionSettingId>(id: K) => readSetting(env, id);
  return {
    region: get('chimeRegion'),
    endpoint: get('chimeEndpoint'),
    maxAttempts: get('chimeMaxAttempts'),
    maxRetryAfterMs: get('chimeMaxRetryAfterMs'),
    requestTimeoutMs: get('chimeRequestTimeoutMs'),
    connectionTimeoutMs: get('chimeConnectionTimeoutMs'),
  };
}

/**
 * Reads and validates the environment once, at init, by the contract in `function-settings.ts`.
 * Throws a {@link ConfigError} naming the offending variable, its value and the rule.
 *
 * @example
 * const config = parseConfig(process.env);
 */
export function parseConfig(env: Env): Config {
  const get = <K extends FunctionSettingId>(id: K) => readSetting(env, id);
  const S = FUNCTION_SETTINGS;
  const allowHttpJwks = get('allowHttpJwks');
  const issuer = httpsUnlessAllowed(S.identityIssuer.env, get('identityIssuer'), allowHttpJwks);
  const jwksUri = httpsUnlessAllowed(S.identityJwksUri.env, get('identityJwksUri'), allowHttpJwks);
  const cognito = COGNITO_ISSUER.exec(issuer as string);

  const deadlineMs = get('deadlineMs');
  const requestTimeoutMs = get('chimeRequestTimeoutMs');
  if (requestTimeoutMs > deadlineMs) {
    throw new ConfigError(S.chimeRequestTimeoutMs.env, `must not exceed ${S.deadlineMs.env}`);
  }
  const moderatorScope = get('moderatorScope');
  const tenantClaim = get('tenantClaim');
  if (moderatorScope === 'tenant' && tenantClaim === undefined) {
    throw new ConfigError(S.tenantClaim.env, `is required when ${S.moderatorScope.env} is tenant`);
  }

  const leaseMs = get('cacheLeaseMs');
  const leaseWaitMs = get('cacheLeaseWaitMs');
  if (leaseWaitMs > leaseMs) {
    throw new ConfigError(S.cacheLeaseWaitMs.env, `must not exceed ${S.cacheLeaseMs.env}`);
  }
  const sharedTtlMs = get('cacheSharedTtlMs');
  const snapshotFreshnessMs = get('cacheSnapshotFreshnessMs');
  if (snapshotFreshnessMs > sharedTtlMs) {
    throw new ConfigError(
      S.cacheSnapshotFreshnessMs.env,
      `must not exceed ${S.cacheSharedTtlMs.env}`,
    );
  }

  return deepFreeze<Config>({
    chime: readChimeConfig(env),
    deadlineMs,
    auth: {
      issuer: issuer as string,
      audience: get('identityAudience') as readonly string[],
      jwksUri,
      algorithms: get('jwtAlgorithms') as readonly Algorithm[],
      cognitoUserPoolId: cognito?.[2],
      cognitoTokenUse: get('cognitoTokenUse') ?? (cognito ? 'access' : undefined),
      graceSeconds: get('jwtGraceSeconds'),
      jwksTimeoutMs: get('jwksTimeoutMs'),
      allowHttpJwks,
    },
    policy: {
      joinToken: get('joinTokenPolicy'),
      identityClaim: get('identityClaim'),
      ownerSeparator: get('ownerSeparator'),
      moderatorClaim: get('moderatorClaim'),
      moderatorGroup: get('moderatorGroup'),
      moderatorScope,
      tenantClaim,
    },
    http: { retryAfterSeconds: get('retryAfterSeconds') },
    cache: {
      containerAttendeeTtlMs: get('cacheAttendeeTtlMs'),
      containerMeetingTtlMs: get('cacheMeetingTtlMs'),
      maxEntries: get('cacheMaxEntries'),
      tableName: get('cacheTableName'),
      dynamodbEndpoint: get('dynamodbEndpoint'),
      dynamodbRequestTimeoutMs: get('dynamodbRequestTimeoutMs'),
      sharedTtlMs,
      hotThreshold: get('cacheHotThreshold'),
      hotWindowMs: get('cacheHotWindowMs'),
      leaseMs,
      // A container that waits for another's snapshot must still have time for its own Chime
      // attempt: the wait never takes more than the deadline leaves after one attempt.
      leaseWaitMs: Math.max(0, Math.min(leaseWaitMs, deadlineMs - requestTimeoutMs)),
      leasePollMs: get('cacheLeasePollMs'),
      snapshotFreshnessMs,
    },
    callerBudgetPerMinute: get('callerBudgetPerMinute'),
    metricsNamespace: get('metricsNamespace'),
    logLevel: get('logLevel'),
  });
}
