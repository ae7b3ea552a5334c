import { randomUUID } from 'node:crypto';
import {
  CHIME_EVENT_DETAIL_TYPE,
  CHIME_EVENT_SOURCE,
  type ChimeMeetingEvent,
  INVALIDATING_EVENT_TYPES,
  PREFETCH_EVENT_TYPES,
} from '../../lambda/common/chime-events';
import { routeMeetingEvents } from '../../local/meeting-events';

const event = (eventType: string, source = CHIME_EVENT_SOURCE): ChimeMeetingEvent => ({
  source,
  'detail-type': CHIME_EVENT_DETAIL_TYPE,
  detail: { eventType, meetingId: randomUUID(), attendeeId: randomUUID() },
});

describe('the local stand-in for the meeting-event rules', () => {
  it('sends invalidating events to the invalidation handler and AttendeeAdded to the prefetch queue', async () => {
    const invalidated: ChimeMeetingEvent[] = [];
    const queued: string[] = [];
    const route = routeMeetingEvents({
      invalidate: async (e) => invalidated.push(e),
      prefetch: { send: (body) => queued.push(body) },
    });
    const added = event('chime:AttendeeAdded');
    const ended = event('chime:MeetingEnded');
    const deleted = event('chime:AttendeeDeleted');

    for (const e of [added, ended, deleted, event('chime:AttendeeJoined')]) await route(e);
    await route(event('chime:AttendeeAdded', 'aws.other'));

    expect(invalidated).toEqual([ended, deleted]);
    expect(queued.map((body) => JSON.parse(body))).toEqual([added]);
  });

  it('routes exactly the event types the stack’s rules match', async () => {
    const invalidated: unknown[] = [];
    const queued: unknown[] = [];
    const route = routeMeetingEvents({
      invalidate: async (e) => invalidated.push(e),
      prefetch: { send: (body) => queued.push(body) },
    });

    for (const type of INVALIDATING_EVENT_TYPES) await route(event(type));
    for (const type of PREFETCH_EVENT_TYPES) await route(event(type));

    expect(invalidated).toHaveLength(INVALIDATING_EVENT_TYPES.length);
    expect(queued).toHaveLength(PREFETCH_EVENT_TYPES.length);
  });

  it('drops prefetch events when there is no prefetch queue (container cache only)', async () => {
    const route = routeMeetingEvents({ invalidate: async () => undefined });

    await expect(route(event('chime:AttendeeAdded'))).resolves.toBeUndefined();
  });
});
