import { InvalidInputError, rethrowAs } from './errors';
import type { OperationName } from './operations';
import { boolean, integer, struct, where } from './validation';

/** Where each default comes from (published, or our assumption): the README's "Rates". */
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
} as const;

/** An operation with a published quota, or the aggregate `MeetingManagement`. */
type RateBucket = keyof typeof DEFAULT_RATES;
type Buckets = Readonly<Record<RateBucket, Required<ReturnType<typeof setting>>>>;

const bucketOf = (operation: OperationName): RateBucket =>
  Object.hasOwn(DEFAULT_RATES, operation) ? (operation as RateBucket) : 'MeetingManagement';

export class InvalidRatesError extends InvalidInputError {}

const setting = struct(
  {
    ratePerSecond: where<number>(
      (value) => typeof value === 'number' && Number.isFinite(value) && value > 0,
      'be a positive number',
    ),
    burst: integer(1),
  },
  [],
  'rate setting member',
);
const overrides = struct(
  Object.fromEntries(Object.keys(DEFAULT_RATES).map((name) => [name, setting])) as Record<
    RateBucket,
    typeof setting
  >,
  [],
  'rate bucket',
);
/** `{ GetMeeting: { burst: 5 } }` */
export type RateOverrides = ReturnType<typeof overrides>;
const update = struct({ enabled: boolean, buckets: overrides }, [], 'rates option');

const parseRateOverrides = (value: unknown): RateOverrides =>
  rethrowAs(InvalidRatesError, () => overrides('', value));

export const parseRateUpdate = (value: unknown) =>
  rethrowAs(InvalidRatesError, () => update('', value));

/** The CLI form: `GetMeeting=10:20,ListAttendees=5` (rate per second, optional burst). */
export function parseRateSpec(spec: string): RateOverrides {
  const parsed: Record<string, unknown> = {};
  for (const part of spec.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const match = /^([A-Za-z]+)=([0-9.]+)(?::(\d+))?$/.exec(part);
    if (!match) throw new InvalidRatesError(`Expected Bucket=rate[:burst], got ${part}`);
    const [, name = '', rate, burst] = match;
    parsed[name] = {
      ratePerSecond: Number(rate),
      ...(burst !== undefined && { burst: Number(burst) }),
    };
  }
  return parseRateOverrides(parsed);
}

const merge = (base: Buckets, changes: RateOverrides = {}): Buckets =>
  Object.fromEntries(
    Object.entries(base).map(([name, rate]) => [name, { ...rate, ...changes[name as RateBucket] }]),
  ) as Buckets;

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** Buckets refill continuously by `clock` (milliseconds); tests pass a fake one. */
export function createRateLimiter(rates: false | RateOverrides, clock: () => number) {
  const buckets = merge(DEFAULT_RATES, rates === false ? {} : parseRateOverrides(rates));
  const initial = { enabled: rates !== false, buckets };
  let current = initial;
  const levels = new Map<string, { tokens: number; updatedAt: number }>();

  return {
    take(region: string, operation: OperationName): boolean {
      if (!current.enabled) return true;
      const bucket = bucketOf(operation);
      const { ratePerSecond, burst } = current.buckets[bucket];
      const now = clock();
      const key = `${region}\u0000${bucket}`;
      const state = levels.get(key) ?? { tokens: burst, updatedAt: now };
      // A clock stepping back refills nothing rather than draining.
      const elapsed = Math.max(0, now - state.updatedAt);
      state.tokens = Math.min(burst, state.tokens + (elapsed * ratePerSecond) / 1000);
      state.updatedAt = now;
      levels.set(key, state);
      if (state.tokens < 1) return false;
      state.tokens -= 1;
      return true;
    },
    settings: () => structuredClone(current),
    /** Every bucket starts full again. */
    configure(change: ReturnType<typeof update>) {
      current = {
        enabled: change.enabled ?? current.enabled,
        buckets: merge(current.buckets, change.buckets),
      };
      levels.clear();
      return structuredClone(current);
    },
    refill: (): void => levels.clear(),
    restore(): void {
      current = initial;
      levels.clear();
    },
  };
}
