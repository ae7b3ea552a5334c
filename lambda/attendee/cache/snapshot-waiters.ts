import type { SharedRead } from '../../common/table/item-codec';
import type { SharedCache } from '../../common/table/shared-cache';
import { raced } from './container-cache';

export interface SnapshotWaitersOptions {
  readonly pollMs: number;
  readonly waitMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly complete: (read: SharedRead) => boolean;
  readonly onReadError: (error: unknown) => void;
}

type Answer = (read: SharedRead | undefined) => void;
type Waiters = Map<string, Answer[]>;

const MEETING = '#meeting';
/** A BatchGetItem reads 100 keys at most; the meeting's own items take the rest. */
const MAX_IDS = 96;

/** Answers the waiters whose record or tombstone came; all once nothing more will come. */
function settle(waiters: Waiters, read: SharedRead, complete: boolean): void {
  const all = read.ended || complete;
  const over = !read.lease || read.lease.failed;
  for (const [want, resolvers] of [...waiters]) {
    const found =
      all ||
      (want === MEETING ? read.meeting : read.attendees?.has(want) || read.deleted?.has(want));
    if (!found && !over) continue;
    for (const resolve of resolvers) resolve(found ? read : undefined);
    waiters.delete(want);
  }
}

/** One poller per meeting reads its waiters' records every `pollMs` until each is settled. */
export function createSnapshotWaiters(options: SnapshotWaitersOptions) {
  const { pollMs, sleep, complete } = options;
  const polls = Math.max(1, Math.ceil(options.waitMs / pollMs));
  const meetings = new Map<string, Waiters>();
  const poll = async (shared: SharedCache, meetingId: string, waiters: Waiters) => {
    try {
      for (let round = 0; round < polls && waiters.size > 0; round += 1) {
        await sleep(pollMs);
        if (waiters.size === 0) break;
        const attendeeIds = [...waiters.keys()].filter((want) => want !== MEETING);
        const read = await shared.read(meetingId, { attendeeIds: attendeeIds.slice(0, MAX_IDS) });
        settle(waiters, read, complete(read));
      }
    } catch (error) {
      options.onReadError(error);
    } finally {
      for (const resolvers of waiters.values()) for (const resolve of resolvers) resolve(undefined);
      if (meetings.get(meetingId) === waiters) meetings.delete(meetingId);
    }
  };
  return {
    /**
     * A read settling the attendee (lower-case id) or, without one, the meeting; or undefined
     * (Chime decides). Rejects only on `signal`.
     */
    async wait(
      shared: SharedCache,
      meetingId: string,
      attendeeId: string | undefined,
      signal: AbortSignal | undefined,
    ): Promise<SharedRead | undefined> {
      if (signal?.aborted) throw signal.reason;
      const want = attendeeId ?? MEETING;
      const { promise: answered, resolve } = Promise.withResolvers<SharedRead | undefined>();
      const current = meetings.get(meetingId) ?? new Map<string, Answer[]>();
      current.set(want, [...(current.get(want) ?? []), resolve]);
      if (!meetings.has(meetingId)) {
        meetings.set(meetingId, current);
        void poll(shared, meetingId, current);
      }
      try {
        return await raced(answered, signal);
      } catch (error) {
        const rest = (current.get(want) ?? []).filter((other) => other !== resolve);
        if (rest.length > 0) current.set(want, rest);
        else current.delete(want);
        throw error;
      }
    },
    /** The roster's wait: a read of the complete snapshot or ended meeting, else undefined. */
    async whole(shared: SharedCache, meetingId: string, signal: AbortSignal | undefined) {
      for (let round = 0; round < polls; round += 1) {
        await raced(sleep(pollMs), signal);
        const read = await shared.readAll(meetingId, signal);
        if (read.ended || complete(read)) return read;
        if (!read.lease || read.lease.failed) return undefined;
      }
      return undefined;
    },
  };
}
