// https://docs.aws.amazon.com/chime-sdk/latest/dg/using-events.html
export const CHIME_EVENT_SOURCE = 'aws.chime';
export const CHIME_EVENT_DETAIL_TYPE = 'Chime Meeting State Change';

/** Events after which Chime answers differently for cached records (the invalidation function). */
export const INVALIDATING_EVENT_TYPES = Object.freeze([
  'chime:AttendeeDeleted',
  'chime:MeetingEnded',
  'chime:AttendeeCapabilitiesUpdated',
] as const);

/** Events that announce attendees before they ask (the prefetch function, through a queue). */
export const PREFETCH_EVENT_TYPES = Object.freeze(['chime:AttendeeAdded'] as const);

export interface ChimeMeetingEvent {
  readonly source?: unknown;
  readonly 'detail-type'?: unknown;
  readonly account?: unknown;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A rule's input transformer hands its target these alone: no attendee data sits in a queue. */
export const MEETING_EVENT_INPUT_PATHS = Object.freeze({
  eventType: '$.detail.eventType',
  meetingId: '$.detail.meetingId',
  attendeeId: '$.detail.attendeeId',
  timestamp: '$.detail.timestamp',
  /** `chime:AttendeeCapabilitiesUpdated`: 1 when the update took effect, 0 when it failed. */
  success: '$.detail.success',
} as const);

/** Unchecked: the handlers treat a field not of its type as absent. */
export type MeetingEventInput = {
  readonly [K in keyof typeof MEETING_EVENT_INPUT_PATHS]?: unknown;
};

/** The local stand-in of the rules' input transformer. */
export const meetingEventInputOf = ({ detail = {} }: ChimeMeetingEvent): MeetingEventInput =>
  Object.fromEntries(
    Object.entries(MEETING_EVENT_INPUT_PATHS)
      .map(([field, path]) => [field, detail[path.slice('$.detail.'.length)]])
      .filter(([, value]) => value !== undefined),
  );
