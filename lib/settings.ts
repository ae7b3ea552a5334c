import type { Node } from 'constructs';

/**
 * Every CDK context key the app reads, with its default. Pass one with `-c key=value`, or put it
 * under `context` in cdk.json. Lists accept a JSON array or a comma-separated string.
 */
export const CONTEXT_KEYS = {
  /** Browser origins allowed by CORS (exact `scheme://host[:port]`; never `*`). */
  allowedOrigins: 'http://localhost:5173',
  /** The meetings' control region: where GetAttendee is called; may differ from the stack's. */
  chimeRegion: 'us-east-1',
  /** External OIDC issuer (https). Given with `identityAudience`, no Cognito pool is created. */
  identityIssuer: undefined,
  /** Audiences (client ids) the external issuer's tokens must carry. */
  identityAudience: undefined,
  /** Whether the created Cognito pool lets anyone sign up. */
  selfSignUp: false,
  /** `owner` returns the JoinToken to its owner; `never` always strips it. */
  joinTokenPolicy: 'owner',
  /** Claim naming the caller (the Lambda's default: `sub`). */
  identityClaim: undefined,
  /** One character splitting ExternalUserId into owner and suffix (the Lambda's default: none). */
  ownerSeparator: undefined,
  /** Claim listing the caller's groups (the Lambda's default: `cognito:groups`). */
  moderatorClaim: undefined,
  /** Group that may read any attendee; also the Cognito group created (default `moderators`). */
  moderatorGroup: undefined,
  /** Lambda memory in MB. */
  memorySize: 512,
  /** Lambda timeout in seconds; the request deadline is 2 s less. */
  timeoutSeconds: 10,
  /** Reserved concurrency, or `none` to share the account's unreserved pool. */
  reservedConcurrency: 50,
  /** The function's log level: DEBUG, INFO, WARN or ERROR. */
  logLevel: 'INFO',
  /** Retention of both log groups, in days (a CloudWatch Logs retention value). */
  logRetentionDays: 30,
  /** Default `Retry-After` (seconds) when Chime gives none. */
  retryAfterSeconds: 1,
  /** Stage steady-state request rate (requests per second). */
  throttleRateLimit: 50,
  /** Stage burst capacity (requests). */
  throttleBurstLimit: 100,
  /** SNS topic ARN notified when an alarm fires or recovers. */
  alarmTopicArn: undefined,
  /** Alarm when more than this percentage of requests end in 5xx. */
  alarm5xxRatePercent: 5,
  /** Alarm when the function is throttled this many times in 5 minutes. */
  alarmThrottleCount: 1,
  /** Alarm when this many 429 responses are logged in 5 minutes. */
  alarm429Count: 10,
  /**
   * For `sam local` only: declare CHIME_ENDPOINT and JWT_ALLOW_HTTP_JWKS (empty / false) so that
   * `--env-vars env.json` can point the function at the emulator (SAM only overrides declared
   * variables). Never deploy a template synthesized with it.
   */
  samLocal: false,
} as const;

export type ContextKey = keyof typeof CONTEXT_KEYS;

export const JOIN_TOKEN_POLICIES = ['owner', 'never'] as const;
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** The values CloudWatch Logs accepts as retention in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Budget kept between the request deadline and the Lambda timeout, for the response and logs. */
export const DEADLINE_MARGIN_MS = 2000;

/** An identity provider that is not created by this stack. */
export interface ExternalIdentity {
  /** The `iss` of accepted tokens, an https URL. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values. */
  readonly audience: readonly string[];
}

/** Settings as given (context or stack props): anything left out takes its default. */
export interface AttendeeApiSettingsInput {
  readonly allowedOrigins?: readonly string[];
  readonly chimeRegion?: string;
  readonly identity?: ExternalIdentity;
  readonly selfSignUp?: boolean;
  readonly joinTokenPolicy?: string;
  readonly identityClaim?: string;
  readonly ownerSeparator?: string;
  readonly moderatorClaim?: string;
  readonly moderatorGroup?: string;
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  /** `null` leaves the function without reserved concurrency. */
  readonly reservedConcurrency?: number | null;
  readonly logLevel?: string;
  readonly logRetentionDays?: number;
  readonly retryAfterSeconds?: number;
  readonly throttleRateLimit?: number;
  readonly throttleBurstLimit?: number;
  readonly alarmTopicArn?: string;
  readonly alarm5xxRatePercent?: number;
  readonly alarmThrottleCount?: number;
  readonly alarm429Count?: number;
  readonly samLocal?: boolean;
}

/** Validated settings, defaults applied. */
export interface AttendeeApiSettings {
  readonly allowedOrigins: readonly string[];
  readonly chimeRegion: string;
  readonly identity: ExternalIdentity | undefined;
  readonly selfSignUp: boolean;
  readonly joinTokenPolicy: (typeof JOIN_TOKEN_POLICIES)[number];
  readonly identityClaim: string | undefined;
  readonly ownerSeparator: string | undefined;
  readonly moderatorClaim: string | undefined;
  readonly moderatorGroup: string | undefined;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  readonly retryAfterSeconds: number;
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  readonly alarmTopicArn: string | undefined;
  readonly alarm5xxRatePercent: number;
  readonly alarmThrottleCount: number;
  readonly alarm429Count: number;
  readonly samLocal: boolean;
}

/** A setting that cannot be used; the message names it. */
export class SettingsError extends Error {
  constructor(key: string, problem: string) {
    super(`Setting "${key}" ${problem}`);
    this.name = 'SettingsError';
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/;

function text(key: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    throw new SettingsError(key, `must be a string, got ${JSON.stringify(raw)}`);
  }
  const value = String(raw).trim();
  return value === '' ? undefined : value;
}

function number(key: string, raw: unknown): number | undefined {
  const value = text(key, raw);
  if (value === undefined) return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(value))
    throw new SettingsError(key, `must be a number, got "${value}"`);
  return Number(value);
}

function list(key: string, raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const items = Array.isArray(raw)
    ? raw.map((item) => text(key, item) ?? '')
    : (text(key, raw) ?? '').split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

function flag(key: string, raw: unknown): boolean | undefined {
  const value = text(key, raw);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SettingsError(key, 'must be true or false');
}

/**
 * Reads the documented context keys ({@link CONTEXT_KEYS}) into settings input, converting the
 * strings `-c key=value` gives. Validation and defaults are {@link resolveSettings}'s job.
 *
 * @example
 * const app = new App();
 * new AttendeeApiStack(app, 'ChimeAttendeeApi', { settings: readContextSettings(app.node) });
 */
export function readContextSettings(node: Node): AttendeeApiSettingsInput {
  const get = (key: ContextKey): unknown => node.tryGetContext(key);
  const issuer = text('identityIssuer', get('identityIssuer'));
  const audience = list('identityAudience', get('identityAudience'));
  const hasAudience = audience !== undefined && audience.length > 0;
  if (issuer !== undefined && !hasAudience) {
    throw new SettingsError('identityAudience', 'is required with identityIssuer');
  }
  if (issuer === undefined && hasAudience) {
    throw new SettingsError('identityIssuer', 'is required with identityAudience');
  }
  const reserved = text('reservedConcurrency', get('reservedConcurrency'));
  return {
    allowedOrigins: list('allowedOrigins', get('allowedOrigins')),
    chimeRegion: text('chimeRegion', get('chimeRegion')),
    identity: issuer !== undefined && audience ? { issuer, audience } : undefined,
    selfSignUp: flag('selfSignUp', get('selfSignUp')),
    joinTokenPolicy: text('joinTokenPolicy', get('joinTokenPolicy')),
    identityClaim: text('identityClaim', get('identityClaim')),
    ownerSeparator: text('ownerSeparator', get('ownerSeparator')),
    moderatorClaim: text('moderatorClaim', get('moderatorClaim')),
    moderatorGroup: text('moderatorGroup', get('moderatorGroup')),
    memorySize: number('memorySize', get('memorySize')),
    timeoutSeconds: number('timeoutSeconds', get('timeoutSeconds')),
    reservedConcurrency: reserved === 'none' ? null : number('reservedConcurrency', reserved),
    logLevel: text('logLevel', get('logLevel')),
    logRetentionDays: number('logRetentionDays', get('logRetentionDays')),
    retryAfterSeconds: number('retryAfterSeconds', get('retryAfterSeconds')),
    throttleRateLimit: number('throttleRateLimit', get('throttleRateLimit')),
    throttleBurstLimit: number('throttleBurstLimit', get('throttleBurstLimit')),
    alarmTopicArn: text('alarmTopicArn', get('alarmTopicArn')),
    alarm5xxRatePercent: number('alarm5xxRatePercent', get('alarm5xxRatePercent')),
    alarmThrottleCount: number('alarmThrottleCount', get('alarmThrottleCount')),
    alarm429Count: number('alarm429Count', get('alarm429Count')),
    samLocal: flag('samLocal', get('samLocal')),
  };
}

function integer(key: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SettingsError(key, `must be an integer between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string | number>(
  key: string,
  value: string | number,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly (string | number)[]).includes(value)) {
    throw new SettingsError(key, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function origin(value: string): string {
  if (value.includes('*')) {
    throw new SettingsError('allowedOrigins', `must list exact origins; "${value}" has a wildcard`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new SettingsError('allowedOrigins', `"${value}" is not an origin`);
  }
  if (parsed.origin !== value || !['https:', 'http:'].includes(parsed.protocol)) {
    throw new SettingsError('allowedOrigins', `"${value}" is not an origin (scheme://host[:port])`);
  }
  return value;
}

function httpsUrl(key: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new SettingsError(key, `"${value}" is not an absolute URL`);
  }
  if (parsed.protocol !== 'https:') throw new SettingsError(key, 'must be an https URL');
  return value.replace(/\/$/, '');
}

function claim(key: string, value: string | undefined): string | undefined {
  if (value !== undefined && !/^[\w:.-]+$/.test(value)) {
    throw new SettingsError(key, `"${value}" is not a claim name`);
  }
  return value;
}

/**
 * Applies defaults to the input and validates it, failing with the offending key's name.
 * `allowedOrigins` must list exact origins: `*` (or any wildcard) fails.
 */
export function resolveSettings(input: AttendeeApiSettingsInput = {}): AttendeeApiSettings {
  const d = CONTEXT_KEYS;
  const allowedOrigins = (input.allowedOrigins ?? d.allowedOrigins.split(',')).map(origin);
  if (allowedOrigins.length === 0)
    throw new SettingsError('allowedOrigins', 'must list at least one origin');

  const chimeRegion = input.chimeRegion ?? d.chimeRegion;
  if (!REGION.test(chimeRegion))
    throw new SettingsError('chimeRegion', `"${chimeRegion}" is not a region`);

  let identity: ExternalIdentity | undefined;
  if (input.identity) {
    const audience = input.identity.audience
      .map((item) => item.trim())
      .filter((item) => item !== '');
    if (audience.length === 0)
      throw new SettingsError('identityAudience', 'must list at least one audience');
    identity = { issuer: httpsUrl('identityIssuer', input.identity.issuer), audience };
  }

  const separator = input.ownerSeparator;
  if (separator !== undefined && separator.length !== 1) {
    throw new SettingsError('ownerSeparator', 'must be a single character');
  }
  const moderatorGroup = input.moderatorGroup;
  if (
    moderatorGroup !== undefined &&
    !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(moderatorGroup)
  ) {
    throw new SettingsError('moderatorGroup', `"${moderatorGroup}" is not a group name`);
  }

  const reserved = input.reservedConcurrency;
  if (reserved === 0) {
    throw new SettingsError(
      'reservedConcurrency',
      'of 0 would throttle every call; use "none" to disable it',
    );
  }

  const alarmTopicArn = input.alarmTopicArn;
  if (alarmTopicArn !== undefined && !TOPIC_ARN.test(alarmTopicArn)) {
    throw new SettingsError('alarmTopicArn', `"${alarmTopicArn}" is not an SNS topic ARN`);
  }

  const throttleRateLimit = input.throttleRateLimit ?? d.throttleRateLimit;
  if (!(throttleRateLimit > 0 && throttleRateLimit <= 10000)) {
    throw new SettingsError(
      'throttleRateLimit',
      `must be above 0 and at most 10000, got ${throttleRateLimit}`,
    );
  }

  return Object.freeze({
    allowedOrigins: Object.freeze(allowedOrigins),
    chimeRegion,
    identity:
      identity && Object.freeze({ ...identity, audience: Object.freeze(identity.audience) }),
    selfSignUp: input.selfSignUp ?? d.selfSignUp,
    joinTokenPolicy: oneOf(
      'joinTokenPolicy',
      input.joinTokenPolicy ?? d.joinTokenPolicy,
      JOIN_TOKEN_POLICIES,
    ),
    identityClaim: claim('identityClaim', input.identityClaim),
    ownerSeparator: separator,
    moderatorClaim: claim('moderatorClaim', input.moderatorClaim),
    moderatorGroup,
    memorySize: integer('memorySize', input.memorySize ?? d.memorySize, 128, 10240),
    // The deadline (timeout - 2 s) must leave room for one Chime attempt (2 s by default) and stay
    // under the HTTP API's 30 s integration limit.
    timeoutSeconds: integer('timeoutSeconds', input.timeoutSeconds ?? d.timeoutSeconds, 5, 30),
    reservedConcurrency:
      reserved === null
        ? undefined
        : integer('reservedConcurrency', reserved ?? d.reservedConcurrency, 1, 10000),
    logLevel: oneOf('logLevel', (input.logLevel ?? d.logLevel).toUpperCase(), LOG_LEVELS),
    logRetentionDays: oneOf(
      'logRetentionDays',
      input.logRetentionDays ?? d.logRetentionDays,
      LOG_RETENTION_DAYS,
    ),
    retryAfterSeconds: integer(
      'retryAfterSeconds',
      input.retryAfterSeconds ?? d.retryAfterSeconds,
      1,
      60,
    ),
    throttleRateLimit,
    throttleBurstLimit: integer(
      'throttleBurstLimit',
      input.throttleBurstLimit ?? d.throttleBurstLimit,
      1,
      5000,
    ),
    alarmTopicArn,
    alarm5xxRatePercent: integer(
      'alarm5xxRatePercent',
      input.alarm5xxRatePercent ?? d.alarm5xxRatePercent,
      1,
      100,
    ),
    alarmThrottleCount: integer(
      'alarmThrottleCount',
      input.alarmThrottleCount ?? d.alarmThrottleCount,
      1,
      100000,
    ),
    alarm429Count: integer('alarm429Count', input.alarm429Count ?? d.alarm429Count, 1, 100000),
    samLocal: input.samLocal ?? d.samLocal,
  });
}

/** The request budget the Lambda gets: its timeout less {@link DEADLINE_MARGIN_MS}. */
export function deadlineMs(settings: Pick<AttendeeApiSettings, 'timeoutSeconds'>): number {
  return settings.timeoutSeconds * 1000 - DEADLINE_MARGIN_MS;
}
