import { ProblemError } from '../../../../lambda/attendee/errors/errors';
import { parseAttendeeIds } from '../../../../lambda/attendee/routes/attendee-ids';

const M = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const A = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

describe('parseAttendeeIds', () => {
  it('accepts GUIDs and lower-cases them', () => {
    expect(parseAttendeeIds({ meetingId: M.toUpperCase(), attendeeId: A })).toEqual({
      meetingId: M,
      attendeeId: A,
    });
  });

  it.each([
    ['empty', ''],
    ['too short', M.slice(1)],
    ['too long', `${M}0`],
    ['wrong charset', M.replace('2', 'g')],
    ['braces', `{${M}}`],
    ['no dashes', M.replaceAll('-', '')],
    ['trailing newline', `${M}\n`],
    ['leading space', ` ${M}`],
    ['URL-encoded', encodeURIComponent(`${M}/x`)],
    ['dot-dot', '..'],
    ['unicode digits', M.replace('2', '２')],
    ['NUL', `${M}\u0000`],
    ['8 KB', 'a'.repeat(8192)],
  ])('rejects a %s meetingId with invalid_id', (_name, meetingId) => {
    const attempt = () => parseAttendeeIds({ meetingId, attendeeId: A });
    expect(attempt).toThrow(ProblemError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_id' }));
  });

  it('rejects a bad attendeeId and missing parameters', () => {
    expect(() => parseAttendeeIds({ meetingId: M, attendeeId: 'abc' })).toThrow(ProblemError);
    expect(() => parseAttendeeIds({ meetingId: M })).toThrow(ProblemError);
    expect(() => parseAttendeeIds(undefined)).toThrow(ProblemError);
  });
});
