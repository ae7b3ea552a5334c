import { InvalidInputError, rethrowAs } from './errors';
import { OPERATIONS, type OperationName } from './operations';
import { integer, struct, where } from './validation';

/**
 * Chime SDK Meetings API rates as token buckets, one per (Region, bucket). The defaults and where
 * each comes from (published, or our assumption) are in the README's "Rates" section; every value
 * is a setting.
 */
export const DEFAULT_RATES = {
  BatchCreateAttendee: { ratePerSecond: 10, burst: 20 },
  CreateAttendee: { ratePerSecond: 10, burst: 20 },
  CreateMeeting: { ratePerSecond: 10, burst: 20 },
  CreateMeetingWithAttendees: { ratePerSecond: 10, burst: 20 },
  DeleteAttendee: { ratePerSecond: 10, burst: 20 },
  DeleteMeeting: { ratePerSecond: 10, burst: 20 },
  GetMeeting: { ratePerSecond: 10, burst: 20 },
  ListAttendees: { ratePerSecond: 10, burst: 20 },
  MeetingManagement: { ratePerSecond: 10, burst: 20 },
} as const satisfies Record<string, RateSetting>;

/** A token bucket: an operation with a published quota, or the aggregate `MeetingManagement`. */
export type RateBucket = keyof typeof DEFAULT_RATES;

/** One bucket's refill rate and capacity. */
export interface RateSetting {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Changes to some buckets, each member optional: `{ GetMeeting: { burst: 5 } }`. */
export type RateOverrides = Partial<Record<RateBucket, Partial<RateSetting>>>;

/** What the limiter enforces now. */
export interface RateSettings {
  readonly enabled: boolean;
  readonly buckets: Readonly<Record<RateBucket, RateSetting>>;
}

/** An update of the limiter, as `configure()` and `PUT /_emulator/rates` take it. */
export interface RateUpdate {
  readonly enabled?: boolean;
  readonly buckets?: RateOverrides;
}

const isRateBucket = (value: string): value is RateBucket => Object.hasOwn(DEFAULT_RATES, value);

/** The bucket each operation draws from; operations without a published quota share the aggregate. */
const BUCKET_OF_OPERATION = Object.fromEntries(
  Object.keys(OPERATIONS).map((name) => [name, isRateBucket(name) ? name : 'MeetingManagement']),
) as Readonly<Record<OperationName, RateBucket>>;

/** Rate settings that cannot be used, with the reason. */
export class InvalidRatesError extends InvalidInputError {}

const positive = where<number>(
  (value) => typeof value === 'number' && Number.isFinite(value) && value > 0,
  'be a positive number',
);
const overrides = struct(
  Object.fromEntries(
    Object.keys(DEFAULT_RATES).map((name) => [
      name,
      struct({ ratePerSecond: positive, burst: integer(1) }, [], 'rate setting member'),
    ]),
  ),
  [],
  'rate bucket',
);
const update = struct(
  {
    enabled: where((value) => typeof value === 'boolean', 'be a boolean'),
    buckets: overrides,
  },
  [],
  'rates option',
);

/** Validates bucket overrides from JSON or code. */
export const parseRateOverrides = (value: unknown): RateOverrides =>
  rethrowAs(InvalidRatesError, () => overrides('', value));

/** Validates a `PUT /_emulator/rates` body. */
export const parseRateUpdate = (value: unknown): RateUpdate =>
  rethrowAs(InvalidRatesError, () => update('', value));

/**
 * Parses the CLI form `GetMeeting=10:20,ListAttendees=5` (rate per second, optional burst).
 *
 * @example
 * parseRateSpec('GetMeeting=10:20') // { GetMeeting: { ratePerSecond: 10, burst: 20 } }
 */
export function parseRateSpec(spec: string): RateOverrides {
  const parsed: Record<string, unknown> = {};
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const match = /^([A-Za-z]+)=([0-9.]+)(?::(\d+))?$/.exec(part);
    if (!match) throw new InvalidRatesError(`Expected Bucket=rate[:burst], got ${part}`);
    const [, name = '', rate, burst] = match;
    parsed[name] = {
      ratePerSecond: Number(rate),
      ...(burst === undefined ? {} : { burst: Number(burst) }),
    };
  }
  return parseRateOverrides(parsed);
}

const merge = (
  base: Readonly<Record<RateBucket, RateSetting>>,
  changes: RateOverrides = {},
): Record<RateBucket, RateSetting> => {
  const merged = { ...base };
  for (const [name, change] of Object.entries(changes)) {
    if (isRateBucket(name)) merged[name] = { ...merged[name], ...change };
  }
  return merged;
};

/** Token buckets per Region and bucket, refilled continuously by an injected clock. */
export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** Creates the limiter. `clock` returns milliseconds; tests pass a fake one and advance it. */
export function createRateLimiter(options: {
  readonly rates: false | RateOverrides;
  readonly clock: () => number;
}) {
  const initial: RateSettings = {
    enabled: options.rates !== false,
    buckets: merge(DEFAULT_RATES, options.rates || {}),
  };
  let current = initial;
  // Keyed by Region and bucket: a Map, since Regions come from request headers.
  const buckets = new Map<string, { tokens: number; updatedAt: number }>();

  return {
    /** Takes one token for the operation in the Region; false means throttle the request. */
    take(region: string, operation: OperationName): boolean {
      if (!current.enabled) return true;
      const bucket = BUCKET_OF_OPERATION[operation];
      const { ratePerSecond, burst } = current.buckets[bucket];
      const now = options.clock();
      const key = `${region}\u0000${bucket}`;
      const state = buckets.get(key) ?? { tokens: burst, updatedAt: now };
      // A clock that steps back (wall-clock adjustment) refills nothing rather than draining.
      const elapsed = Math.max(0, now - state.updatedAt);
      state.tokens = Math.min(burst, state.tokens + (elapsed * ratePerSecond) / 1000);
      state.updatedAt = now;
      buckets.set(key, state);
      if (state.tokens < 1) return false;
      state.tokens -= 1;
      return true;
    },
    settings: (): RateSettings => structuredClone(current),
    /** Changes settings; every bucket starts full again. */
    configure(change: RateUpdate): RateSettings {
      current = {
        enabled: change.enabled ?? current.enabled,
        buckets: merge(current.buckets, change.buckets),
      };
      buckets.clear();
      return structuredClone(current);
    },
    refill: (): void => buckets.clear(),
    /** Back to the settings given at creation, every bucket full. */
    restore(): void {
      current = initial;
      buckets.clear();
    },
  };
}
