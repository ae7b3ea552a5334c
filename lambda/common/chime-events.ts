/**
 * The Chime SDK meeting events the stack routes, and to which function: one place for the
 * EventBridge rules (lib/attendee-cache.ts), the handlers, and the local stand-ins of the rules
 * (local/meeting-events.ts).
 *
 * Amazon Chime SDK Developer Guide, "Understanding Amazon Chime SDK meeting lifecycle events"
 * (https://docs.aws.amazon.com/chime-sdk/latest/dg/using-events.html): the events reach the
 * default bus of the meetings' control Region as `source` `aws.chime`, `detail-type`
 * `Chime Meeting State Change`, with the event in `detail.eventType`.
 */
export const CHIME_EVENT_SOURCE = 'aws.chime';
export const CHIME_EVENT_DETAIL_TYPE = 'Chime Meeting State Change';

/** Events that make cached records stale: the invalidation function deletes them. */
export const INVALIDATING_EVENT_TYPES = Object.freeze([
  'chime:AttendeeDeleted',
  'chime:MeetingEnded',
] as const);

/**
 * Events that announce attendees before they ask for their join info: the warm-up function
 * lists their meeting into the table ahead of them (through a queue that batches them).
 */
export const PREFETCH_EVENT_TYPES = Object.freeze(['chime:AttendeeAdded'] as const);

/** The fields of a meeting event that the handlers read; anything else is ignored. */
export interface ChimeMeetingEvent {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly detail?: {
    readonly eventType?: unknown;
    readonly meetingId?: unknown;
    readonly attendeeId?: unknown;
    /** Milliseconds since the epoch, when Chime made the change. */
    readonly timestamp?: unknown;
  };
}

/** The event type of a Chime meeting state change, or undefined for anything else. */
export function chimeEventTypeOf(event: ChimeMeetingEvent): string | undefined {
  if (event.source !== CHIME_EVENT_SOURCE || event['detail-type'] !== CHIME_EVENT_DETAIL_TYPE) {
    return undefined;
  }
  const type = event.detail?.eventType;
  return typeof type === 'string' ? type : undefined;
}
