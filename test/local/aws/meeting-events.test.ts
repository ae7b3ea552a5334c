import { randomUUID } from 'node:crypto';
import {
  CHIME_EVENT_DETAIL_TYPE,
  CHIME_EVENT_SOURCE,
  type ChimeMeetingEvent,
  INVALIDATING_EVENT_TYPES,
  MEETING_EVENT_INPUT_PATHS,
  type MeetingEventInput,
  PREFETCH_EVENT_TYPES,
} from '../../../lambda/common/chime/chime-events';
import { routeMeetingEvents } from '../../../local/aws/meeting-events';

const ACCOUNT = '123456789012';

/** A meeting event as the emulator publishes it, ExternalUserId included; overridable. */
const event = (
  eventType: string,
  overrides: { source?: string; account?: string; detail?: Record<string, unknown> } = {},
): ChimeMeetingEvent => ({
  source: overrides.source ?? CHIME_EVENT_SOURCE,
  'detail-type': CHIME_EVENT_DETAIL_TYPE,
  account: overrides.account ?? ACCOUNT,
  detail: {
    version: '0',
    eventType,
    timestamp: 1_767_261_600_000,
    meetingId: randomUUID(),
    attendeeId: randomUUID(),
    externalUserId: 'alice@example.com',
    externalMeetingId: 'standup',
    mediaRegion: 'us-east-1',
    ...overrides.detail,
  },
});

/** A router over recording targets. */
function recorded(options: { account?: string; prefetch?: boolean } = {}) {
  const invalidated: MeetingEventInput[] = [];
  const queued: string[] = [];
  const route = routeMeetingEvents({
    invalidate: async (input) => invalidated.push(input),
    ...(options.prefetch === false ? {} : { prefetch: { send: (body) => queued.push(body) } }),
    ...(options.account === undefined ? {} : { account: options.account }),
  });
  return { route, invalidated, queued };
}

describe('the local stand-in for the meeting-event rules', () => {
  it('hands the invalidation handler the rule’s input of invalidating events, and queues AttendeeAdded’s as JSON', async () => {
    const { route, invalidated, queued } = recorded();
    const added = event('chime:AttendeeAdded');
    const ended = event('chime:MeetingEnded', { detail: { attendeeId: undefined } });
    const deleted = event('chime:AttendeeDeleted');

    for (const e of [added, ended, deleted, event('chime:AttendeeJoined')]) await route(e);
    await route(event('chime:AttendeeAdded', { source: 'aws.other' }));

    const inputOf = (e: ChimeMeetingEvent) => {
      const { eventType, meetingId, attendeeId, timestamp } = e.detail as Record<string, unknown>;
      return { eventType, meetingId, timestamp, ...(attendeeId ? { attendeeId } : {}) };
    };
    expect(invalidated).toEqual([inputOf(ended), inputOf(deleted)]);
    expect(queued.map((body) => JSON.parse(body))).toEqual([inputOf(added)]);
  });

  it('hands over the allowed fields only: never the ExternalUserId, capabilities or anything else', async () => {
    const { route, invalidated, queued } = recorded();
    const detail = {
      success: 1,
      attendeeCapabilities: { audio: 'None', video: 'None', content: 'None' },
    };

    await route(event('chime:AttendeeCapabilitiesUpdated', { detail }));
    await route(event('chime:AttendeeAdded', { detail }));

    const allowed = Object.keys(MEETING_EVENT_INPUT_PATHS).sort();
    expect(invalidated).toHaveLength(1);
    expect(Object.keys(invalidated[0] as object).sort()).toEqual(allowed);
    expect(invalidated[0]).toHaveProperty('success', 1);
    expect(queued).toHaveLength(1);
    expect(Object.keys(JSON.parse(queued[0] as string)).sort()).toEqual(allowed);
    for (const handed of [JSON.stringify(invalidated), ...queued]) {
      expect(handed).not.toContain('alice@example.com');
      expect(handed).not.toContain('externalUserId');
      expect(handed).not.toContain('None');
    }
  });

  it('routes exactly the event types the stack’s rules match', async () => {
    const { route, invalidated, queued } = recorded();

    for (const type of INVALIDATING_EVENT_TYPES)
      await route(event(type, { detail: { success: 1 } }));
    for (const type of PREFETCH_EVENT_TYPES) await route(event(type));

    expect(invalidated.map((input) => input.eventType)).toEqual([...INVALIDATING_EVENT_TYPES]);
    expect(invalidated.map((input) => input.eventType)).toContain(
      'chime:AttendeeCapabilitiesUpdated',
    );
    expect(queued.map((body) => JSON.parse(body).eventType)).toEqual([...PREFETCH_EVENT_TYPES]);
  });

  it('matches the stack’s account only, when it has one', async () => {
    const pinned = recorded({ account: ACCOUNT });
    const anyAccount = recorded();
    const elsewhere = event('chime:AttendeeDeleted', { account: '210987654321' });
    const here = event('chime:AttendeeDeleted');

    for (const { route } of [pinned, anyAccount]) {
      await route(elsewhere);
      await route(here);
    }

    expect(pinned.invalidated.map((input) => input.meetingId)).toEqual([here.detail?.meetingId]);
    expect(anyAccount.invalidated).toHaveLength(2);
  });

  it('matches no event without a timestamp, as the deployed pattern requires one', async () => {
    const { route, invalidated, queued } = recorded();

    await route(event('chime:AttendeeDeleted', { detail: { timestamp: undefined } }));
    await route(event('chime:AttendeeAdded', { detail: { timestamp: undefined } }));

    expect(invalidated).toEqual([]);
    expect(queued).toEqual([]);
  });

  it('drops prefetch events when there is no prefetch queue (container cache only)', async () => {
    const { route, invalidated } = recorded({ prefetch: false });

    await expect(route(event('chime:AttendeeAdded'))).resolves.toBeUndefined();
    expect(invalidated).toEqual([]);
  });
});
