import { randomBytes, randomUUID } from 'node:crypto';
import { createMemoryCache } from '../../../../lambda/attendee/cache/memory-cache';
import type { CachedAttendee } from '../../../../lambda/common/table/item-codec';
import { registerSecret } from '../../../helpers/log-capture';

// The contract it shares with the table (versions, tombstones, stale markers, lease, the
// meeting's end, expiry) is tested over both in shared-cache.test.ts; here, what only memory has.

const TTL_MS = 5_000;
const T0 = 1_700_000_000_000;

const attendee = (): CachedAttendee => ({
  AttendeeId: randomUUID(),
  ExternalUserId: registerSecret(`user-${randomUUID()}`),
  JoinToken: registerSecret(randomBytes(48).toString('base64url')),
  Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'None' },
});

const idOf = (record: CachedAttendee) => record.AttendeeId as string;

describe('the shared cache in container memory', () => {
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    clock = T0;
  });

  it('keeps at most maxEntries items, dropping the least recently written first', async () => {
    const cache = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 3, now });
    const meetingId = randomUUID();
    const [a, b, c, d] = [attendee(), attendee(), attendee(), attendee()];
    await cache.putAttendees(meetingId, [a, b, c], clock);
    // Written again (newer): now the most recent.
    await cache.putAttendees(meetingId, [a], clock + 1);

    await cache.putAttendees(meetingId, [d], clock);

    const read = await cache.read(meetingId, { attendeeIds: [a, b, c, d].map(idOf) });
    expect([...(read.attendees?.keys() ?? [])].sort()).toEqual([a, c, d].map(idOf).sort());
  });

  it('counts a write that lost to a newer record as no write: it keeps its place', async () => {
    const cache = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 2, now });
    const meetingId = randomUUID();
    const [a, b, c] = [attendee(), attendee(), attendee()];
    await cache.putAttendees(meetingId, [a], clock + 1);
    await cache.putAttendees(meetingId, [b], clock);
    await cache.putAttendees(meetingId, [a], clock);

    await cache.putAttendees(meetingId, [c], clock);

    const read = await cache.read(meetingId, { attendeeIds: [a, b, c].map(idOf) });
    expect([...(read.attendees?.keys() ?? [])].sort()).toEqual([b, c].map(idOf).sort());
  });

  it('serves a record for ttlMs, its freshness bound without a table, then forgets it', async () => {
    const cache = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 10, now });
    const meetingId = randomUUID();
    const record = attendee();
    await cache.putAttendees(meetingId, [record], clock);

    clock += TTL_MS - 1;
    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record))
        ?.value,
    ).toEqual(record);
    clock += 1;
    expect(await cache.read(meetingId, { attendeeId: idOf(record) })).toEqual({});
    // Gone, not merely hidden: an older write is taken again.
    await cache.putAttendees(meetingId, [record], T0 - 1);
    expect(
      (await cache.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record))
        ?.version,
    ).toBe(T0 - 1);
  });

  it("ends one meeting without touching another's items", async () => {
    const cache = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 10, now });
    const [ended, other] = [randomUUID(), randomUUID()];
    const record = attendee();
    await cache.putAttendees(ended, [attendee()], clock);
    await cache.putAttendees(other, [record], clock);
    await cache.acquireLease(other, 'holder', 1000);

    await cache.endMeeting(ended, clock);

    const read = await cache.read(other, { attendeeId: idOf(record) });
    expect(read.attendees?.get(idOf(record))?.value).toEqual(record);
    expect(read.lease?.owner).toBe('holder');
    expect(read.ended).toBeUndefined();
  });

  it('shares nothing between two containers', async () => {
    const one = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 10, now });
    const two = createMemoryCache({ ttlMs: TTL_MS, maxEntries: 10, now });
    const meetingId = randomUUID();
    const record = attendee();
    await one.putAttendees(meetingId, [record], clock);

    expect(await one.acquireLease(meetingId, 'one', 1000)).toBe(true);
    expect(await two.acquireLease(meetingId, 'two', 1000)).toBe(true);
    expect(
      (await two.read(meetingId, { attendeeId: idOf(record) })).attendees?.get(idOf(record)),
    ).toBeUndefined();
  });
});
