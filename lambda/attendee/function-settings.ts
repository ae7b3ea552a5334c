/**
 * The configuration contract of the attendee function: every setting, declared once, with its
 * environment variable, rule, default, who sets it when deployed, and what it means.
 *
 * From this table come `parseConfig(env)` (config.ts), the stack's context keys and the
 * function's environment (lib/settings.ts, lib/attendee-api-stack.ts), and the README's tables
 * (`npm run config:tables`; a test fails when the README drifts).
 *
 * `set`:
 * - `context`: a CDK context key of the same name sets it (`-c chimeMaxAttempts=2`);
 * - `stack`: the stack derives it (`how` says from what);
 * - `local`: only a laptop sets it (`npm start`, `sam local`); a deployed stack never does.
 */

import {
  boolean,
  character,
  integer,
  list,
  oneOf,
  RuleError,
  region,
  text,
  url,
  type Validator,
} from '../common/validators';
import { type ClaimPath, ClaimPathError, formatClaimPath, parseClaimPath } from './claim-path';

export type SettingSource =
  | { readonly by: 'context' }
  | { readonly by: 'stack'; readonly how: string }
  | { readonly by: 'local' };

export interface SettingSpec<T> {
  readonly env: string;
  readonly validator: Validator<T>;
  /** The value when unset; `undefined` with `required` unset means "off / none". */
  readonly default: T | undefined;
  readonly required: boolean;
  readonly set: SettingSource;
  readonly description: string;
}

/** Declares a setting; its default (or `required`) shapes its parsed type. */
function setting<T, D extends T | undefined = undefined, R extends boolean = false>(
  spec: Omit<SettingSpec<T>, 'required' | 'default'> & { default?: D; required?: R },
): SettingSpec<T> & { readonly default: D; readonly required: R } {
  return Object.freeze({ default: undefined as D, required: false as R, ...spec });
}

const CONTEXT = Object.freeze({ by: 'context' as const });
const LOCAL = Object.freeze({ by: 'local' as const });

export const JOIN_TOKEN_POLICIES = ['owner', 'never'] as const;
export type JoinTokenPolicyName = (typeof JOIN_TOKEN_POLICIES)[number];
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Algorithms the function can verify; the stack narrows them to what the HTTP API can. */
export const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const MODERATOR_SCOPES = ['global', 'tenant'] as const;
export type ModeratorScope = (typeof MODERATOR_SCOPES)[number];

/**
 * A claim path (claim-path.ts): dot-separated names (`realm_access.roles`), a name with other
 * characters in brackets and double quotes (`["https://example.com/roles"]`).
 */
const claimPath: Validator<ClaimPath> = {
  rule: 'a claim path (`a.b`, `["https://x/roles"]`)',
  parse: (raw) => {
    try {
      return parseClaimPath(raw);
    } catch (error) {
      if (error instanceof ClaimPathError) throw new RuleError(error.message);
      throw error;
    }
  },
  format: formatClaimPath,
};
/** An issuer is an absolute URL without query or fragment (OpenID Connect Discovery §3). */
const issuer: Validator<string> = {
  ...url({ allowHttp: true }),
  parse: (raw) => {
    const value = url({ allowHttp: true }).parse(raw);
    if (/[?#]/.test(value)) throw new RuleError('must have no query or fragment');
    return value;
  },
};
const groupName = text(/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u, 'a group name (1–128 characters)');

/** Every setting of the attendee function, by id (the id of a `context` setting is its key). */
export const FUNCTION_SETTINGS = Object.freeze({
  chimeRegion: setting({
    env: 'CHIME_REGION',
    validator: region,
    default: 'us-east-1',
    set: CONTEXT,
    description:
      'The meetings’ control region: GetAttendee, GetMeeting and ListAttendees are called there.',
  }),
  chimeEndpoint: setting({
    env: 'CHIME_ENDPOINT',
    validator: url({ allowHttp: true }),
    set: LOCAL,
    description: 'Endpoint override, for the local Chime SDK Meetings emulator.',
  }),
  chimeMaxAttempts: setting({
    env: 'CHIME_MAX_ATTEMPTS',
    validator: integer(1, 10),
    default: 3,
    set: CONTEXT,
    description: 'SDK attempts per Chime call (standard retry mode), first one included.',
  }),
  chimeMaxRetryAfterMs: setting({
    env: 'CHIME_MAX_RETRY_AFTER_MS',
    validator: integer(0, 29000),
    default: 1000,
    set: CONTEXT,
    description:
      'An upstream Retry-After longer than this is handed to the client, not waited out.',
  }),
  chimeRequestTimeoutMs: setting({
    env: 'CHIME_REQUEST_TIMEOUT_MS',
    validator: integer(50, 29000),
    default: 2000,
    set: CONTEXT,
    description: 'Time-out of one Chime attempt; must not exceed DEADLINE_MS.',
  }),
  chimeConnectionTimeoutMs: setting({
    env: 'CHIME_CONNECTION_TIMEOUT_MS',
    validator: integer(50, 29000),
    default: 1000,
    set: CONTEXT,
    description: 'TCP and TLS connect time-out of one Chime attempt.',
  }),
  deadlineMs: setting({
    env: 'DEADLINE_MS',
    validator: integer(100, 29000),
    default: 6000,
    set: { by: 'stack', how: '`timeoutSeconds` × 1000 − 2000' },
    description: 'The budget of one whole request, kept below the Lambda timeout.',
  }),
  identityIssuer: setting({
    env: 'JWT_ISSUER',
    validator: issuer,
    required: true,
    set: CONTEXT,
    description:
      'The `iss` of accepted tokens, compared exactly as written (https; http only with JWT_ALLOW_HTTP_JWKS). Unset in the stack: a Cognito user pool is created.',
  }),
  identityAudience: setting({
    env: 'JWT_AUDIENCE',
    validator: list(text(/^[^\s,]{1,256}$/, 'an audience')),
    required: true,
    set: CONTEXT,
    description:
      'Accepted audiences: a token’s `aud`, or its `client_id` when it has no `aud`, must be one.',
  }),
  identityJwksUri: setting({
    env: 'JWT_JWKS_URI',
    validator: url({ allowHttp: true }),
    set: CONTEXT,
    description:
      'Where the signing keys are; unset, `jwks_uri` of the issuer’s OpenID discovery document.',
  }),
  jwtAlgorithms: setting({
    env: 'JWT_ALGORITHMS',
    validator: list(oneOf(ALGORITHMS)),
    default: ['RS256'] as readonly Algorithm[],
    set: CONTEXT,
    description: 'Accepted signature algorithms; behind the HTTP API authorizer, RSA only.',
  }),
  cognitoTokenUse: setting({
    env: 'JWT_COGNITO_TOKEN_USE',
    validator: oneOf(['access', 'id'] as const),
    set: CONTEXT,
    description:
      'The `token_use` a token must carry. Unset: `access` for a Cognito user pool issuer, not checked for others.',
  }),
  jwtGraceSeconds: setting({
    env: 'JWT_GRACE_SECONDS',
    validator: integer(0, 300),
    default: 0,
    set: CONTEXT,
    description: 'Clock skew tolerated on `exp` and `nbf`.',
  }),
  jwksTimeoutMs: setting({
    env: 'JWT_JWKS_TIMEOUT_MS',
    validator: integer(100, 10000),
    default: 1500,
    set: CONTEXT,
    description: 'Time-out of the discovery and JWKS fetches.',
  }),
  allowHttpJwks: setting({
    env: 'JWT_ALLOW_HTTP_JWKS',
    validator: boolean,
    default: false,
    set: LOCAL,
    description: 'Allows a plain-http issuer, discovery and JWKS (a local identity provider only).',
  }),
  joinTokenPolicy: setting({
    env: 'JOIN_TOKEN_POLICY',
    validator: oneOf(JOIN_TOKEN_POLICIES),
    default: 'owner' as JoinTokenPolicyName,
    set: CONTEXT,
    description: '`owner`: the attendee’s owner gets its JoinToken; `never`: nobody does.',
  }),
  identityClaim: setting({
    env: 'IDENTITY_CLAIM',
    validator: claimPath,
    default: ['sub'] as ClaimPath,
    set: CONTEXT,
    description:
      'Claim path compared with the attendee’s ExternalUserId (`email` also needs `email_verified` true).',
  }),
  ownerSeparator: setting({
    env: 'OWNER_SEPARATOR',
    validator: character,
    set: CONTEXT,
    description:
      'One character: `<identity><separator><anything>` is owned too. Unset: exact match.',
  }),
  moderatorClaim: setting({
    env: 'MODERATOR_CLAIM',
    validator: claimPath,
    default: ['cognito:groups'] as ClaimPath,
    set: CONTEXT,
    description:
      'Claim path of the caller’s groups, roles or scopes (array, string or scope string).',
  }),
  moderatorGroup: setting({
    env: 'MODERATOR_GROUP',
    validator: groupName,
    default: 'moderators',
    set: CONTEXT,
    description:
      'The group (role, scope) whose members read attendees they do not own, never their JoinToken; also the Cognito group created.',
  }),
  moderatorScope: setting({
    env: 'MODERATOR_SCOPE',
    validator: oneOf(MODERATOR_SCOPES),
    default: 'global' as ModeratorScope,
    set: CONTEXT,
    description:
      '`global`: moderators read any meeting’s attendees; `tenant`: only meetings whose TenantIds hold one of their tenants.',
  }),
  tenantClaim: setting({
    env: 'TENANT_CLAIM',
    validator: claimPath,
    set: CONTEXT,
    description:
      'Claim path of the caller’s tenant(s); required when `moderatorScope` is `tenant`.',
  }),
  cacheAttendeeTtlMs: setting({
    env: 'CACHE_ATTENDEE_TTL_MS',
    validator: integer(0, 3600000),
    default: 10000,
    set: CONTEXT,
    description:
      'How long a container serves an attendee it read. Without the table this is the freshness bound (nothing tells a container of Chime’s changes); with it, at most 1 s, then the table is read again. 0 turns the container tier (and its single flight) off.',
  }),
  cacheMeetingTtlMs: setting({
    env: 'CACHE_MEETING_TTL_MS',
    validator: integer(0, 3600000),
    default: 10000,
    set: CONTEXT,
    description:
      'How long a container serves a meeting it read: the same bound as for attendees; 0 turns it off.',
  }),
  cacheMaxEntries: setting({
    env: 'CACHE_MAX_ENTRIES',
    validator: integer(1, 1000000),
    default: 10000,
    set: CONTEXT,
    description: 'Entries each container cache holds at most (least recently used go first).',
  }),
  cacheTableName: setting({
    env: 'CACHE_TABLE_NAME',
    validator: text(/^[a-zA-Z0-9_.-]{3,255}$/, 'a DynamoDB table name'),
    set: { by: 'stack', how: 'the cache table it creates (none with `-c sharedCache=false`)' },
    description: 'The shared cache table; unset: the container cache only.',
  }),
  dynamodbEndpoint: setting({
    env: 'DYNAMODB_ENDPOINT',
    validator: url({ allowHttp: true }),
    set: LOCAL,
    description: 'Endpoint override for the cache table: the local dynalite, DynamoDB Local.',
  }),
  dynamodbRequestTimeoutMs: setting({
    env: 'DYNAMODB_REQUEST_TIMEOUT_MS',
    validator: integer(50, 5000),
    default: 500,
    set: CONTEXT,
    description: 'Time-out of one DynamoDB attempt (two attempts); past it the request asks Chime.',
  }),
  cacheSharedTtlMs: setting({
    env: 'CACHE_SHARED_TTL_MS',
    validator: integer(1000, 86400000),
    default: 600000,
    set: CONTEXT,
    description:
      'How long a shared record is served: the longest a deleted attendee’s record survives if its event is lost.',
  }),
  cacheHotThreshold: setting({
    env: 'CACHE_HOT_THRESHOLD',
    validator: integer(1, 1000),
    default: 1,
    set: CONTEXT,
    description:
      'Misses of one meeting within the window (per container) that make it hot: its attendees are listed into the table.',
  }),
  cacheHotWindowMs: setting({
    env: 'CACHE_HOT_WINDOW_MS',
    validator: integer(1000, 600000),
    default: 10000,
    set: CONTEXT,
    description: 'The window in which those misses are counted.',
  }),
  cacheLeaseMs: setting({
    env: 'CACHE_LEASE_MS',
    validator: integer(500, 60000),
    default: 5000,
    set: CONTEXT,
    description: 'How long one container holds the lease to snapshot a hot meeting.',
  }),
  cacheLeaseWaitMs: setting({
    env: 'CACHE_LEASE_WAIT_MS',
    validator: integer(0, 60000),
    default: 2000,
    set: CONTEXT,
    description:
      'How long a container that lost the lease waits for the snapshot before asking Chime itself.',
  }),
  cacheLeasePollMs: setting({
    env: 'CACHE_LEASE_POLL_MS',
    validator: integer(10, 1000),
    default: 50,
    set: CONTEXT,
    description: 'How often a waiting container looks for the snapshot.',
  }),
  cacheSnapshotFreshnessMs: setting({
    env: 'CACHE_SNAPSHOT_FRESHNESS_MS',
    validator: integer(1000, 86400000),
    default: 60000,
    set: CONTEXT,
    description:
      'How long a snapshot counts as complete: an attendee missing from a fresh one was created after it (GetAttendee).',
  }),
  cachePrefetchMinAdded: setting({
    env: 'CACHE_PREFETCH_MIN_ADDED',
    validator: integer(1, 1000),
    default: 10,
    set: CONTEXT,
    description:
      'Prefetch function: `chime:AttendeeAdded` events of one meeting in one batch that make it list the meeting into the table before its attendees ask.',
  }),
  cachePrefetchCallsPerSecond: setting({
    env: 'CACHE_PREFETCH_CALLS_PER_SECOND',
    validator: integer(1, 100),
    default: 4,
    set: CONTEXT,
    description:
      'Prefetch function: Chime calls per second and operation of each of its (at most 2) instances, so that prefetching leaves the quota to requests.',
  }),
  callerBudgetPerMinute: setting({
    env: 'CALLER_BUDGET_PER_MINUTE',
    validator: integer(1, 10000),
    default: 30,
    set: CONTEXT,
    description:
      'Lookups per minute one caller (issuer and `sub`) may make of attendees it turns out not to own or moderate, each costing the same whichever tier answered it (plus any Chime attempt beyond the first); past it, 429.',
  }),
  metricsNamespace: setting({
    env: 'METRICS_NAMESPACE',
    validator: text(/^[A-Za-z0-9._/#:-]{1,255}$/, 'a CloudWatch namespace'),
    default: 'ChimeAttendeeApi',
    set: { by: 'stack', how: 'the stack name' },
    description: 'Namespace of the metrics the request log line carries (Embedded Metric Format).',
  }),
  retryAfterSeconds: setting({
    env: 'RETRY_AFTER_SECONDS',
    validator: integer(1, 60),
    default: 1,
    set: CONTEXT,
    description: '`Retry-After` sent with a 503 when upstream gives none.',
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    validator: oneOf(LOG_LEVELS, { caseless: true }),
    default: 'INFO' as LogLevel,
    set: CONTEXT,
    description:
      '`DEBUG` adds a line per Chime call and the configuration at init; `INFO` one line per request.',
  }),
});

export type FunctionSettingId = keyof typeof FUNCTION_SETTINGS;

/** The parsed value type of a setting: `undefined` only when it has no default and may be unset. */
export type SettingValue<K extends FunctionSettingId> = (typeof FUNCTION_SETTINGS)[K] extends {
  readonly validator: Validator<infer T>;
  readonly default: infer D;
  readonly required: infer R;
}
  ? R extends true
    ? T
    : D extends undefined
      ? T | undefined
      : T
  : never;

/** The function settings a CDK context key of the same name sets. */
export const CONTEXT_SETTING_IDS = Object.freeze(
  (Object.keys(FUNCTION_SETTINGS) as FunctionSettingId[]).filter(
    (id) => FUNCTION_SETTINGS[id].set.by === 'context',
  ),
);
