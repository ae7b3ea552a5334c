import {
  ApiError,
  createAttendeeApiClient,
  createRosterResolver,
  type MeetingRequest,
  type RosterAttendee,
  type RosterResolverOptions,
  type RosterResponse,
} from '../../client/src';
import { ADA, BOB, PIPELINE, ROSTER_MEETING } from '../helpers/roster-fixtures';

const UNKNOWN = '9e8d7c6b-5a49-4837-a625-140f0e0d0c0b';

/** A getRoster whose calls the test counts and answers, one by one, in order. */
function fakeClient() {
  const pending: { resolve: (body: RosterResponse) => void; reject: (error: unknown) => void }[] =
    [];
  const getRoster = jest.fn(
    (_request: MeetingRequest) =>
      new Promise<RosterResponse>((resolve, reject) => pending.push({ resolve, reject })),
  );
  const next = () => {
    const call = pending.shift();
    if (!call) throw new Error('no getRoster call is waiting for an answer');
    return call;
  };
  return {
    client: { getRoster },
    /** getRoster calls so far. */
    fetches: () => getRoster.mock.calls.length,
    answer: (...Attendees: RosterAttendee[]) => next().resolve({ Attendees }),
    fail: (error: unknown) => next().reject(error),
  };
}

function resolverOf(options: Partial<RosterResolverOptions> = {}) {
  const fake = fakeClient();
  const resolver = createRosterResolver({
    client: fake.client,
    meetingId: ROSTER_MEETING,
    ...options,
  });
  return { ...fake, resolver };
}

/** Lets every settled promise's callbacks run (setImmediate is not faked). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The outcome of a promise so far: pending, or what it settled with. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
});
afterEach(() => jest.useRealTimers());

describe('createRosterResolver', () => {
  it('answers a burst of lookups with one roster fetch, in the shape meetingManager.getAttendee returns', async () => {
    const { resolver, fetches, answer } = resolverOf();
    const lookups = Promise.all(
      [ADA, BOB, PIPELINE].map((entry) => resolver.getAttendee(entry.AttendeeId, 'ignored')),
    );
    await settle();
    answer(ADA, BOB, PIPELINE);
    expect(await lookups).toEqual([
      { name: 'Ada Lovelace', externalUserId: 'ada', service: false },
      { externalUserId: 'bob', service: false },
      { externalUserId: 'aws:MediaPipeline-4ae1f2c3', service: true },
    ]);
    expect(fetches()).toBe(1);
  });

  it('passes the meeting and the signal to getRoster', async () => {
    const { signal } = new AbortController();
    const { resolver, client, answer } = resolverOf({ signal });
    const lookup = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA);
    await lookup;
    expect(client.getRoster).toHaveBeenCalledWith({ meetingId: ROSTER_MEETING, signal });
  });

  it('answers a named attendee of the latest roster without fetching again', async () => {
    const { resolver, fetches, answer } = resolverOf();
    const first = resolver.getAttendee(BOB.AttendeeId);
    answer(ADA, BOB, PIPELINE);
    await first;
    jest.advanceTimersByTime(60_000);
    expect(await resolver.getAttendee(ADA.AttendeeId)).toEqual({
      name: 'Ada Lovelace',
      externalUserId: 'ada',
      service: false,
    });
    expect((await resolver.getAttendee(PIPELINE.AttendeeId)).service).toBe(true);
    expect(fetches()).toBe(1);
  });

  it('looks a person listed without a name up once more, in a roster fetched after it was asked', async () => {
    const { resolver, fetches, answer } = resolverOf();
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA, BOB);
    await first;
    jest.advanceTimersByTime(1000);
    const named = resolver.getAttendee(BOB.AttendeeId);
    await settle();
    expect(fetches()).toBe(2);
    answer(ADA, { ...BOB, Name: 'Bob Example' });
    expect(await named).toEqual({ name: 'Bob Example', externalUserId: 'bob', service: false });
    expect(fetches()).toBe(2);
  });

  it('answers a person without a name after nameWaitMs when no newer roster came by then', async () => {
    const { resolver, fetches, answer } = resolverOf({ nameWaitMs: 250 });
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA, BOB);
    await first;
    // The last fetch started just now: the next may not start for minIntervalMs.
    const unnamed = track(resolver.getAttendee(BOB.AttendeeId));
    jest.advanceTimersByTime(249);
    await settle();
    expect(unnamed.settled).toBe(false);
    jest.advanceTimersByTime(1);
    await settle();
    expect(unnamed.value).toEqual({ externalUserId: 'bob', service: false });
    // The newer roster is still fetched, and later lookups get the name from it.
    jest.advanceTimersByTime(1000);
    await settle();
    expect(fetches()).toBe(2);
    answer(ADA, { ...BOB, Name: 'Bob Example' });
    await settle();
    expect(await resolver.getAttendee(BOB.AttendeeId)).toMatchObject({ name: 'Bob Example' });
  });

  it('fetches again for an attendee the roster lacks, but not before minIntervalMs since the last fetch started', async () => {
    const { resolver, fetches, answer } = resolverOf({ minIntervalMs: 1000 });
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA);
    await first;
    const late = track(resolver.getAttendee(BOB.AttendeeId));
    const later = track(resolver.getAttendee(PIPELINE.AttendeeId));
    jest.advanceTimersByTime(999);
    await settle();
    expect(fetches()).toBe(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(fetches()).toBe(2);
    answer(ADA, BOB, PIPELINE);
    await settle();
    expect(late.value).toEqual({ externalUserId: 'bob', service: false });
    expect(later.value).toMatchObject({ service: true });
    expect(fetches()).toBe(2);
  });

  it('answers a named attendee of the latest roster at once while a newer fetch is under way', async () => {
    const { resolver, fetches, answer } = resolverOf();
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA, BOB);
    await first;
    jest.advanceTimersByTime(1000);
    const refreshing = track(resolver.refresh());
    await settle();
    expect(fetches()).toBe(2);
    expect(await resolver.getAttendee(ADA.AttendeeId)).toMatchObject({ name: 'Ada Lovelace' });
    expect(refreshing.settled).toBe(false);
  });

  it('answers a person without a name after nameWaitMs when the fetch under way is slow', async () => {
    const { resolver, fetches, answer } = resolverOf({ nameWaitMs: 250 });
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA, BOB);
    await first;
    jest.advanceTimersByTime(1000);
    const refreshing = track(resolver.refresh());
    await settle();
    expect(fetches()).toBe(2);
    const unnamed = track(resolver.getAttendee(BOB.AttendeeId));
    jest.advanceTimersByTime(249);
    await settle();
    expect(unnamed.settled).toBe(false);
    jest.advanceTimersByTime(1);
    await settle();
    expect(unnamed.value).toEqual({ externalUserId: 'bob', service: false });
    expect(refreshing.settled).toBe(false);
  });

  it('resolves {} for an attendee still missing from a roster fetched after it was asked', async () => {
    const { resolver, fetches, answer } = resolverOf();
    const unknown = resolver.getAttendee(UNKNOWN);
    answer(ADA);
    expect(await unknown).toEqual({});
    expect(fetches()).toBe(1);
  });

  it('makes a lookup that arrived during a fetch and is missing from it wait for the next fetch', async () => {
    const { resolver, fetches, answer } = resolverOf({ minIntervalMs: 1000 });
    const first = track(resolver.getAttendee(ADA.AttendeeId));
    const during = track(resolver.getAttendee(UNKNOWN));
    await settle();
    expect(fetches()).toBe(1);
    answer(ADA);
    await settle();
    expect(first.value).toMatchObject({ name: 'Ada Lovelace' });
    expect(during.settled).toBe(false);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(fetches()).toBe(2);
    answer(ADA);
    await settle();
    expect(during.value).toEqual({});
  });

  it('keeps one fetch in flight: a fetch slower than minIntervalMs holds the next one back', async () => {
    const { resolver, fetches, answer } = resolverOf({ minIntervalMs: 1000 });
    const first = track(resolver.getAttendee(ADA.AttendeeId));
    const refreshed = track(resolver.refresh());
    jest.advanceTimersByTime(5000);
    await settle();
    expect(fetches()).toBe(1);
    answer(ADA);
    await settle();
    expect(first.value).toMatchObject({ name: 'Ada Lovelace' });
    expect(fetches()).toBe(2);
    answer(ADA, BOB);
    await settle();
    expect(refreshed.value).toEqual([ADA, BOB]);
  });

  it('rejects the lookups waiting on a failed fetch with its error, and the next lookup tries again', async () => {
    const { resolver, fetches, answer, fail } = resolverOf({ minIntervalMs: 1000 });
    const error = new ApiError({ status: 503, code: 'upstream_throttled', message: 'busy' });
    const waiting = [ADA, BOB].map((entry) => track(resolver.getAttendee(entry.AttendeeId)));
    await settle();
    fail(error);
    await settle();
    expect(waiting.map((lookup) => lookup.error)).toEqual([error, error]);
    const retried = track(resolver.getAttendee(ADA.AttendeeId));
    await settle();
    expect(fetches()).toBe(1);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(fetches()).toBe(2);
    answer(ADA);
    await settle();
    expect(retried.value).toMatchObject({ name: 'Ada Lovelace' });
  });

  it('rejects every lookup once its signal aborts, and fetches nothing more', async () => {
    const controller = new AbortController();
    const { resolver, fetches, answer } = resolverOf({ signal: controller.signal });
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA);
    await first;
    controller.abort(new Error('left the meeting'));
    await expect(resolver.getAttendee(ADA.AttendeeId)).rejects.toThrow('left the meeting');
    await expect(resolver.getAttendee(UNKNOWN)).rejects.toThrow('left the meeting');
    jest.advanceTimersByTime(10_000);
    expect(fetches()).toBe(1);
  });

  it('refreshes on demand, within the same limits, and answers later lookups from the result', async () => {
    const { resolver, fetches, answer } = resolverOf({ minIntervalMs: 1000 });
    const first = resolver.getAttendee(ADA.AttendeeId);
    answer(ADA);
    await first;
    const refreshed = track(resolver.refresh());
    const again = track(resolver.refresh());
    await settle();
    expect(fetches()).toBe(1);
    jest.advanceTimersByTime(1000);
    await settle();
    const bob = { ...BOB, Name: 'Bob Example' };
    answer(ADA, bob);
    await settle();
    expect(refreshed.value).toEqual([ADA, bob]);
    expect(again.value).toEqual([ADA, bob]);
    expect(await resolver.getAttendee(BOB.AttendeeId)).toMatchObject({ name: 'Bob Example' });
    expect(fetches()).toBe(2);
  });

  it('refuses a minIntervalMs it cannot use when it is created', () => {
    const { client } = fakeClient();
    for (const minIntervalMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() =>
        createRosterResolver({ client, meetingId: ROSTER_MEETING, minIntervalMs }),
      ).toThrow(TypeError);
    }
  });

  it('passes on the ApiError of the real client, over one request per roster', async () => {
    const fetch = jest.fn(
      async () =>
        new Response(JSON.stringify({ message: 'Not Found' }), {
          status: 404,
          headers: { 'content-type': 'application/json' },
        }),
    );
    const client = createAttendeeApiClient({
      baseUrl: 'https://api.example.com',
      getToken: () => 'token',
      fetch: fetch as unknown as typeof globalThis.fetch,
    });
    const resolver = createRosterResolver({ client, meetingId: ROSTER_MEETING });
    const lookups = await Promise.allSettled(
      [ADA, BOB].map((entry) => resolver.getAttendee(entry.AttendeeId)),
    );
    for (const lookup of lookups) {
      expect(lookup).toMatchObject({
        status: 'rejected',
        reason: { name: 'ApiError', code: 'gateway_not_found' },
      });
    }
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(
      `https://api.example.com/meetings/${ROSTER_MEETING}/roster`,
      expect.objectContaining({ method: 'GET' }),
    );
  });
});
