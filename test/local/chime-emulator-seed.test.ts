import {
  type ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  GetMeetingCommand,
  paginateListAttendees,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  chimeClientFor,
  createChimeEmulator,
  InvalidSeedError,
  type SeededMeeting,
} from '../../local/chime-emulator';

const lines: string[] = [];
// Rates off: the assertions read back thousands of attendees; rates are tested on their own.
const emulator = createChimeEmulator({ rates: false, logger: (line) => lines.push(line) });
let chime: ChimeSDKMeetingsClient;
let url: string;

beforeAll(async () => {
  ({ url } = await emulator.start());
  chime = chimeClientFor(url, { maxAttempts: 1 });
});
afterEach(() => {
  emulator.reset();
  lines.length = 0;
});
afterAll(async () => {
  chime.destroy();
  await emulator.stop();
});

const seed = async (body: unknown) => {
  const response = await fetch(`${url}/_emulator/seed`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('POST /_emulator/seed', () => {
  it('creates a 10,000-person event, 40 meetings of 250, in one request', async () => {
    const { status, body } = await seed({ meetings: 40, attendeesPerMeeting: 250 });
    const meetings = body.meetings as SeededMeeting[];

    expect(status).toBe(201);
    expect(meetings).toHaveLength(40);
    const attendees = meetings.flatMap((meeting) => meeting.Attendees);
    expect(attendees).toHaveLength(10_000);
    expect(new Set(attendees.map((a) => a.AttendeeId)).size).toBe(10_000);
    expect(new Set(attendees.map((a) => a.ExternalUserId)).size).toBe(10_000);
    expect(meetings[0]?.Attendees[0]).toEqual({
      AttendeeId: expect.any(String),
      ExternalUserId: 'user-1-1',
    });
    expect(meetings[39]).toMatchObject({
      ExternalMeetingId: 'seed-40',
      MediaRegion: 'us-east-1',
      Attendees: expect.arrayContaining([
        expect.objectContaining({ ExternalUserId: 'user-40-250' }),
      ]),
    });
    expect(emulator.calls()).toEqual([]);
  });

  it('seeds meetings and attendees that the SDK then reads like any other', async () => {
    const { body } = await seed({
      meetings: 2,
      attendeesPerMeeting: 150,
      externalUserIdPrefix: 'member',
      externalMeetingIdPrefix: 'town-hall',
      mediaRegion: 'eu-west-2',
      tenantIds: ['tenant-a'],
    });
    const [first] = body.meetings as SeededMeeting[];
    const MeetingId = first?.MeetingId as string;
    const seededAttendee = first?.Attendees[149];

    const { Meeting } = await chime.send(new GetMeetingCommand({ MeetingId }));
    const { Attendee } = await chime.send(
      new GetAttendeeCommand({ MeetingId, AttendeeId: seededAttendee?.AttendeeId }),
    );
    const listed: string[] = [];
    for await (const page of paginateListAttendees({ client: chime }, { MeetingId })) {
      listed.push(...(page.Attendees ?? []).map((a) => a.AttendeeId as string));
    }

    expect(Meeting).toMatchObject({
      ExternalMeetingId: 'town-hall-1',
      MediaRegion: 'eu-west-2',
      TenantIds: ['tenant-a'],
    });
    expect(Attendee).toMatchObject({
      AttendeeId: seededAttendee?.AttendeeId,
      ExternalUserId: 'member-1-150',
      JoinToken: expect.stringMatching(/^[a-zA-Z0-9+/]+$/),
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    });
    expect(listed).toEqual(first?.Attendees.map((a) => a.AttendeeId));
  });

  it('returns JoinTokens only when asked, matching what GetAttendee returns', async () => {
    const plain = await seed({ meetings: 1, attendeesPerMeeting: 1 });
    const withTokens = await seed({ meetings: 1, attendeesPerMeeting: 1, includeJoinTokens: true });
    const [meeting] = withTokens.body.meetings as SeededMeeting[];
    const seeded = meeting?.Attendees[0];

    const { Attendee } = await chime.send(
      new GetAttendeeCommand({ MeetingId: meeting?.MeetingId, AttendeeId: seeded?.AttendeeId }),
    );

    expect(JSON.stringify(plain.body)).not.toContain('JoinToken');
    expect(seeded?.JoinToken).toBe(Attendee?.JoinToken);
  });

  it('never logs ExternalUserIds or JoinTokens', async () => {
    const { body } = await seed({
      meetings: 1,
      attendeesPerMeeting: 3,
      externalUserIdPrefix: 'secret-person',
      includeJoinTokens: true,
    });
    const [meeting] = body.meetings as SeededMeeting[];

    expect(lines).toEqual([
      expect.stringMatching(/^chime-emulator admin POST \/_emulator\/seed 201 /),
    ]);
    expect(lines.join('\n')).not.toContain('secret-person');
    expect(lines.join('\n')).not.toContain(meeting?.Attendees[0]?.JoinToken);
  });

  it('fills a meeting to its 250-attendee limit and no further', async () => {
    const full = await seed({ meetings: 1, attendeesPerMeeting: 250 });
    const over = await seed({ meetings: 1, attendeesPerMeeting: 251 });

    expect(full.status).toBe(201);
    expect(over).toEqual({
      status: 400,
      body: { message: 'attendeesPerMeeting must be an integer from 0 to 250' },
    });
  });

  it("respects a meeting's own MaxCount", async () => {
    const fits = await seed({
      meetings: 1,
      attendeesPerMeeting: 10,
      meetingFeatures: { Attendee: { MaxCount: 10 } },
    });
    const over = await seed({
      meetings: 1,
      attendeesPerMeeting: 11,
      meetingFeatures: { Attendee: { MaxCount: 10 } },
    });

    expect(fits.status).toBe(201);
    expect(over).toEqual({
      status: 400,
      body: { message: "attendeesPerMeeting 11 exceeds the meeting's limit of 10 attendees" },
    });
  });

  it.each([
    ['not JSON', '{'],
    ['a list', [1]],
    ['no meetings', { attendeesPerMeeting: 1 }],
    ['zero meetings', { meetings: 0, attendeesPerMeeting: 1 }],
    ['too many meetings', { meetings: 1001, attendeesPerMeeting: 1 }],
    ['a fractional count', { meetings: 1.5, attendeesPerMeeting: 1 }],
    [
      'a reserved aws: prefix',
      { meetings: 1, attendeesPerMeeting: 1, externalUserIdPrefix: 'aws:x' },
    ],
    [
      'a prefix too long',
      { meetings: 1, attendeesPerMeeting: 1, externalUserIdPrefix: 'x'.repeat(61) },
    ],
    ['a bad character', { meetings: 1, attendeesPerMeeting: 1, externalUserIdPrefix: 'a*b' }],
    ['an unknown media Region', { meetings: 1, attendeesPerMeeting: 1, mediaRegion: 'mars-1' }],
    [
      'six tenant ids',
      { meetings: 1, attendeesPerMeeting: 1, tenantIds: ['aa', 'bb', 'cc', 'dd', 'ee', 'ff'] },
    ],
    ['an unknown option', { meetings: 1, attendeesPerMeeting: 1, attendees: 3 }],
    [
      'a non-boolean includeJoinTokens',
      { meetings: 1, attendeesPerMeeting: 1, includeJoinTokens: 1 },
    ],
  ])('refuses %s with a 400 naming the problem', async (_, body) => {
    const response = await seed(body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message: expect.any(String) });
  });

  it('is available in code as emulator.seed(), with the same validation', () => {
    const [meeting] = emulator.seed({ meetings: 1, attendeesPerMeeting: 2 });

    expect(meeting?.Attendees.map((a) => a.ExternalUserId)).toEqual(['user-1-1', 'user-1-2']);
    expect(() => emulator.seed({ meetings: 1, attendeesPerMeeting: 300 })).toThrow(
      InvalidSeedError,
    );
  });
});
