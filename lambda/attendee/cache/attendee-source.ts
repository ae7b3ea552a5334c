import type { Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import { createTtlCache, type TtlCache } from './container-cache';
import {
  type Answer,
  type AttendeeSourceOptions,
  createSourceDeps,
  loadRecord,
  loadRoster,
  type NamedAttendee,
  quietly,
  type Sourced,
} from './lookups';
import { type RequestMetrics, recordTier } from './metrics';

interface LookupOptions {
  readonly abortSignal?: AbortSignal;
  readonly metrics?: RequestMetrics;
}

const split = <V>({ value, expiresAt, ...sourced }: Answer<V>): [V, Sourced] => [value, sourced];

/** Through a container cache (single flight), unless it is off (undefined). */
async function through<V>(
  cache: TtlCache<V> | undefined,
  key: string,
  load: (signal: AbortSignal | undefined) => Promise<Answer<V>>,
  { abortSignal, metrics }: LookupOptions,
): Promise<[V, Sourced]> {
  if (!cache) return split(await load(abortSignal));
  // A hit, the usual case, sets up no load.
  let value = cache.peek(key);
  if (value === undefined) {
    let answer: Answer<V> | undefined;
    const loadAnswer = async (signal: AbortSignal | undefined) => {
      answer = await load(signal);
      return answer;
    };
    const got = await cache.get(key, loadAnswer, abortSignal);
    if (got.source === 'load' && answer) return split(answer);
    value = got.value;
  }
  recordTier(metrics, 'container');
  return [value, { tier: 'container' }];
}

/**
 * Attendees, meetings and rosters as Chime answers them, through the tiers of docs/caching.md (a
 * cache failure falls back to Chime). IDs must be lower-case, as `parseAttendeeIds` returns them.
 */
export function createAttendeeSource(options: AttendeeSourceOptions) {
  const deps = createSourceDeps(options);
  const { container, attendeeTtlMs, meetingTtlMs } = deps;
  // Names this container wrote, so that an owner's next requests do not write them again.
  const written = createTtlCache<string>({ maxEntries: options.cacheMaxEntries, now: deps.now });
  return {
    /** `alongWith`: the caller's own attendee, read in the same table read and kept. */
    async getAttendee(
      meetingId: string,
      attendeeId: string,
      options: LookupOptions & { readonly alongWith?: string | undefined } = {},
    ) {
      const { alongWith, metrics } = options;
      const [value, sourced] = await through(
        attendeeTtlMs > 0 ? container.attendees : undefined,
        container.attendeeKey(meetingId, attendeeId),
        (signal) => loadRecord(deps, { meetingId, attendeeId, alongWith, signal, metrics }),
        options,
      );
      return { Attendee: value as NamedAttendee | undefined, ...sourced };
    },
    async getMeeting(meetingId: string, options: LookupOptions = {}) {
      const [value, sourced] = await through(
        meetingTtlMs > 0 ? container.meetings : undefined,
        meetingId,
        (signal) => loadRecord(deps, { meetingId, signal, metrics: options.metrics }),
        options,
      );
      return { Meeting: value as Meeting | undefined, ...sourced };
    },
    async getRoster(meetingId: string, options: LookupOptions = {}) {
      const [value, sourced] = await through(
        attendeeTtlMs > 0 ? container.rosters : undefined,
        meetingId,
        (signal) => loadRoster(deps, { meetingId, signal, metrics: options.metrics }),
        options,
      );
      return { Attendees: value, ...sourced };
    },
    /** Records the display name of an attendee's owner for the others to see. */
    async recordName(
      meetingId: string,
      attendeeId: string,
      name: string,
      { metrics }: LookupOptions = {},
    ) {
      const { shared } = deps;
      const key = container.attendeeKey(meetingId, attendeeId);
      if (!shared || written.peek(key) === name) return;
      const put = () => shared.putName(meetingId, attendeeId, name, deps.now()).then(() => true);
      if (!(await quietly(deps, { metrics }, 'putName', put))) return;
      written.set(key, name, deps.now() + attendeeTtlMs);
      container.attendees.delete(key);
    },
  };
}

export type AttendeeSource = ReturnType<typeof createAttendeeSource>;
