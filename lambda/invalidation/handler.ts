import { guidOf as guid } from '../attendee/attendee-ids';
import type { SharedCache } from '../attendee/cache/shared-cache';
import {
  type ChimeMeetingEvent,
  chimeEventTypeOf,
  INVALIDATING_EVENT_TYPES,
} from '../common/chime-events';

export type { ChimeMeetingEvent } from '../common/chime-events';

/** What the handler did with one event. */
export type InvalidationOutcome =
  | { readonly action: 'deleted-attendee'; readonly meetingId: string; readonly attendeeId: string }
  | { readonly action: 'deleted-meeting'; readonly meetingId: string; readonly items: number }
  | { readonly action: 'ignored'; readonly reason: string };

/** One structured line per event: ids and outcome only. */
export type InvalidationLog = (fields: Readonly<Record<string, string | number>>) => void;

const writeLine: InvalidationLog = (fields) => {
  process.stdout.write(
    `${JSON.stringify({ level: 'INFO', message: 'invalidation', timestamp: new Date().toISOString(), ...fields })}\n`,
  );
};

/** Decides what an event asks for, without I/O. */
export function invalidationOf(
  event: ChimeMeetingEvent,
):
  | { readonly kind: 'attendee'; readonly meetingId: string; readonly attendeeId: string }
  | { readonly kind: 'meeting'; readonly meetingId: string }
  | { readonly kind: 'none'; readonly reason: string } {
  const eventType = chimeEventTypeOf(event);
  if (eventType === undefined) return { kind: 'none', reason: 'not a Chime meeting state change' };
  if (!(INVALIDATING_EVENT_TYPES as readonly string[]).includes(eventType)) {
    return { kind: 'none', reason: 'event type not handled' };
  }
  const meetingId = guid(event.detail?.meetingId);
  if (!meetingId) return { kind: 'none', reason: 'meetingId is not a GUID' };
  if (eventType === 'chime:MeetingEnded') return { kind: 'meeting', meetingId };
  const attendeeId = guid(event.detail?.attendeeId);
  if (!attendeeId) return { kind: 'none', reason: 'attendeeId is not a GUID' };
  return { kind: 'attendee', meetingId, attendeeId };
}

/**
 * The handler of the EventBridge rule on `aws.chime` meeting state changes: deletes an attendee's
 * record on `chime:AttendeeDeleted`, all of a meeting's on `chime:MeetingEnded`; ignores the rest.
 * A DynamoDB failure throws, so EventBridge's retry policy tries again.
 */
export function createInvalidationHandler(deps: {
  readonly shared: Pick<SharedCache, 'deleteAttendee' | 'deleteMeeting'>;
  readonly log?: InvalidationLog;
}): (event: ChimeMeetingEvent) => Promise<InvalidationOutcome> {
  const log = deps.log ?? writeLine;
  return async (event) => {
    const wanted = invalidationOf(event);
    const eventType =
      typeof event.detail?.eventType === 'string' ? event.detail.eventType.slice(0, 64) : 'none';
    if (wanted.kind === 'none') {
      log({ eventType, action: 'ignored', reason: wanted.reason });
      return { action: 'ignored', reason: wanted.reason };
    }
    if (wanted.kind === 'attendee') {
      await deps.shared.deleteAttendee(wanted.meetingId, wanted.attendeeId);
      log({
        eventType,
        action: 'deleted-attendee',
        meetingId: wanted.meetingId,
        attendeeId: wanted.attendeeId,
      });
      return {
        action: 'deleted-attendee',
        meetingId: wanted.meetingId,
        attendeeId: wanted.attendeeId,
      };
    }
    const items = await deps.shared.deleteMeeting(wanted.meetingId);
    log({ eventType, action: 'deleted-meeting', meetingId: wanted.meetingId, items });
    return { action: 'deleted-meeting', meetingId: wanted.meetingId, items };
  };
}
