import { closest } from 'fastest-levenshtein';
import {
  type Algorithm,
  CONTEXT_SETTING_IDS,
  FUNCTION_SETTINGS,
  type FunctionSettingId,
  type SettingValue,
} from '../lambda/attendee/function-settings';
import {
  boolean,
  integer,
  list,
  oneOf,
  origin,
  RuleError,
  rawText,
  text,
  type Validator,
} from '../lambda/common/validators';

/**
 * The deploy-time settings: CDK context keys (`-c key=value`, or `context` in cdk.json). Two kinds,
 * both parsed by the same validators as the function (lambda/common/validators.ts):
 * - the function's own settings that a context key sets (`FUNCTION_SETTINGS`, `set.by: context`),
 *   written into its environment by the stack;
 * - the stack's own settings, declared here.
 * Any other context key fails synth, naming the nearest known key.
 */

export interface StackSettingSpec<T> {
  readonly validator: Validator<T>;
  readonly default: T | undefined;
  readonly description: string;
}

function stackSetting<T, D extends T | undefined = undefined>(spec: {
  validator: Validator<T>;
  default?: D;
  description: string;
}): StackSettingSpec<T> & { readonly default: D } {
  return Object.freeze({ default: undefined as D, ...spec });
}

/** The values CloudWatch Logs accepts as retention in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

/** Cognito user pool feature plans, cheapest first (Plus adds threat protection). */
export const COGNITO_FEATURE_PLANS = ['lite', 'essentials', 'plus'] as const;

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/;

/** The stack's own settings, by context key. */
export const STACK_SETTINGS = Object.freeze({
  allowedOrigins: stackSetting({
    validator: list(origin),
    description:
      'Exact browser origins the HTTP API allows by CORS. Unset: no CORS (synth warns), so browsers on other origins cannot call it.',
  }),
  selfSignUp: stackSetting({
    validator: boolean,
    default: false,
    description: 'Whether anyone may sign up to the created Cognito user pool.',
  }),
  cognitoFeaturePlan: stackSetting({
    validator: oneOf(COGNITO_FEATURE_PLANS),
    default: 'lite' as (typeof COGNITO_FEATURE_PLANS)[number],
    description:
      'Tier of the created user pool: `lite` (lowest price), `essentials`, or `plus` (threat protection enforced; billed per MAU from the first).',
  }),
  memorySize: stackSetting({
    validator: integer(128, 10240),
    default: 512,
    description: 'Function memory in MB; CPU scales with it (JWT crypto, TLS).',
  }),
  timeoutSeconds: stackSetting({
    validator: integer(5, 30),
    default: 10,
    description: 'Function timeout; the request deadline (`DEADLINE_MS`) is 2 s less.',
  }),
  reservedConcurrency: stackSetting({
    validator: integer(1, 10000),
    description:
      'Reserved concurrency of the function. Unset: none (the account must keep 100 unreserved, which new accounts may not have).',
  }),
  logRetentionDays: stackSetting({
    validator: oneOf(LOG_RETENTION_DAYS),
    default: 30 as (typeof LOG_RETENTION_DAYS)[number],
    description: 'Retention of the function and access log groups, in days.',
  }),
  throttleRateLimit: stackSetting({
    validator: integer(1, 10000),
    default: 50,
    description: 'Stage steady-state request rate (requests per second).',
  }),
  throttleBurstLimit: stackSetting({
    validator: integer(1, 5000),
    default: 100,
    description: 'Stage burst capacity (requests).',
  }),
  alarmTopicArn: stackSetting({
    validator: text(TOPIC_ARN, 'an SNS topic ARN'),
    description: 'SNS topic notified when an alarm fires or recovers.',
  }),
  alarm5xxRatePercent: stackSetting({
    validator: integer(1, 100),
    default: 5,
    description: 'Alarm when more than this share of requests end in 5xx (with ≥ 10 in 5 min).',
  }),
  alarmThrottleCount: stackSetting({
    validator: integer(1, 100000),
    default: 1,
    description: 'Alarm when the function is throttled this many times in 5 minutes.',
  }),
  alarm429Count: stackSetting({
    validator: integer(1, 100000),
    default: 10,
    description: 'Alarm when this many 429 responses are logged in 5 minutes.',
  }),
  alarmChimeThrottleCount: stackSetting({
    validator: integer(1, 100000),
    default: 20,
    description:
      'Alarm when Chime throttles the function at least this many times in 5 minutes, in 3 of 5 periods (`ChimeThrottles`).',
  }),
  alarmCacheErrorCount: stackSetting({
    validator: integer(1, 100000),
    default: 5,
    description:
      'Alarm when the shared cache fails at least this many times in 5 minutes (`CacheErrors`; requests fell back to Chime).',
  }),
  sharedCache: stackSetting({
    validator: boolean,
    default: true,
    description:
      'The shared cache: a DynamoDB table (customer-managed KMS key), the `aws.chime` invalidation rule and function, and its alarms. `false`: the container cache only.',
  }),
  prefetch: stackSetting({
    validator: boolean,
    default: true,
    description:
      'With the shared cache: a rule on `chime:AttendeeAdded`, a queue and the prefetch function, which list a meeting into the table before its attendees ask. `false`: none.',
  }),
  samLocal: stackSetting({
    validator: boolean,
    default: false,
    description:
      'For `sam local` only: declares the local-only variables so `--env-vars env.json` can set them. Never deploy it.',
  }),
});

export type StackSettingId = keyof typeof STACK_SETTINGS;
type ContextFunctionSettingId = (typeof CONTEXT_SETTING_IDS)[number];
export type ContextKey = StackSettingId | ContextFunctionSettingId;

type StackValue<K extends StackSettingId> = (typeof STACK_SETTINGS)[K] extends {
  readonly validator: Validator<infer T>;
  readonly default: infer D;
}
  ? D extends undefined
    ? T | undefined
    : T
  : never;
/** In the stack, the function's required settings are optional: unset means a Cognito pool. */
type ContextValue<K extends ContextFunctionSettingId> =
  (typeof FUNCTION_SETTINGS)[K]['required'] extends true
    ? SettingValue<K> | undefined
    : SettingValue<K>;

/** Every context key the app reads. */
export const CONTEXT_KEYS: readonly ContextKey[] = Object.freeze([
  ...CONTEXT_SETTING_IDS,
  ...(Object.keys(STACK_SETTINGS) as StackSettingId[]),
]);

/** Validated settings, defaults applied: the stack's own and the function's context-set ones. */
export type AttendeeApiSettings = {
  readonly [K in StackSettingId]: StackValue<K>;
} & {
  readonly [K in ContextFunctionSettingId]: ContextValue<K>;
};

/** Settings as given: raw values by context key, as `-c` (strings) or cdk.json (JSON) gives them. */
export type AttendeeApiSettingsInput = Readonly<Partial<Record<ContextKey, unknown>>>;

/** A setting that cannot be used: one line naming the key, the value and the rule. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Context keys that belong to the CDK itself (feature flags, lookups, CLI bookkeeping). */
const isCdkOwnKey = (key: string) =>
  key.includes(':') || key.startsWith('@') || key.startsWith('aws-cdk') || key.includes('/');
const CDK_PLAIN_KEYS = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);

/**
 * Fails on a context key the app does not know, naming the nearest known key: a typo
 * (`allowedOrigin`) would otherwise be ignored and deploy the default.
 */
export function checkContextKeys(context: Readonly<Record<string, unknown>>): void {
  const known = new Set<string>(CONTEXT_KEYS);
  for (const key of Object.keys(context)) {
    if (known.has(key) || isCdkOwnKey(key) || CDK_PLAIN_KEYS.has(key)) continue;
    throw new SettingsError(
      `Unknown context key "${key}": did you mean "${closest(key, [...CONTEXT_KEYS])}"? (the README's "Deploy settings" table lists every key)`,
    );
  }
}

function parseOne<T>(key: string, raw: unknown, validator: Validator<T>): T | undefined {
  let value: string | undefined;
  try {
    value = rawText(raw);
    return value === undefined ? undefined : validator.parse(value);
  } catch (error) {
    if (error instanceof RuleError) {
      const shown = value ?? JSON.stringify(raw);
      throw new SettingsError(`Setting ${key}="${shown}" ${error.message} (${validator.rule})`);
    }
    throw error;
  }
}

/** RSA only: the HTTP API JWT authorizer in front verifies nothing else. */
const AUTHORIZER_ALGORITHMS: readonly Algorithm[] = ['RS256', 'RS384', 'RS512'];

/**
 * Validates the given settings and applies defaults, failing with a {@link SettingsError} that
 * names the key, the value and the rule.
 */
export function resolveSettings(input: AttendeeApiSettingsInput = {}): AttendeeApiSettings {
  const resolved: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(STACK_SETTINGS) as [
    StackSettingId,
    StackSettingSpec<unknown>,
  ][]) {
    resolved[key] = parseOne(key, input[key], spec.validator) ?? spec.default;
  }
  for (const id of CONTEXT_SETTING_IDS) {
    const spec = FUNCTION_SETTINGS[id];
    resolved[id] = parseOne(id, input[id], spec.validator as Validator<unknown>) ?? spec.default;
  }
  const settings = resolved as AttendeeApiSettings;

  const { identityIssuer, identityAudience, identityJwksUri } = settings;
  if ((identityIssuer === undefined) !== (identityAudience === undefined)) {
    throw new SettingsError(
      'Settings identityIssuer and identityAudience go together: give both, or neither for a Cognito user pool',
    );
  }
  for (const [key, value] of [
    ['identityIssuer', identityIssuer],
    ['identityJwksUri', identityJwksUri],
  ] as const) {
    if (value !== undefined && new URL(value).protocol !== 'https:') {
      throw new SettingsError(`Setting ${key}="${value}" must be https in a deployed stack`);
    }
  }
  const refused = settings.jwtAlgorithms.filter((alg) => !AUTHORIZER_ALGORITHMS.includes(alg));
  if (refused.length > 0) {
    throw new SettingsError(
      `Setting jwtAlgorithms="${refused.join(',')}" cannot be used: the HTTP API JWT authorizer in front verifies RSA signatures only (${AUTHORIZER_ALGORITHMS.join(', ')})`,
    );
  }
  const deadline = deadlineMs(settings);
  if (settings.chimeRequestTimeoutMs > deadline) {
    throw new SettingsError(
      `Setting chimeRequestTimeoutMs="${settings.chimeRequestTimeoutMs}" must not exceed the request deadline (${deadline} ms: timeoutSeconds × 1000 − ${DEADLINE_MARGIN_MS})`,
    );
  }
  if (settings.moderatorScope === 'tenant' && settings.tenantClaim === undefined) {
    throw new SettingsError('Setting tenantClaim is required when moderatorScope is "tenant"');
  }
  return Object.freeze(settings);
}

/** Budget kept between the request deadline and the Lambda timeout, for the response and logs. */
export const DEADLINE_MARGIN_MS = 2000;

/** The request budget the Lambda gets: its timeout less {@link DEADLINE_MARGIN_MS}. */
export function deadlineMs(settings: { readonly timeoutSeconds: number }): number {
  return settings.timeoutSeconds * 1000 - DEADLINE_MARGIN_MS;
}

/** The known context keys' values from a construct tree's context (after {@link checkContextKeys}). */
export function readContext(get: (key: string) => unknown): AttendeeApiSettingsInput {
  const input: Partial<Record<ContextKey, unknown>> = {};
  for (const key of CONTEXT_KEYS) {
    const value = get(key);
    if (value !== undefined) input[key] = value;
  }
  return input;
}

/**
 * The function's environment for these settings: every context-set function setting with a
 * value, formatted by its own validator, under its own variable name.
 */
export function functionEnvironment(
  settings: AttendeeApiSettings,
  ids: readonly string[] = CONTEXT_SETTING_IDS,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const id of CONTEXT_SETTING_IDS) {
    if (!ids.includes(id)) continue;
    const value = settings[id];
    if (value === undefined) continue;
    const spec = FUNCTION_SETTINGS[id as FunctionSettingId];
    environment[spec.env] = (spec.validator as Validator<unknown>).format(value);
  }
  return environment;
}
