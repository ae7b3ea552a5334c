/**
 * Each function setting once, in the group of the functions that read it. Its doc comment is its
 * README description (`npm run config:tables`), never in a bundle; synth reads them (lib/settings.ts).
 */
import { formatClaimPath, parseClaimPath } from './claim-path';
import {
  boolean,
  ConfigError,
  character,
  httpUrl,
  integer,
  list,
  oneOf,
  plain,
  RuleError,
  text,
  type Validator,
} from './validators';

export interface Setting<T = unknown> {
  readonly env: string;
  readonly validator: Validator<T>;
  readonly default: T | undefined;
  readonly required?: true;
  /** Who sets it when deployed: the context key of its name, the stack, or only a laptop. */
  readonly set: { by: 'context' } | { by: 'stack'; how: string } | { by: 'local' };
}
export type Settings = Readonly<Record<string, Setting>>;
/** A setting's parsed type: `undefined` only when it has no default and may be unset. */
export type ValueOf<S> = S extends { validator: Validator<infer T>; default: infer D }
  ? T | (S extends { required: true } ? never : Extract<D, undefined>)
  : never;
export type Values<S> = { readonly [K in keyof S]: ValueOf<S[K]> };

const CONTEXT = { by: 'context' } as const;
const LOCAL = { by: 'local' } as const;
const stack = (how: string) => ({ by: 'stack', how }) as const;
/** A setting (set by the context key of its name unless `set` says otherwise); its default shapes its type. */
const setting = <T, const D extends T | undefined = undefined, S = typeof CONTEXT>(
  env: string,
  validator: Validator<T>,
  fallback?: D,
  set: S = CONTEXT as S,
) => ({ env, validator, default: Object.freeze(fallback) as D, set });
/** A function fails to start without it. */
const required = <S extends Setting>(spec: S) => ({ ...spec, required: true as const });

const claimPath = {
  ...plain('a claim path (`a.b`, `["https://x/roles"]`)', parseClaimPath),
  format: formatClaimPath,
};
/** An issuer is an absolute URL without query or fragment (OpenID Connect Discovery §3). */
const issuer = plain(httpUrl.rule, (raw) => {
  if (/[?#]/.test(httpUrl.parse(raw))) throw new RuleError('must have no query or fragment');
  return raw;
});
const region = text(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS Region (e.g. us-east-1)');
const groupName = text(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, 'a group name (1–128 characters)');
const logLevels = oneOf(['DEBUG', 'INFO', 'WARN', 'ERROR'], { caseless: true });
const namespace = text(/^[A-Za-z0-9._/#:-]{1,255}$/, 'a CloudWatch namespace');
/** Algorithms the function can verify; the stack narrows them to what the HTTP API can. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const CHIME_CLIENT = {
  /** The meetings’ control region: GetAttendee, GetMeeting and ListAttendees are called there. */
  chimeRegion: setting('CHIME_REGION', region, 'us-east-1'),
  /** Endpoint override, for the local Chime SDK Meetings emulator. */
  chimeEndpoint: setting('CHIME_ENDPOINT', httpUrl, undefined, LOCAL),
  /** SDK attempts per Chime call (standard retry mode), first one included. */
  chimeMaxAttempts: setting('CHIME_MAX_ATTEMPTS', integer(1, 10), 3),
  /** An upstream Retry-After longer than this is handed to the client, not waited out. */
  chimeMaxRetryAfterMs: setting('CHIME_MAX_RETRY_AFTER_MS', integer(0, 29000), 1000),
  /** Time-out of one Chime attempt; must not exceed DEADLINE_MS. */
  chimeRequestTimeoutMs: setting('CHIME_REQUEST_TIMEOUT_MS', integer(50, 29000), 2000),
  /** TCP and TLS connect time-out of one Chime attempt. */
  chimeConnectionTimeoutMs: setting('CHIME_CONNECTION_TIMEOUT_MS', integer(50, 29000), 1000),
};
const IDENTITY = {
  /** The `iss` of accepted tokens, compared exactly as written (https; http only with JWT_ALLOW_HTTP_JWKS). Unset in the stack: a Cognito user pool is created. */
  identityIssuer: required(setting('JWT_ISSUER', issuer)),
  /** Accepted audiences: a token’s `aud`, or its `client_id` when it has no `aud`, must be one. */
  identityAudience: required(setting('JWT_AUDIENCE', list(text(/^[^\s,]{1,256}$/, 'an audience')))),
  /** Where the signing keys are; unset, `jwks_uri` of the issuer’s OpenID discovery document. */
  identityJwksUri: setting('JWT_JWKS_URI', httpUrl),
  /** Accepted signature algorithms; behind the HTTP API authorizer, RSA only. */
  jwtAlgorithms: setting('JWT_ALGORITHMS', list(oneOf(ALGORITHMS)), ['RS256']),
  /** The `token_use` a token must carry. Unset: `access` for a Cognito user pool issuer, not checked for others. */
  cognitoTokenUse: setting('JWT_COGNITO_TOKEN_USE', oneOf(['access', 'id'])),
  /** Clock skew tolerated on `exp` and `nbf`. */
  jwtGraceSeconds: setting('JWT_GRACE_SECONDS', integer(0, 300), 0),
  /** Time-out of the discovery and JWKS fetches. */
  jwksTimeoutMs: setting('JWT_JWKS_TIMEOUT_MS', integer(100, 10000), 1500),
  /** Allows a plain-http issuer, discovery and JWKS (a local identity provider only). */
  allowHttpJwks: setting('JWT_ALLOW_HTTP_JWKS', boolean, false, LOCAL),
};
const POLICY = {
  /** `owner`: the attendee’s owner gets its JoinToken; `never`: nobody does. */
  joinTokenPolicy: setting('JOIN_TOKEN_POLICY', oneOf(['owner', 'never']), 'owner'),
  /** Claim path compared with the attendee’s ExternalUserId (`email` also needs `email_verified` true). */
  identityClaim: setting('IDENTITY_CLAIM', claimPath, ['sub']),
  /** One character: `<identity><separator><anything>` is owned too. Unset: exact match. */
  ownerSeparator: setting('OWNER_SEPARATOR', character),
  /** Claim path of the caller’s groups, roles or scopes (array, string or scope string). */
  moderatorClaim: setting('MODERATOR_CLAIM', claimPath, ['cognito:groups']),
  /** The group (role, scope) whose members read attendees they do not own, never their JoinToken; also the Cognito group created. */
  moderatorGroup: setting('MODERATOR_GROUP', groupName, 'moderators'),
  /** `global`: moderators read any meeting’s attendees; `tenant`: only meetings whose TenantIds hold one of their tenants. */
  moderatorScope: setting('MODERATOR_SCOPE', oneOf(['global', 'tenant']), 'global'),
  /** Claim path of the caller’s tenant(s); required when `moderatorScope` is `tenant`. */
  tenantClaim: setting('TENANT_CLAIM', claimPath),
  /** `on`: whoever owns an attendee of a meeting reads its other attendees and its roster (never a JoinToken); `off`: only owners and moderators. */
  participantRole: setting('PARTICIPANT_ROLE', oneOf(['on', 'off']), 'on'),
  /** Claim path of the display name other participants see; recorded when the owner fetches its own attendee, join info or the roster. */
  nameClaim: setting('NAME_CLAIM', claimPath, ['name']),
};
const CONTAINER_CACHE = {
  /** How long a container serves an attendee it read. Without the table this is the freshness bound (nothing tells a container of Chime’s changes); with it, at most 1 s, then the table is read again. 0 turns the container tier (and its single flight) off. */
  cacheAttendeeTtlMs: setting('CACHE_ATTENDEE_TTL_MS', integer(0, 3600000), 10000),
  /** How long a container serves a meeting it read: the same bound as for attendees; 0 turns it off. */
  cacheMeetingTtlMs: setting('CACHE_MEETING_TTL_MS', integer(0, 3600000), 10000),
  /** Entries each container cache holds at most (least recently used go first). */
  cacheMaxEntries: setting('CACHE_MAX_ENTRIES', integer(1, 1000000), 10000),
};
const TABLE = {
  /** The shared cache table; unset: the container cache only. */
  cacheTableName: setting(
    'CACHE_TABLE_NAME',
    text(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name'),
    undefined,
    stack('the cache table it creates (none with `-c sharedCache=false`)'),
  ),
  /** Endpoint override for the cache table: the local dynalite, DynamoDB Local. */
  dynamodbEndpoint: setting('DYNAMODB_ENDPOINT', httpUrl, undefined, LOCAL),
  /** How long a shared record is served: the longest a deleted attendee’s record survives if its event is lost. */
  cacheSharedTtlMs: setting('CACHE_SHARED_TTL_MS', integer(1000, 86400000), 600000),
};
/** The shared tier as requests use it: its client, hot meetings' snapshots. */
const SHARED_CACHE = {
  /** Time-out of one DynamoDB attempt (two attempts); past it the request asks Chime. */
  dynamodbRequestTimeoutMs: setting('DYNAMODB_REQUEST_TIMEOUT_MS', integer(50, 5000), 500),
  /** Misses of one meeting within the window (per container) that make it hot: its attendees are listed into the table. */
  cacheHotThreshold: setting('CACHE_HOT_THRESHOLD', integer(1, 1000), 1),
  /** The window in which those misses are counted. */
  cacheHotWindowMs: setting('CACHE_HOT_WINDOW_MS', integer(1000, 600000), 10000),
  /** How long one container holds the lease to snapshot a hot meeting. */
  cacheLeaseMs: setting('CACHE_LEASE_MS', integer(500, 60000), 5000),
  /** How long a container that lost the lease waits for the snapshot before asking Chime itself. */
  cacheLeaseWaitMs: setting('CACHE_LEASE_WAIT_MS', integer(0, 60000), 2000),
  /** How often a waiting container looks for the snapshot. */
  cacheLeasePollMs: setting('CACHE_LEASE_POLL_MS', integer(10, 1000), 50),
  /** How long a snapshot counts as complete: an attendee missing from a fresh one was created after it (GetAttendee). */
  cacheSnapshotFreshnessMs: setting('CACHE_SNAPSHOT_FRESHNESS_MS', integer(1000, 86400000), 60000),
};
const PREFETCH = {
  /** Prefetch function: `chime:AttendeeAdded` events of one meeting in one batch that make it list the meeting into the table before its attendees ask. */
  cachePrefetchMinAdded: setting('CACHE_PREFETCH_MIN_ADDED', integer(1, 1000), 10),
  /** Prefetch function: Chime calls per second and operation of each of its (at most 2) instances, so that prefetching leaves the quota to requests. */
  cachePrefetchCallsPerSecond: setting('CACHE_PREFETCH_CALLS_PER_SECOND', integer(1, 100), 4),
};
const REQUEST = {
  /** The budget of one whole request, kept below the Lambda timeout. */
  deadlineMs: setting(
    'DEADLINE_MS',
    integer(100, 29000),
    6000,
    stack('`timeoutSeconds` × 1000 − 2000'),
  ),
  /** Lookups per minute one caller (issuer and `sub`) may make of attendees it turns out not to own or moderate, each costing the same whichever tier answered it (plus any Chime attempt beyond the first); past it, 429. */
  callerBudgetPerMinute: setting('CALLER_BUDGET_PER_MINUTE', integer(1, 10000), 30),
  /** Namespace of the metrics the request log line carries (Embedded Metric Format). */
  metricsNamespace: setting(
    'METRICS_NAMESPACE',
    namespace,
    'ChimeAttendeeApi',
    stack('the stack name'),
  ),
  /** `Retry-After` sent with a 503 when upstream gives none. */
  retryAfterSeconds: setting('RETRY_AFTER_SECONDS', integer(1, 60), 1),
  /** `DEBUG` adds a line per Chime call and the configuration at init; `INFO` one line per request. */
  logLevel: setting('LOG_LEVEL', logLevels, 'INFO'),
};

/** What each function reads: the stack gives it these (those it sets), and only these. */
export const ATTENDEE_SETTINGS = {
  ...CHIME_CLIENT,
  ...IDENTITY,
  ...POLICY,
  ...CONTAINER_CACHE,
  ...TABLE,
  ...SHARED_CACHE,
  ...REQUEST,
};
export const INVALIDATION_SETTINGS = { ...TABLE, cacheTableName: required(TABLE.cacheTableName) };
export const PREFETCH_SETTINGS = {
  ...CHIME_CLIENT,
  ...INVALIDATION_SETTINGS,
  dynamodbRequestTimeoutMs: SHARED_CACHE.dynamodbRequestTimeoutMs,
  cacheLeaseMs: SHARED_CACHE.cacheLeaseMs,
  ...PREFETCH,
};
export const FUNCTION_SETTINGS = { ...ATTENDEE_SETTINGS, ...PREFETCH };

type SettingId = keyof typeof FUNCTION_SETTINGS;
type ContextSettingId = {
  [K in SettingId]: (typeof FUNCTION_SETTINGS)[K]['set'] extends { by: 'context' } ? K : never;
}[SettingId];
/** The function settings a context key of the same name sets. */
export const CONTEXT_SETTING_IDS = Object.keys(FUNCTION_SETTINGS).filter(
  (id) => FUNCTION_SETTINGS[id as SettingId].set.by === 'context',
) as ContextSettingId[];

/**
 * The first rule between settings that `v` (what one reader holds) breaks: the setting to blame,
 * why (naming others by `name`: variables for a function, keys for synth), and its value.
 */
export function brokenRule(
  v: Partial<Values<typeof FUNCTION_SETTINGS>>,
  name: (id: SettingId) => string,
): readonly [SettingId, string, string?] | undefined {
  const blame = (id: SettingId, reason: string) => {
    const value =
      v[id] === undefined ? undefined : (FUNCTION_SETTINGS[id] as Setting).validator.format(v[id]);
    return [id, reason, value] as const;
  };
  for (const id of ['identityIssuer', 'identityJwksUri'] as const) {
    const value = v[id];
    if (value && v.allowHttpJwks === false && new URL(value).protocol !== 'https:') {
      return blame(id, `must be https (http needs ${name('allowHttpJwks')})`);
    }
  }
  if (v.moderatorScope === 'tenant' && v.tenantClaim === undefined) {
    return blame('tenantClaim', `is required when ${name('moderatorScope')} is tenant`);
  }
  for (const [id, limit] of [
    ['chimeRequestTimeoutMs', 'deadlineMs'],
    ['cacheLeaseWaitMs', 'cacheLeaseMs'],
    ['cacheSnapshotFreshnessMs', 'cacheSharedTtlMs'],
  ] as const) {
    if ((v[id] ?? 0) > (v[limit] ?? Infinity)) return blame(id, `must not exceed ${name(limit)}`);
  }
  return undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Each setting's value by its rule from its text (`textOf`; its default when unset): for a
 * function its variable, for synth its context key. A broken rule throws what `fail` makes of it.
 */
export function readValues<S extends Readonly<Record<string, Omit<Setting, 'env' | 'set'>>>>(
  specs: S,
  textOf: (id: string, spec: S[keyof S]) => string | undefined,
  fail: (id: string, reason: string, text?: string) => Error,
): Values<S> {
  const entries = (Object.entries(specs) as [string, S[keyof S]][]).map(([id, spec]) => {
    let text: string | undefined;
    try {
      text = textOf(id, spec);
      return [id, text === undefined ? spec.default : spec.validator.parse(text)];
    } catch (error) {
      throw error instanceof RuleError ? fail(id, error.message, text) : error;
    }
  });
  return Object.fromEntries(entries) as Values<S>;
}

/** A function's settings from its environment, by their rules and those between them. */
function readSettings<S extends Settings>(env: Env, settings: S): Values<S> {
  const fail = (id: string, reason: string, text?: string) =>
    new ConfigError(
      FUNCTION_SETTINGS[id as SettingId].env,
      text === undefined ? reason : `"${text}" ${reason}`,
    );
  const values = readValues(
    settings,
    (_, spec) => {
      const text = env[spec.env]?.trim() || undefined;
      if (spec.required && !text) throw new RuleError('is required');
      return text;
    },
    fail,
  );
  const broken = brokenRule(values, (id) => FUNCTION_SETTINGS[id].env);
  if (broken) throw fail(...broken);
  return values;
}

export type ChimeClientSettings = Values<typeof CHIME_CLIENT>;
export type PolicySettings = Values<typeof POLICY>;
/** What a container's cache tiers read; the table's client and name come apart. */
export type CacheSettings = Omit<Values<typeof SHARED_CACHE>, 'dynamodbRequestTimeoutMs'> &
  Values<typeof CONTAINER_CACHE>;

const COGNITO_ISSUER =
  /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[a-z0-9-]+_[A-Za-z0-9]+$/;

/**
 * The attendee function's configuration, read once, at init: typed, frozen, defaults applied.
 * Throws a {@link ConfigError} naming the variable, the value and the rule.
 */
export function parseConfig(env: Env) {
  const s = readSettings(env, ATTENDEE_SETTINGS);
  return Object.freeze({
    ...s,
    cognitoTokenUse:
      s.cognitoTokenUse ?? (COGNITO_ISSUER.test(s.identityIssuer) ? 'access' : undefined),
    // A waiter keeps time for its own Chime attempt within the deadline.
    cacheLeaseWaitMs: Math.min(s.cacheLeaseWaitMs, s.deadlineMs - s.chimeRequestTimeoutMs),
    // The table is in the stack's region, not the meetings' control region.
    tableRegion: env.AWS_REGION ?? s.chimeRegion,
  });
}

export type Config = ReturnType<typeof parseConfig>;

/** Read once, at init, frozen; the table is in the stack's region (AWS_REGION), not Chime's. */
const withTable = <S extends Settings>(env: Env, settings: S) =>
  Object.freeze({ ...readSettings(env, settings), region: env.AWS_REGION?.trim() || 'us-east-1' });
export const parsePrefetchConfig = (env: Env) => withTable(env, PREFETCH_SETTINGS);
export const parseInvalidationConfig = (env: Env) => withTable(env, INVALIDATION_SETTINGS);
