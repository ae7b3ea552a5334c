/** Deploy-time settings by context key: the contract's (lambda/common/config/settings.ts) and the stack's own. */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { closest } from 'fastest-levenshtein';
import {
  brokenRule,
  CONTEXT_SETTING_IDS,
  FUNCTION_SETTINGS,
  readValues,
  type Setting,
  type Settings,
  type ValueOf,
  type Values,
} from '../lambda/common/config/settings';
import * as rules from '../lambda/common/config/validators';

const origin = rules.plain('exact origin (scheme://host[:port])', (raw) => {
  if (raw.includes('*')) throw new rules.RuleError('must list exact origins, not wildcards');
  const parsed = URL.parse(raw);
  if (parsed?.origin !== raw || !['https:', 'http:'].includes(parsed.protocol)) {
    throw new rules.RuleError('must be an origin (scheme://host[:port])');
  }
  return raw;
});
/** CloudWatch Logs' retention periods in days, forever aside. */
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

const stackSetting = <T, const D extends T | undefined = undefined>(
  validator: rules.Validator<T>,
  fallback?: D,
) => ({ validator, default: fallback as D });

/** The stack's own settings, by context key. */
export const STACK_SETTINGS = {
  /** Exact browser origins the HTTP API allows by CORS. Unset: no CORS (synth warns), so browsers on other origins cannot call it. */
  allowedOrigins: stackSetting(rules.list(origin)),
  /** Whether anyone may sign up to the created Cognito user pool. */
  selfSignUp: stackSetting(rules.boolean, false),
  /** Tier of the created user pool: `lite` (lowest price), `essentials`, or `plus` (threat protection enforced; billed per MAU from the first). */
  cognitoFeaturePlan: stackSetting(rules.oneOf(['lite', 'essentials', 'plus']), 'lite'),
  /** Function memory in MB; CPU scales with it (JWT crypto, TLS). */
  memorySize: stackSetting(rules.integer(128, 10240), 512),
  /** Function timeout; the request deadline (`DEADLINE_MS`) is 2 s less. */
  timeoutSeconds: stackSetting(rules.integer(5, 30), 10),
  /** Reserved concurrency of the function. Unset: none (the account must keep 100 unreserved, which new accounts may not have). */
  reservedConcurrency: stackSetting(rules.integer(1, 10000)),
  /** Retention of the function and access log groups, in days. */
  logRetentionDays: stackSetting(rules.oneOf(LOG_RETENTION_DAYS), 30),
  /** Stage steady-state request rate (requests per second). */
  throttleRateLimit: stackSetting(rules.integer(1, 10000), 50),
  /** Stage burst capacity (requests). */
  throttleBurstLimit: stackSetting(rules.integer(1, 5000), 100),
  /** SNS topic notified when an alarm fires or recovers. */
  alarmTopicArn: stackSetting(
    rules.text(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, 'an SNS topic ARN'),
  ),
  /** Alarm when more than this share of requests end in 5xx (with ≥ 10 in 5 min). */
  alarm5xxRatePercent: stackSetting(rules.integer(1, 100), 5),
  /** Alarm when the function is throttled this many times in 5 minutes. */
  alarmThrottleCount: stackSetting(rules.integer(1, 100000), 1),
  /** Alarm when this many 429 responses are logged in 5 minutes. */
  alarm429Count: stackSetting(rules.integer(1, 100000), 10),
  /** Alarm when Chime throttles the function at least this many times in 5 minutes, in 3 of 5 periods (`ChimeThrottles`). */
  alarmChimeThrottleCount: stackSetting(rules.integer(1, 100000), 20),
  /** Alarm when the shared cache fails at least this many times in 5 minutes (`CacheErrors`; requests fell back to Chime). */
  alarmCacheErrorCount: stackSetting(rules.integer(1, 100000), 5),
  /** The shared cache: a DynamoDB table (customer-managed KMS key), the `aws.chime` invalidation rule and function, and its alarms. `false`: the container cache only. */
  sharedCache: stackSetting(rules.boolean, true),
  /** With the shared cache: a rule on `chime:AttendeeAdded`, a queue and the prefetch function, which list a meeting into the table before its attendees ask. `false`: none. */
  prefetch: stackSetting(rules.boolean, true),
  /** For `sam local` only: declares the local-only variables so `--env-vars env.json` can set them. Never deploy it. */
  samLocal: stackSetting(rules.boolean, false),
};

type ContextSettingId = (typeof CONTEXT_SETTING_IDS)[number];
/** Validated settings, defaults applied, and the request deadline; the issuer and audience may be unset (a Cognito pool). */
export type AttendeeApiSettings = Values<typeof STACK_SETTINGS> & {
  readonly [K in ContextSettingId]: ValueOf<Omit<(typeof FUNCTION_SETTINGS)[K], 'required'>>;
} & { readonly deadlineMs: number };

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Context keys of the CDK itself (feature flags, lookups, CLI bookkeeping). */
const isCdkOwnKey = (key: string) =>
  /^@|^aws-cdk|[:/]/.test(key) || ['acknowledged-issue-numbers', 'cli-telemetry'].includes(key);

/** Context values arrive as strings (`-c`), or as numbers, booleans and lists (`cdk.json`). */
function rawText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return rawText(value.map((item) => rawText(item) ?? '').join(','));
  if (!['string', 'number', 'boolean'].includes(typeof value)) {
    throw new rules.RuleError('must be a string, number, boolean or list');
  }
  return String(value).trim() || undefined;
}

/** Kept between the request deadline and the Lambda timeout, for the response and logs. */
const DEADLINE_MARGIN_MS = 2000;

/**
 * The context's settings, defaults applied, checked by the stack's rules and the contract's. A
 * {@link SettingsError} names key, value and rule, or the known key nearest an unknown one.
 */
export function resolveSettings(context: Readonly<Record<string, unknown>>): AttendeeApiSettings {
  const specs: Readonly<Record<string, Pick<Setting, 'validator' | 'default'>>> = {
    ...STACK_SETTINGS,
    ...Object.fromEntries(CONTEXT_SETTING_IDS.map((id) => [id, FUNCTION_SETTINGS[id]])),
  };
  const keys = [...CONTEXT_SETTING_IDS, ...Object.keys(STACK_SETTINGS)];
  const unknown = Object.keys(context).find((key) => !keys.includes(key) && !isCdkOwnKey(key));
  if (unknown !== undefined) {
    throw new SettingsError(
      `Unknown context key "${unknown}": did you mean "${closest(unknown, keys)}"? (the README's "Deploy settings" table lists every key)`,
    );
  }
  const parsed = readValues(
    specs,
    (key) => rawText(context[key]),
    (key, reason, text = JSON.stringify(context[key])) =>
      new SettingsError(`Setting ${key}="${text}" ${reason} (${specs[key]?.validator.rule})`),
  );
  const deadlineMs = Number(parsed.timeoutSeconds) * 1000 - DEADLINE_MARGIN_MS;
  const settings = { ...parsed, deadlineMs } as AttendeeApiSettings;
  if ((settings.identityIssuer === undefined) !== (settings.identityAudience === undefined)) {
    throw new SettingsError(
      'Settings identityIssuer and identityAudience go together: give both, or neither for a Cognito user pool',
    );
  }
  const refused = settings.jwtAlgorithms.filter((alg) => !/^RS(256|384|512)$/.test(alg));
  if (refused.length > 0) {
    throw new SettingsError(
      `Setting jwtAlgorithms="${refused.join(',')}" cannot be used: the HTTP API JWT authorizer in front verifies RSA signatures only (RS256, RS384, RS512)`,
    );
  }
  const broken = brokenRule({ ...settings, allowHttpJwks: false }, (id) =>
    id === 'deadlineMs'
      ? `the request deadline (${deadlineMs} ms: timeoutSeconds × 1000 − ${DEADLINE_MARGIN_MS})`
      : FUNCTION_SETTINGS[id].set.by === 'local'
        ? 'a local stack'
        : id,
  );
  if (broken) {
    const [id, reason, value] = broken;
    throw new SettingsError(`Setting ${id}${value === undefined ? '' : `="${value}"`} ${reason}`);
  }
  return Object.freeze(settings);
}

/** A function's environment: the context-set settings it reads (`readBy`) that have a value. */
export function functionEnvironment(
  settings: AttendeeApiSettings,
  readBy: Settings,
): Record<string, string> {
  const values: Readonly<Record<string, unknown>> = settings;
  return Object.fromEntries(
    Object.entries(readBy)
      .filter(([id, spec]) => spec.set.by === 'context' && values[id] !== undefined)
      .map(([id, spec]) => [spec.env, spec.validator.format(values[id])]),
  );
}
