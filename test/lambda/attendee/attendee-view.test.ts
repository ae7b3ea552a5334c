import { attendeeView } from '../../../lambda/attendee/attendee-view';
import { UpstreamResponseError } from '../../../lambda/attendee/errors';

const attendee = (JoinToken: unknown) => ({
  AttendeeId: 'a1b2c3d4-0000-4000-8000-000000000001',
  ExternalUserId: 'alice',
  JoinToken: JoinToken as string,
  Capabilities: { Audio: 'SendReceive', Video: 'Send', Content: 'None' } as const,
});
const owner = { role: 'owner', includeJoinToken: true } as const;

describe('attendeeView and the JoinToken', () => {
  it.each([
    ['the shortest token the model allows', 'ab'],
    ['the longest token the model allows', 'A'.repeat(2048)],
    ['a token with + and /', 'Ugird4Clq+Bg0gg/Uf0H4CiSWI2MNL'],
  ])('passes %s through to the owner', (_, token) => {
    expect(attendeeView(attendee(token), owner).Attendee.JoinToken).toBe(token);
  });

  it.each([
    ['one character', 'a'],
    ['2049 characters', 'A'.repeat(2049)],
    ['a character outside the model', 'abc=def'],
    ['a line break', 'abc\ndef'],
    ['an empty string', ''],
    ['no token at all', undefined],
  ])('refuses a JoinToken of %s as a malformed answer', (_, token) => {
    expect(() => attendeeView(attendee(token), owner)).toThrow(UpstreamResponseError);
  });

  it('does not look at the JoinToken when the decision leaves it out', () => {
    const view = attendeeView(attendee('a'), { role: 'moderator', includeJoinToken: false });
    expect(view.Attendee).not.toHaveProperty('JoinToken');
  });
});
