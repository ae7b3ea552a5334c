import { INVALIDATING_EVENT_TYPES, type MeetingEventInput } from '../common/chime/chime-events';
import { guidOf as guid } from '../common/ids';
import { writeLine } from '../common/log-line';
import type { SharedCache } from '../common/table/shared-cache';

type InvalidationOutcome =
  | { readonly action: 'deleted-attendee'; readonly meetingId: string; readonly attendeeId: string }
  | { readonly action: 'stale-attendee'; readonly meetingId: string; readonly attendeeId: string }
  | { readonly action: 'ended-meeting'; readonly meetingId: string; readonly items: number }
  | { readonly action: 'ignored'; readonly reason: string };

type Wanted =
  | { readonly kind: 'deleted' | 'stale'; readonly meetingId: string; readonly attendeeId: string }
  | { readonly kind: 'ended'; readonly meetingId: string }
  | { readonly kind: 'none'; readonly reason: string };

export function invalidationOf(input: MeetingEventInput): Wanted {
  const { eventType } = input;
  if (!(INVALIDATING_EVENT_TYPES as readonly unknown[]).includes(eventType)) {
    return { kind: 'none', reason: 'event type not handled' };
  }
  const meetingId = guid(input.meetingId);
  if (!meetingId) return { kind: 'none', reason: 'meetingId is not a GUID' };
  if (eventType === 'chime:MeetingEnded') return { kind: 'ended', meetingId };
  const attendeeId = guid(input.attendeeId);
  if (!attendeeId) return { kind: 'none', reason: 'attendeeId is not a GUID' };
  if (eventType === 'chime:AttendeeDeleted') return { kind: 'deleted', meetingId, attendeeId };
  if (input.success !== 1 && input.success !== '1') {
    return { kind: 'none', reason: 'capabilities update did not succeed' };
  }
  return { kind: 'stale', meetingId, attendeeId };
}

/**
 * Versioned the later of the event's time and now: nothing started before can write over them.
 * A DynamoDB failure throws: EventBridge retries.
 */
export function createInvalidationHandler(deps: {
  readonly shared: Pick<SharedCache, 'tombstoneAttendee' | 'markStale' | 'endMeeting'>;
  readonly now?: () => number;
  readonly log?: (fields: Readonly<Record<string, string | number>>) => void;
}): (input: MeetingEventInput) => Promise<InvalidationOutcome> {
  const { shared, now = Date.now } = deps;
  const log = deps.log ?? ((fields) => writeLine('INFO', 'invalidation', fields));
  const act = async (wanted: Wanted, version: number): Promise<InvalidationOutcome> => {
    if (wanted.kind === 'none') return { action: 'ignored', reason: wanted.reason };
    const { meetingId } = wanted;
    if (wanted.kind === 'ended') {
      const items = await shared.endMeeting(meetingId, version);
      return { action: 'ended-meeting', meetingId, items };
    }
    const { attendeeId } = wanted;
    if (wanted.kind === 'deleted') await shared.tombstoneAttendee(meetingId, attendeeId, version);
    else await shared.markStale(meetingId, attendeeId, version);
    return { action: `${wanted.kind}-attendee`, meetingId, attendeeId };
  };
  return async (input) => {
    const eventType = typeof input.eventType === 'string' ? input.eventType.slice(0, 64) : 'none';
    const at = Number.isFinite(input.timestamp) ? (input.timestamp as number) : 0;
    const outcome = await act(invalidationOf(input), Math.max(now(), at));
    log({ eventType, ...outcome });
    return outcome;
  };
}
