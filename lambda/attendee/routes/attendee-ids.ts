import { GUID } from '../../common/ids';
import { ProblemError } from '../errors/errors';

export interface AttendeeIds {
  readonly meetingId: string;
  readonly attendeeId: string;
}

type Parameters = Readonly<Record<string, string | undefined>> | undefined;

/** A GUID parameter lower-cased (Chime issues lower-case IDs), or the `invalid_id` problem. */
function guidParameter(parameters: Parameters, name: string): string {
  const value = parameters?.[name];
  if (value === undefined || !GUID.test(value)) {
    throw new ProblemError('invalid_id', `${name} is not a GUID`);
  }
  return value.toLowerCase();
}

/** The roster route's meeting id, validated before anything calls Chime. */
export const parseMeetingId = (pathParameters: Parameters): string =>
  guidParameter(pathParameters, 'meetingId');

/**
 * Validates the route's path parameters and returns them lower-cased. Throws the `invalid_id`
 * problem otherwise, before anything calls Chime.
 */
export function parseAttendeeIds(pathParameters: Parameters): AttendeeIds {
  return {
    meetingId: guidParameter(pathParameters, 'meetingId'),
    attendeeId: guidParameter(pathParameters, 'attendeeId'),
  };
}

/** The caller's own attendee (`?as=`), if named: the attendee that makes it a participant. */
export function parseCallerAttendeeId(query: Parameters): string | undefined {
  return query?.as === undefined ? undefined : guidParameter(query, 'as');
}
