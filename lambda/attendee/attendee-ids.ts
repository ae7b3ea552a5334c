import { ProblemError } from './errors';

/** The GuidString pattern of the Chime SDK Meetings model, whole string. */
export const GUID = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;

/** A GUID from outside data (an event's field), lower-cased; undefined for anything else. */
export const guidOf = (value: unknown): string | undefined =>
  typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : undefined;

export interface AttendeeIds {
  readonly meetingId: string;
  readonly attendeeId: string;
}

/**
 * Validates the route's path parameters and returns them lower-cased (Chime issues lower-case
 * IDs). Throws the `invalid_id` problem otherwise, before anything calls Chime.
 */
export function parseAttendeeIds(
  pathParameters: Readonly<Record<string, string | undefined>> | undefined,
): AttendeeIds {
  const meetingId = pathParameters?.meetingId;
  const attendeeId = pathParameters?.attendeeId;
  if (meetingId === undefined || !GUID.test(meetingId)) {
    throw new ProblemError('invalid_id', 'meetingId is not a GUID');
  }
  if (attendeeId === undefined || !GUID.test(attendeeId)) {
    throw new ProblemError('invalid_id', 'attendeeId is not a GUID');
  }
  return { meetingId: meetingId.toLowerCase(), attendeeId: attendeeId.toLowerCase() };
}
