import { UpstreamResponseError } from '../../../../lambda/attendee/errors/errors';
import { attendeeView, rosterView } from '../../../../lambda/attendee/routes/attendee-view';

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

describe('rosterView', () => {
  const capabilities = { Audio: 'SendReceive', Video: 'Receive', Content: 'None' } as const;
  const entry = (id: string, externalUserId: string, extra: Record<string, unknown> = {}) => ({
    AttendeeId: id,
    ExternalUserId: externalUserId,
    JoinToken: 'U2VjcmV0VG9rZW4=',
    Capabilities: capabilities,
    ...extra,
  });

  it('gives each attendee its public fields and name, never its JoinToken, and marks AWS services', () => {
    const view = rosterView([
      entry('a', 'ada', { Name: 'Ada Lovelace' }),
      entry('p', 'aws:MediaPipeline-123'),
      entry('b', 'awsome-bob'),
    ]);
    expect(view).toEqual({
      Attendees: [
        {
          AttendeeId: 'a',
          ExternalUserId: 'ada',
          Capabilities: capabilities,
          Name: 'Ada Lovelace',
        },
        {
          AttendeeId: 'p',
          ExternalUserId: 'aws:MediaPipeline-123',
          Capabilities: capabilities,
          Service: true,
        },
        { AttendeeId: 'b', ExternalUserId: 'awsome-bob', Capabilities: capabilities },
      ],
    });
  });

  it('leaves out an entry without an id or ExternalUserId, and refuses unknown capabilities', () => {
    expect(rosterView([{ ExternalUserId: 'x', Capabilities: capabilities }]).Attendees).toEqual([]);
    expect(() =>
      rosterView([entry('a', 'ada', { Capabilities: { ...capabilities, Audio: 'Loud' } })]),
    ).toThrow(/Capabilities.Audio/);
  });
});
