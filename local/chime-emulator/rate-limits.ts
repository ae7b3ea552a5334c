import type { OperationName } from './routes';

/**
 * Chime SDK Meetings API rates as token buckets, one per (Region, bucket).
 *
 * Defaults, from the AWS General Reference, "Amazon Chime SDK endpoints and quotas"
 * (https://docs.aws.amazon.com/general/latest/gr/chime-sdk.html, table "Amazon Chime SDK WebRTC
 * quotas"): BatchCreateAttendee ("BatchCreateAttendees API rate"), CreateAttendee, CreateMeeting,
 * CreateMeetingWithAttendees, DeleteAttendee, DeleteMeeting, GetMeeting and ListAttendees are
 * 10 requests per second each, per account and Region. The page gives no burst; Service Quotas
 * has a "… API burst rate in requests per second" quota for each of them (L-58F5D62D for
 * GetMeeting, L-C875D9AA for ListAttendees, …) and the 2023 developer guide gave 20, so every
 * bucket holds 20. GetAttendee has no quota of its own: it counts against "All meeting
 * management API rate in requests per second" (L-F147F728, burst L-63907FE3), whose default is
 * not published; we assume 10/s, burst 20. UpdateAttendeeCapabilities and
 * BatchUpdateAttendeeCapabilitiesExcept have no published quota of their own either, so they
 * draw from the same aggregate (our assumption). Every value is a setting.
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

/** The bucket each operation draws from; operations without a published quota share the aggregate. */
export const BUCKET_OF_OPERATION: Readonly<Record<OperationName, RateBucket>> = {
  BatchCreateAttendee: 'BatchCreateAttendee',
  BatchUpdateAttendeeCapabilitiesExcept: 'MeetingManagement',
  CreateAttendee: 'CreateAttendee',
  CreateMeeting: 'CreateMeeting',
  CreateMeetingWithAttendees: 'CreateMeetingWithAttendees',
  DeleteAttendee: 'DeleteAttendee',
  DeleteMeeting: 'DeleteMeeting',
  GetAttendee: 'MeetingManagement',
  GetMeeting: 'GetMeeting',
  ListAttendees: 'ListAttendees',
  UpdateAttendeeCapabilities: 'MeetingManagement',
};

/** Rate settings that cannot be used, with the reason. */
export class InvalidRatesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRatesError';
  }
}

/** Narrows an unknown value to a bucket name (own keys only, never `constructor` or `__proto__`). */
const isRateBucket = (value: unknown): value is RateBucket =>
  typeof value === 'string' && Object.hasOwn(DEFAULT_RATES, value);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function parseSetting(name: string, value: unknown): Partial<RateSetting> {
  if (!isObject(value)) throw new InvalidRatesError(`${name} must be an object`);
  const setting: { ratePerSecond?: number; burst?: number } = {};
  for (const [key, member] of Object.entries(value)) {
    if (key === 'ratePerSecond') {
      if (typeof member !== 'number' || !Number.isFinite(member) || member <= 0) {
        throw new InvalidRatesError(`${name}.ratePerSecond must be a positive number`);
      }
      setting.ratePerSecond = member;
    } else if (key === 'burst') {
      if (typeof member !== 'number' || !Number.isInteger(member) || member < 1) {
        throw new InvalidRatesError(`${name}.burst must be a positive integer`);
      }
      setting.burst = member;
    } else {
      throw new InvalidRatesError(`${name} may only hold ratePerSecond and burst`);
    }
  }
  return setting;
}

/** Validates bucket overrides from JSON or code. */
export function parseRateOverrides(value: unknown): RateOverrides {
  if (!isObject(value)) throw new InvalidRatesError('rates must map bucket names to settings');
  const overrides: Partial<Record<RateBucket, Partial<RateSetting>>> = {};
  for (const [name, setting] of Object.entries(value)) {
    if (!isRateBucket(name)) {
      throw new InvalidRatesError(
        `Unknown rate bucket ${name}; known: ${Object.keys(DEFAULT_RATES).join(', ')}`,
      );
    }
    overrides[name] = parseSetting(name, setting);
  }
  return overrides;
}

/** Validates a `PUT /_emulator/rates` body. */
export function parseRateUpdate(value: unknown): RateUpdate {
  if (!isObject(value)) throw new InvalidRatesError('The body must be a JSON object');
  for (const key of Object.keys(value)) {
    if (key !== 'enabled' && key !== 'buckets') {
      throw new InvalidRatesError('The body may only hold enabled and buckets');
    }
  }
  if (value.enabled !== undefined && typeof value.enabled !== 'boolean') {
    throw new InvalidRatesError('enabled must be a boolean');
  }
  return {
    ...(value.enabled === undefined ? {} : { enabled: value.enabled }),
    ...(value.buckets === undefined ? {} : { buckets: parseRateOverrides(value.buckets) }),
  };
}

/**
 * Parses the CLI form `GetMeeting=10:20,ListAttendees=5` (rate per second, optional burst).
 *
 * @example
 * parseRateSpec('GetMeeting=10:20') // { GetMeeting: { ratePerSecond: 10, burst: 20 } }
 */
export function parseRateSpec(spec: string): RateOverrides {
  const overrides: Record<string, unknown> = {};
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const match = /^([A-Za-z]+)=([0-9.]+)(?::(\d+))?$/.exec(part);
    if (!match) throw new InvalidRatesError(`Expected Bucket=rate[:burst], got ${part}`);
    const [, name = '', rate = '', burst] = match;
    overrides[name] = {
      ratePerSecond: Number(rate),
      ...(burst === undefined ? {} : { burst: Number(burst) }),
    };
  }
  return parseRateOverrides(overrides);
}

const merge = (
  base: Readonly<Record<RateBucket, RateSetting>>,
  overrides: RateOverrides = {},
): Record<RateBucket, RateSetting> => {
  const merged = { ...base };
  for (const name of Object.keys(merged) as RateBucket[]) {
    const override = Object.hasOwn(overrides, name) ? overrides[name] : undefined;
    if (override) merged[name] = { ...merged[name], ...override };
  }
  return merged;
};

/** Token buckets per Region and bucket, refilled continuously by an injected clock. */
export interface RateLimiter {
  /** Takes one token for the operation in the Region; false means throttle the request. */
  take(region: string, operation: OperationName): boolean;
  settings(): RateSettings;
  /** Changes settings; every bucket starts full again. */
  configure(update: RateUpdate): RateSettings;
  /** Fills every bucket, e.g. between benchmark scenarios. */
  refill(): void;
  /** Back to the settings given at creation, every bucket full. */
  restore(): void;
}

interface BucketState {
  tokens: number;
  updatedAt: number;
}

/**
 * Creates the limiter. `clock` returns milliseconds; tests pass a fake one and advance it.
 *
 * @example
 * const limiter = createRateLimiter({ rates: { GetMeeting: { burst: 1 } }, clock: () => now });
 */
export function createRateLimiter(options: {
  readonly rates?: false | RateOverrides;
  readonly clock: () => number;
}): RateLimiter {
  const initial: RateSettings = {
    enabled: options.rates !== false,
    buckets: merge(DEFAULT_RATES, options.rates === false ? {} : options.rates),
  };
  let current = initial;
  // Keyed by Region and bucket: a Map, since Regions come from request headers.
  const buckets = new Map<string, BucketState>();

  return {
    take(region, operation) {
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
    settings: () => structuredClone(current),
    configure(update) {
      current = {
        enabled: update.enabled ?? current.enabled,
        buckets: merge(current.buckets, update.buckets),
      };
      buckets.clear();
      return structuredClone(current);
    },
    refill: () => buckets.clear(),
    restore() {
      current = initial;
      buckets.clear();
    },
  };
}
