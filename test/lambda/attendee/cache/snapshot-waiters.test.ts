import { randomBytes, randomUUID } from 'node:crypto';
import { createMemoryCache } from '../../../../lambda/attendee/cache/memory-cache';
import {
  createSnapshotWaiters,
  type SnapshotWaitersOptions,
} from '../../../../lambda/attendee/cache/snapshot-waiters';
import type { CachedAttendee, SharedRead } from '../../../../lambda/common/table/item-codec';
import type { SharedCache } from '../../../../lambda/common/table/shared-cache';
import { registerSecret } from '../../../helpers/log-capture';

const T0 = 1_700_000_000_000;
const LEASE_MS = 10_000;
const POLL_MS = 50;

const attendee = (): CachedAttendee => ({
  AttendeeId: randomUUID(),
  ExternalUserId: registerSecret(`user-${randomUUID()}`),
  JoinToken: registerSecret(randomBytes(48).toString('base64url')),
});

const idOf = (record: CachedAttendee) => record.AttendeeId as string;

/** What a waiter's promise holds once every callback queued so far has run. */
const PENDING = Symbol('pending');
const settledValue = <T>(promise: Promise<T>): Promise<T | typeof PENDING> =>
  Promise.race([promise, new Promise<typeof PENDING>((resolve) => setImmediate(resolve, PENDING))]);

/**
 * A sleep the test lets go of, one poll at a time: `poll()` ends every sleep in progress and
 * returns once what the pollers did with their next read has happened.
 */
function steppedSleep() {
  const sleeping: (() => void)[] = [];
  const asked: number[] = [];
  return {
    asked,
    sleep: (ms: number) => {
      asked.push(ms);
      return new Promise<void>((resolve) => sleeping.push(resolve));
    },
    async poll() {
      for (const wake of sleeping.splice(0)) wake();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('the snapshot waiters', () => {
  let clock: number;
  let table: SharedCache;
  let reads: { meetingId: string; attendeeIds: readonly string[] }[];
  /** The table as the waiters see it: another container's snapshot writes into it. */
  let shared: SharedCache;
  let readErrors: unknown[];

  beforeEach(() => {
    clock = T0;
    table = createMemoryCache({ ttlMs: 60_000, maxEntries: 10_000, now: () => clock });
    reads = [];
    readErrors = [];
    shared = {
      ...table,
      read: (meetingId, what, signal) => {
        reads.push({ meetingId, attendeeIds: [...(what.attendeeIds ?? [])] });
        return table.read(meetingId, what, signal);
      },
    };
  });

  const waitersWith = (overrides: Partial<SnapshotWaitersOptions> = {}) =>
    createSnapshotWaiters({
      pollMs: POLL_MS,
      waitMs: LEASE_MS,
      sleep: async () => undefined,
      complete: (read: SharedRead) => read.snapshot !== undefined,
      onReadError: (error) => readErrors.push(error),
      ...overrides,
    });

  /** A meeting whose snapshot lease another container holds. */
  const leasedMeeting = async () => {
    const meetingId = randomUUID();
    await table.acquireLease(meetingId, 'other-container', LEASE_MS);
    return meetingId;
  };

  it('answers a waiter with its record as soon as a page brings it, one read per poll', async () => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const meetingId = await leasedMeeting();
    const record = attendee();

    const answer = waiters.wait(shared, meetingId, idOf(record), undefined);
    await stepped.poll();
    expect(await settledValue(answer)).toBe(PENDING);

    await table.putAttendees(meetingId, [record], T0);
    await stepped.poll();

    expect((await answer)?.attendees?.get(idOf(record))).toEqual({
      value: record,
      version: T0,
      expiresAt: T0 + 60_000,
    });
    expect(reads).toEqual([
      { meetingId, attendeeIds: [idOf(record)] },
      { meetingId, attendeeIds: [idOf(record)] },
    ]);
    expect(stepped.asked).toEqual([POLL_MS, POLL_MS]);
  });

  it('answers a waiter with the tombstone that says its attendee is gone', async () => {
    const meetingId = await leasedMeeting();
    const record = attendee();
    await table.tombstoneAttendee(meetingId, idOf(record), T0);

    const answer = await waitersWith().wait(shared, meetingId, idOf(record), undefined);

    expect(answer?.deleted).toEqual(new Set([idOf(record)]));
    expect(answer?.attendees).toBeUndefined();
    expect(reads).toHaveLength(1);
  });

  it('answers a meeting waiter with the meeting record', async () => {
    const meetingId = await leasedMeeting();
    await table.putMeeting(meetingId, { MeetingId: meetingId, MediaRegion: 'us-east-1' }, T0);

    const answer = await waitersWith().wait(shared, meetingId, undefined, undefined);

    expect(answer?.meeting?.value).toEqual({ MeetingId: meetingId, MediaRegion: 'us-east-1' });
    // The meeting is in every read: no attendee is asked for.
    expect(reads).toEqual([{ meetingId, attendeeIds: [] }]);
  });

  it('answers every waiter of a meeting with one read once the meeting has ended', async () => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const meetingId = await leasedMeeting();
    const answers = Promise.all([
      waiters.wait(shared, meetingId, randomUUID(), undefined),
      waiters.wait(shared, meetingId, randomUUID(), undefined),
      waiters.wait(shared, meetingId, undefined, undefined),
    ]);

    await table.endMeeting(meetingId, T0);
    await stepped.poll();

    for (const answer of await answers) expect(answer?.ended).toBe(true);
    expect(reads).toHaveLength(1);
  });

  it.each([
    [
      'been marked failed',
      async (meetingId: string) => {
        await table.failLease(meetingId, 'other-container', T0 + LEASE_MS);
      },
    ],
    [
      'run out',
      async () => {
        clock += LEASE_MS + 1;
      },
    ],
  ])('answers every waiter undefined at once when the lease has %s', async (_case, change) => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const meetingId = await leasedMeeting();
    const answers = Promise.all([
      waiters.wait(shared, meetingId, randomUUID(), undefined),
      waiters.wait(shared, meetingId, undefined, undefined),
    ]);
    await stepped.poll();
    expect(await settledValue(answers)).toBe(PENDING);

    await change(meetingId);
    await stepped.poll();

    expect(await answers).toEqual([undefined, undefined]);
    expect(reads).toHaveLength(2);
  });

  it('answers those on a complete snapshot with their record, and the rest without one', async () => {
    const meetingId = await leasedMeeting();
    const [listed, missing] = [attendee(), attendee()];
    await table.putAttendees(meetingId, [listed], T0);
    await table.markSnapshot(meetingId, T0);
    const waiters = waitersWith();

    const [found, absent, meeting] = await Promise.all([
      waiters.wait(shared, meetingId, idOf(listed), undefined),
      waiters.wait(shared, meetingId, idOf(missing), undefined),
      waiters.wait(shared, meetingId, undefined, undefined),
    ]);

    expect(found?.attendees?.get(idOf(listed))?.value).toEqual(listed);
    // Not undefined: a read that proves the absence (Chime decides), with no record in it.
    expect(absent).toMatchObject({ snapshot: { takenAt: T0 } });
    expect(absent?.attendees?.has(idOf(missing))).toBe(false);
    expect(meeting).toMatchObject({ snapshot: { takenAt: T0 } });
    expect(meeting?.meeting).toBeUndefined();
    expect(reads).toHaveLength(1);
  });

  it('polls each meeting with one reader, however many wait on it', async () => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const [one, two] = [await leasedMeeting(), await leasedMeeting()];
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    void waiters.wait(shared, one, a, undefined);
    void waiters.wait(shared, one, b, undefined);
    void waiters.wait(shared, one, a, undefined);
    void waiters.wait(shared, one, undefined, undefined);
    void waiters.wait(shared, two, c, undefined);

    // One sleep per meeting: one poller each.
    expect(stepped.asked).toEqual([POLL_MS, POLL_MS]);
    await stepped.poll();

    expect(reads).toEqual([
      { meetingId: one, attendeeIds: [a, b] },
      { meetingId: two, attendeeIds: [c] },
    ]);
  });

  it('asks for at most 96 attendees in one read', async () => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const meetingId = await leasedMeeting();
    for (let i = 0; i < 100; i += 1) {
      void waiters.wait(shared, meetingId, randomUUID(), undefined);
    }

    await stepped.poll();

    expect(reads.map((read) => read.attendeeIds.length)).toEqual([96]);
  });

  it('rejects a waiter whose signal aborts, with its reason, and still answers the others', async () => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const meetingId = await leasedMeeting();
    const record = attendee();
    const deadline = new AbortController();
    const aborted = waiters.wait(shared, meetingId, idOf(record), deadline.signal);
    const patient = waiters.wait(shared, meetingId, idOf(record), undefined);
    const reason = new DOMException('The request deadline passed', 'TimeoutError');

    deadline.abort(reason);

    await expect(aborted).rejects.toBe(reason);
    await table.putAttendees(meetingId, [record], T0);
    await stepped.poll();
    expect((await patient)?.attendees?.get(idOf(record))?.value).toEqual(record);
  });

  it('rejects at once a waiter whose signal has aborted already', async () => {
    const stepped = steppedSleep();
    const meetingId = await leasedMeeting();
    const reason = new DOMException('The request deadline passed', 'TimeoutError');

    await expect(
      waitersWith({ sleep: stepped.sleep }).wait(
        shared,
        meetingId,
        undefined,
        AbortSignal.abort(reason),
      ),
    ).rejects.toBe(reason);
  });

  it('reads the table no more once every waiter of the meeting has given up', async () => {
    const stepped = steppedSleep();
    const waiters = waitersWith({ sleep: stepped.sleep });
    const meetingId = await leasedMeeting();
    const deadline = new AbortController();
    const gaveUp = waiters.wait(shared, meetingId, randomUUID(), deadline.signal);
    deadline.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    await expect(gaveUp).rejects.toThrow('deadline');

    await stepped.poll();
    await stepped.poll();

    expect(reads).toEqual([]);
  });

  it.each([
    [200, 4],
    [120, 3],
    [10, 1],
  ])(
    'gives up after waitMs %i: every waiter is answered undefined, after %i read(s)',
    async (waitMs, polls) => {
      const asked: number[] = [];
      const waiters = waitersWith({
        waitMs,
        sleep: async (ms) => {
          asked.push(ms);
        },
      });
      const meetingId = await leasedMeeting();

      const answers = await Promise.all([
        waiters.wait(shared, meetingId, randomUUID(), undefined),
        waiters.wait(shared, meetingId, undefined, undefined),
      ]);

      expect(answers).toEqual([undefined, undefined]);
      expect(reads).toHaveLength(polls);
      expect(asked).toEqual(Array(polls).fill(POLL_MS));
    },
  );

  it('answers every waiter undefined when a read fails, tells onReadError, and reads no more', async () => {
    const failure = Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    const failing: SharedCache = {
      ...shared,
      read: async (meetingId, what) => {
        reads.push({ meetingId, attendeeIds: [...(what.attendeeIds ?? [])] });
        throw failure;
      },
    };
    const waiters = waitersWith();
    const meetingId = randomUUID();

    const answers = await Promise.all([
      waiters.wait(failing, meetingId, randomUUID(), undefined),
      waiters.wait(failing, meetingId, undefined, undefined),
    ]);

    expect(answers).toEqual([undefined, undefined]);
    expect(readErrors).toEqual([failure]);
    expect(reads).toHaveLength(1);
  });

  it('starts a new poller for a meeting once the last one has answered everybody', async () => {
    const waiters = waitersWith();
    const meetingId = await leasedMeeting();
    const [first, second] = [attendee(), attendee()];
    await table.putAttendees(meetingId, [first, second], T0);

    await waiters.wait(shared, meetingId, idOf(first), undefined);
    const answer = await waiters.wait(shared, meetingId, idOf(second), undefined);

    expect(answer?.attendees?.get(idOf(second))?.value).toEqual(second);
    expect(reads.map((read) => read.attendeeIds)).toEqual([[idOf(first)], [idOf(second)]]);
  });
  describe('the whole snapshot (the roster)', () => {
    it('reads the whole meeting each poll until the snapshot is complete, and gives that read', async () => {
      const stepped = steppedSleep();
      const meetingId = await leasedMeeting();
      const whole = waitersWith({ sleep: stepped.sleep }).whole(shared, meetingId, undefined);
      await stepped.poll();
      expect(await settledValue(whole)).toBe(PENDING);
      const listed = attendee();
      await table.putAttendees(meetingId, [listed], T0);
      await table.markSnapshot(meetingId, T0);
      await stepped.poll();
      expect((await whole)?.attendees?.has(idOf(listed))).toBe(true);
      expect(stepped.asked).toEqual([POLL_MS, POLL_MS]);
    });

    it('gives the read that says the meeting ended, and undefined once the lease is gone', async () => {
      const ended = await leasedMeeting();
      await table.endMeeting(ended, T0);
      expect((await waitersWith().whole(shared, ended, undefined))?.ended).toBe(true);
      const failed = await leasedMeeting();
      await table.failLease(failed, 'other-container', T0 + LEASE_MS);
      expect(await waitersWith().whole(shared, failed, undefined)).toBeUndefined();
    });

    it('gives up after waitMs of polls, and rejects when its signal aborts', async () => {
      const asked: number[] = [];
      const meetingId = await leasedMeeting();
      const waiters = waitersWith({ waitMs: 120, sleep: async (ms) => void asked.push(ms) });
      expect(await waiters.whole(shared, meetingId, undefined)).toBeUndefined();
      expect(asked).toEqual([POLL_MS, POLL_MS, POLL_MS]);
      const reason = new DOMException('The request deadline passed', 'TimeoutError');
      await expect(waiters.whole(shared, meetingId, AbortSignal.abort(reason))).rejects.toBe(
        reason,
      );
    });
  });
});
