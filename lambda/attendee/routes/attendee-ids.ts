import { guidOf } from '../../common/ids';
import { ProblemError } from '../errors/errors';

type Parameters = Readonly<Record<string, string | undefined>> | undefined;

/** A GUID parameter lower-cased (as Chime issues them), or `invalid_id` before any Chime call. */
function guidParameter(parameters: Parameters, name: string): string {
  const guid = guidOf(parameters?.[name]);
  if (guid === undefined) throw new ProblemError('invalid_id', `${name} is not a GUID`);
  return guid;
}

export const parseMeetingId = (pathParameters: Parameters): string =>
  guidParameter(pathParameters, 'meetingId');

export const parseAttendeeIds = (pathParameters: Parameters) => ({
  meetingId: parseMeetingId(pathParameters),
  attendeeId: guidParameter(pathParameters, 'attendeeId'),
});

/** The caller's own attendee (`?as=`), if named: the attendee that makes it a participant. */
export const parseCallerAttendeeId = (query: Parameters): string | undefined =>
  query?.as === undefined ? undefined : guidParameter(query, 'as');
