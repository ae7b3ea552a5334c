import { raced } from './container-cache';
import type { SharedCache, SharedRead } from './shared-cache';

/** What a waiter wants of the meeting: an attendee by lower-case id, or the meeting record. */
export type Wanted = { readonly attendeeId: string } | { readonly meeting: true };

/** Options of {@link createSnapshotWaiters}. */
export interface SnapshotWaitersOptions {
  /** How often the table is read while somebody waits. */
  readonly pollMs: number;
  /** How long a waiter waits at most before it asks Chime itself. */
  readonly waitMs: number;
  /** Waits `ms`. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Whether the read shows a complete snapshot recent enough to prove an absence. */
  readonly complete: (read: SharedRead) => boolean;
  /** Told of a table read that failed (the waiters then ask Chime). */
  readonly onReadError: (error: unknown) => void;
}

/** The waiters of one meeting, by wanted record. */
type Waiters = Map<string, ((read: SharedRead | undefined) => void)[]>;

const MEETING = '#meeting';
const wantKey = (wanted: Wanted) => ('attendeeId' in wanted ? wanted.attendeeId : MEETING);

/**
 * Waits for what another container's snapshot writes, page by page. One poller per meeting per
 * container reads, every `pollMs`, the records its waiters want (one BatchGetItem) and answers
 * each waiter as soon as its record is there, or with the tombstone that says it is gone; when
 * the snapshot marker says the snapshot is complete, the rest are answered without a record
 * (Chime decides); when the lease is gone or failed, or `waitMs` have passed, every waiter is
 * answered undefined at once.
 */
export function createSnapshotWaiters(options: SnapshotWaitersOptions) {
  const { pollMs, waitMs, sleep } = options;
  const meetings = new Map<string, Waiters>();

  const poll = async (shared: SharedCache, meetingId: string, waiters: Waiters) => {
    const settle = (want: string, read: SharedRead | undefined) => {
      for (const resolve of waiters.get(want) ?? []) resolve(read);
      waiters.delete(want);
    };
    const settleAll = (read: SharedRead | undefined) => {
      for (const want of [...waiters.keys()]) settle(want, read);
    };
    try {
      const polls = Math.max(1, Math.ceil(waitMs / pollMs));
      for (let round = 0; round < polls && waiters.size > 0; round += 1) {
        await sleep(pollMs);
        if (waiters.size === 0) break;
        const attendeeIds = [...waiters.keys()].filter((want) => want !== MEETING).slice(0, 96);
        let read: SharedRead;
        try {
          read = await shared.read(meetingId, { attendeeIds });
        } catch (error) {
          options.onReadError(error);
          settleAll(undefined);
          return;
        }
        if (read.ended) settleAll(read);
        for (const attendeeId of attendeeIds) {
          const record = read.attendees?.get(attendeeId);
          if (record || read.deleted?.has(attendeeId)) {
            settle(attendeeId, { ...read, attendee: record });
          }
        }
        if (read.meeting) settle(MEETING, read);
        // Complete: whoever is still waiting is not in it.
        if (options.complete(read)) settleAll({ ...read, attendee: undefined, meeting: undefined });
        if (!read.lease || read.lease.failed) settleAll(undefined);
      }
      settleAll(undefined);
    } finally {
      if (meetings.get(meetingId) === waiters) meetings.delete(meetingId);
    }
  };

  return {
    /**
     * What the lease holder's snapshot brings for `wanted`: a read holding its record or its
     * tombstone, a read without it (complete snapshot: not in it), or undefined (nothing to wait
     * for: Chime decides). Rejects only when `signal` aborts, and then stops waiting for it.
     */
    async wait(
      shared: SharedCache,
      meetingId: string,
      wanted: Wanted,
      signal: AbortSignal | undefined,
    ): Promise<SharedRead | undefined> {
      const want = wantKey(wanted);
      if (signal?.aborted) throw signal.reason;
      let waiters = meetings.get(meetingId);
      let resolve: (read: SharedRead | undefined) => void = () => undefined;
      const answer = new Promise<SharedRead | undefined>((settle) => {
        resolve = settle;
      });
      const starting = waiters === undefined;
      waiters ??= new Map();
      waiters.set(want, [...(waiters.get(want) ?? []), resolve]);
      if (starting) {
        meetings.set(meetingId, waiters);
        void poll(shared, meetingId, waiters);
      }
      const current = waiters;
      try {
        return await raced(answer, signal);
      } catch (error) {
        // Given up: the poller no longer reads for this waiter.
        const rest = (current.get(want) ?? []).filter((other) => other !== resolve);
        if (rest.length > 0) current.set(want, rest);
        else current.delete(want);
        throw error;
      }
    },
  };
}
