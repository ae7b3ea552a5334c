/** The Chime operations the attendee source calls. */
export const CHIME_OPERATIONS = ['GetAttendee', 'GetMeeting', 'ListAttendees'] as const;
export type ChimeOperation = (typeof CHIME_OPERATIONS)[number];
