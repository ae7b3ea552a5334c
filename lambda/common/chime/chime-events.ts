/**
 * The Chime SDK meeting events the stack routes, to which function, and the one shape the rules
 * hand their targets: one place for the EventBridge rules (lib/attendee-cache.ts), the handlers,
 * and the local stand-ins of the rules (local/aws/meeting-events.ts).
 *
 * Amazon Chime SDK Developer Guide, "Understanding Amazon Chime SDK meeting lifecycle events"
 * (https://docs.aws.amazon.com/chime-sdk/latest/dg/using-events.html): the events reach the
 * default bus of the meetings' control Region as `source` `aws.chime`, `detail-type`
 * `Chime Meeting State Change`, with the event in `detail.eventType`.
 */
export const CHIME_EVENT_SOURCE = 'aws.chime';
export const CHIME_EVENT_DETAIL_TYPE = 'Chime Meeting State Change';

/**
 * Events after which Chime answers differently for cached records: the invalidation function
 * leaves a tombstone (deleted attendee, ended meeting) or a stale marker (capabilities changed).
 */
export const INVALIDATING_EVENT_TYPES = Object.freeze([
  'chime:AttendeeDeleted',
  'chime:MeetingEnded',
  'chime:AttendeeCapabilitiesUpdated',
] as const);

/**
 * Events that announce attendees before they ask for their join info: the prefetch function
 * lists their meeting into the table ahead of them (through a queue that batches them).
 */
export const PREFETCH_EVENT_TYPES = Object.freeze(['chime:AttendeeAdded'] as const);

/** A meeting event as EventBridge matches it (the rules' pattern reads these fields). */
export interface ChimeMeetingEvent {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly account?: unknown;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * What a rule hands its target: these fields of the event and nothing else (an input
 * transformer), so no ExternalUserId, capability or other attendee data ever sits in a queue.
 * Each entry is the event's JSON path; an absent path arrives as `null` or not at all, and the
 * handlers treat any field that is not of its type as absent.
 */
export const MEETING_EVENT_INPUT_PATHS = Object.freeze({
  eventType: '$.detail.eventType',
  meetingId: '$.detail.meetingId',
  attendeeId: '$.detail.attendeeId',
  /** Milliseconds since the epoch, when Chime made the change. */
  timestamp: '$.detail.timestamp',
  /** `chime:AttendeeCapabilitiesUpdated`: 1 when the update took effect, 0 when it failed. */
  success: '$.detail.success',
} as const);

/** A rule target's input: the fields of {@link MEETING_EVENT_INPUT_PATHS}, unchecked. */
export type MeetingEventInput = {
  readonly [K in keyof typeof MEETING_EVENT_INPUT_PATHS]?: unknown;
};

/** Whether `event` is a Chime meeting state change (what every rule's pattern requires). */
export function isChimeMeetingEvent(event: ChimeMeetingEvent): boolean {
  return event.source === CHIME_EVENT_SOURCE && event['detail-type'] === CHIME_EVENT_DETAIL_TYPE;
}

/** The local stand-in of the rules' input transformer: the target's input for `event`. */
export function meetingEventInputOf(event: ChimeMeetingEvent): MeetingEventInput {
  const detail = event.detail ?? {};
  const input: Record<string, unknown> = {};
  for (const [field, path] of Object.entries(MEETING_EVENT_INPUT_PATHS)) {
    const value = detail[path.slice('$.detail.'.length)];
    if (value !== undefined) input[field] = value;
  }
  return input;
}
