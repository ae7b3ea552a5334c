import {
  CreateAttendeeCommand,
  CreateMeetingCommand,
  DeleteAttendeeCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  paginateListAttendees,
} from '@aws-sdk/client-chime-sdk-meetings';
import { createChimeEmulator, type SeededMeeting } from '../../../local/chime-emulator';
import { InvalidSeedError } from '../../../local/chime-emulator/seed';
import { ownEmulator, UNKNOWN_ID, UUID, useEmulator } from '../../helpers/chime-emulator';

const t = useEmulator({ rates: false });

/** A meeting and attendee created through the API, as a backend would. */
const createAttendee = async (ExternalUserId = 'alice') => {
  const { Meeting } = await t.chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' }),
  );
  const MeetingId = Meeting?.MeetingId as string;
  const { Attendee } = await t.chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId }));
  return {
    MeetingId,
    AttendeeId: Attendee?.AttendeeId as string,
    JoinToken: Attendee?.JoinToken as string,
  };
};

const seed = async (body: unknown) => {
  const response = await t.admin('/seed', 'POST', body);
  return {
    status: response.status,
    body: (await response.json()) as { meetings: SeededMeeting[] },
  };
};

describe('the call log and the log lines', () => {
  it('record each service call with its ids and request id, never a JoinToken or user id', async () => {
    const { MeetingId, AttendeeId, JoinToken } = await createAttendee('secret-user-42');
    const got = await t.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
    await t.chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId }));
    await t.chime
      .send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'aws:secret-user-43' }))
      .catch(() => undefined);
    await t.admin('/health');

    const listed = await (await t.admin('/calls')).json();

    expect(listed.calls).toEqual(t.emulator.calls());
    const call = (operation: string, status: number, ids = {}) => ({
      operation,
      status,
      ...ids,
      requestId: expect.stringMatching(UUID),
    });
    const both = { meetingId: MeetingId, attendeeId: AttendeeId };
    expect(listed.calls).toEqual([
      call('CreateMeeting', 200),
      call('CreateAttendee', 200, { meetingId: MeetingId }),
      { ...call('GetAttendee', 200, both), requestId: got.$metadata.requestId },
      call('DeleteAttendee', 204, both),
      call('CreateAttendee', 400, { meetingId: MeetingId }),
    ]);
    expect(t.lines.slice(0, 2)).toEqual([
      expect.stringMatching(/^chime-emulator CreateMeeting 200 \d+ms requestId=[0-9a-f-]{36}$/),
      expect.stringMatching(/^chime-emulator CreateAttendee 200 \d+ms requestId=[0-9a-f-]{36}$/),
    ]);
    expect(t.lines).toContainEqual(
      expect.stringMatching(/^chime-emulator admin GET \/_emulator\/health 200 \d+ms$/),
    );
    for (const text of [JSON.stringify(listed), t.lines.join('\n')]) {
      expect(text).not.toContain(JoinToken);
      expect(text).not.toContain('secret-user-4');
    }
  });

  it('hand out copies, and are cleared over the admin API', async () => {
    await createAttendee();
    const calls = t.emulator.calls();
    calls[0] = { ...calls[0], operation: 'DeleteMeeting', status: 500, requestId: 'x' };

    expect(t.emulator.calls()[0]?.operation).toBe('CreateMeeting');
    expect((await t.admin('/calls', 'DELETE')).status).toBe(204);
    expect(t.emulator.calls()).toEqual([]);
  });

  it('name an injected fault in the log line', async () => {
    t.emulator.injectFault({
      operation: 'GetMeeting',
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    await t.chime.send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID })).catch(() => undefined);

    expect(t.lines).toEqual([
      expect.stringMatching(/^chime-emulator GetMeeting 429 \d+ms fault=error /),
    ]);
  });
});

describe('the admin API', () => {
  it('wipes meetings, faults and calls on reset, and answers a health check', async () => {
    const { MeetingId } = await createAttendee();
    t.emulator.injectFault({
      operation: 'CreateMeeting',
      count: 'unlimited',
      fault: { type: 'reset' },
    });

    const reset = await t.admin('/reset', 'POST');
    const health = await t.admin('/health');

    expect(reset.status).toBe(204);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(t.emulator.faults()).toEqual([]);
    expect(t.emulator.calls()).toEqual([]);
    await expect(t.chime.send(new GetMeetingCommand({ MeetingId }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('answers 404 to an unknown admin endpoint and records no call', async () => {
    const response = await t.admin('/nothing');

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(t.emulator.calls()).toEqual([]);
  });
});

describe('routing and headers', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/meetings'],
    ['PUT', `/meetings/${UNKNOWN_ID}`],
    ['POST', `/meetings/${UNKNOWN_ID}/attendees?operation=explode`],
    ['PUT', `/meetings/${UNKNOWN_ID}/attendees/capabilities`],
    ['GET', `/meetings/%zz/attendees`],
    ['POST', '/tags?operation=tag-resource'],
  ])(
    'answers %s %s with a 404 UnknownOperationException, in the call log',
    async (method, path) => {
      const response = await fetch(`${t.url}${path}`, { method });

      expect(response.status).toBe(404);
      expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect(await response.json()).toEqual({
        Code: 'UnknownOperation',
        Message: expect.stringContaining(method),
        RequestId: response.headers.get('x-amzn-requestid'),
      });
      expect(t.emulator.calls()).toEqual([
        { operation: 'UnknownOperation', status: 404, requestId: expect.stringMatching(UUID) },
      ]);
    },
  );

  it.each([
    [
      'a success',
      'POST',
      '/meetings',
      '{"ClientRequestToken":"tok-1","MediaRegion":"us-east-1","ExternalMeetingId":"room"}',
      200,
    ],
    ['an error', 'GET', `/meetings/${UNKNOWN_ID}`, undefined, 404],
    ['a 204', 'DELETE', `/meetings/{id}`, undefined, 204],
    ['a body too large', 'POST', '/meetings', 'x'.repeat(1024 * 1024 + 1), 400],
    ['an admin call', 'GET', '/_emulator/health', undefined, 200],
  ])('puts a UUID x-amzn-RequestId on %s', async (_case, method, path, body, status) => {
    const [meeting] = t.emulator.seed({ meetings: 1, attendeesPerMeeting: 0 });

    const response = await fetch(`${t.url}${path.replace('{id}', meeting?.MeetingId ?? '')}`, {
      method,
      body,
    });

    expect(response.status).toBe(status);
    expect(response.headers.get('x-amzn-requestid')).toMatch(UUID);
    if (status === 204) expect(await response.text()).toBe('');
  });
});

describe('the emulator lifecycle', () => {
  it('binds 127.0.0.1 on a free port, refuses to start twice, and stops quietly when never started', async () => {
    const own = createChimeEmulator();

    const address = await own.start();
    await expect(own.start()).rejects.toThrow('already started');
    await own.stop();

    expect(address.url).toBe(`http://127.0.0.1:${address.port}`);
    expect(address.port).toBeGreaterThan(0);
    await expect(createChimeEmulator().stop()).resolves.toBeUndefined();
  });

  it.each([
    [{ accountId: '42' }, 'accountId'],
    [{ region: 'nowhere' }, 'region'],
    [{ eventTarget: 'https://events.example.com/' }, 'eventTarget'],
  ])('refuses options %j', (options, name) => {
    expect(() => createChimeEmulator(options)).toThrow(name);
  });

  it('names its meetings after the configured account and control Region', async () => {
    const own = await ownEmulator({ region: 'eu-west-2', accountId: '444455556666' });

    const { Meeting } = await own.chime.send(
      new CreateMeetingCommand({ MediaRegion: 'us-gov-west-1', ExternalMeetingId: 'room-1' }),
    );

    expect(Meeting?.MeetingArn).toBe(
      `arn:aws-us-gov:chime:us-gov-west-1:444455556666:meeting/${Meeting?.MeetingId}`,
    );
    expect(Meeting?.MediaPlacement?.EventIngestionUrl).toBe(
      'https://data.svc.ew2.ingest.chime.aws/v1/client-events',
    );
  });
});

describe('seeding', () => {
  it('creates a 10,000-person event, 40 meetings of 250, in one request and no call', async () => {
    const { status, body } = await seed({ meetings: 40, attendeesPerMeeting: 250 });
    const attendees = body.meetings.flatMap((meeting) => meeting.Attendees);

    expect(status).toBe(201);
    expect(body.meetings).toHaveLength(40);
    expect(new Set(attendees.map((a) => a.AttendeeId)).size).toBe(10_000);
    expect(new Set(attendees.map((a) => a.ExternalUserId)).size).toBe(10_000);
    expect(body.meetings[0]?.Attendees[0]).toEqual({
      AttendeeId: expect.stringMatching(UUID),
      ExternalUserId: 'user-1-1',
    });
    expect(body.meetings[39]).toMatchObject({
      ExternalMeetingId: 'seed-40',
      MediaRegion: 'us-east-1',
    });
    expect(body.meetings[39]?.Attendees[249]?.ExternalUserId).toBe('user-40-250');
    expect(t.emulator.calls()).toEqual([]);
  });

  it('seeds what the SDK then reads like any other, JoinTokens only when asked, never logged', async () => {
    const plain = await seed({ meetings: 1, attendeesPerMeeting: 1 });
    const { body } = await seed({
      meetings: 2,
      attendeesPerMeeting: 150,
      externalUserIdPrefix: 'member',
      externalMeetingIdPrefix: 'town-hall',
      mediaRegion: 'eu-west-2',
      tenantIds: ['tenant-a'],
      includeJoinTokens: true,
    });
    const [first] = body.meetings;
    const MeetingId = first?.MeetingId as string;
    const seeded = first?.Attendees[149];

    const { Meeting } = await t.chime.send(new GetMeetingCommand({ MeetingId }));
    const { Attendee } = await t.chime.send(
      new GetAttendeeCommand({ MeetingId, AttendeeId: seeded?.AttendeeId }),
    );
    const listed: string[] = [];
    for await (const page of paginateListAttendees({ client: t.chime }, { MeetingId })) {
      listed.push(...(page.Attendees ?? []).map((a) => a.AttendeeId as string));
    }

    expect(Meeting).toMatchObject({
      ExternalMeetingId: 'town-hall-1',
      MediaRegion: 'eu-west-2',
      TenantIds: ['tenant-a'],
    });
    expect(Attendee).toEqual({
      ...seeded,
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    });
    expect(seeded?.ExternalUserId).toBe('member-1-150');
    expect(listed).toEqual(first?.Attendees.map((a) => a.AttendeeId));
    expect(JSON.stringify(plain.body)).not.toContain('JoinToken');
    expect(t.lines.filter((line) => line.includes('/_emulator/seed'))).toEqual(
      Array(2).fill(expect.stringMatching(/^chime-emulator admin POST \/_emulator\/seed 201 /)),
    );
    expect(t.lines.join('\n')).not.toContain('member');
    expect(t.lines.join('\n')).not.toContain(seeded?.JoinToken);
  });

  it.each([
    [{ meetings: 1, attendeesPerMeeting: 250 }, 201, undefined],
    [
      { meetings: 1, attendeesPerMeeting: 251 },
      400,
      'attendeesPerMeeting must be an integer from 0 to 250',
    ],
    [
      { meetings: 1, attendeesPerMeeting: 10, meetingFeatures: { Attendee: { MaxCount: 10 } } },
      201,
      undefined,
    ],
    [
      { meetings: 1, attendeesPerMeeting: 11, meetingFeatures: { Attendee: { MaxCount: 10 } } },
      400,
      "attendeesPerMeeting 11 exceeds the meeting's limit of 10 attendees",
    ],
  ])('fills a meeting up to its limit and no further: %j', async (request, status, message) => {
    const response = await seed(request);

    expect(response.status).toBe(status);
    if (message) expect(response.body).toEqual({ message });
  });

  const one = { meetings: 1, attendeesPerMeeting: 1 };
  it.each([
    ['not JSON', '{'],
    ['a list', [1]],
    ['no meetings', { attendeesPerMeeting: 1 }],
    ['zero meetings', { ...one, meetings: 0 }],
    ['too many meetings', { ...one, meetings: 1001 }],
    ['a fractional count', { ...one, meetings: 1.5 }],
    ['a reserved aws: prefix', { ...one, externalUserIdPrefix: 'aws:x' }],
    ['a prefix too long', { ...one, externalUserIdPrefix: 'x'.repeat(61) }],
    ['a bad character', { ...one, externalUserIdPrefix: 'a*b' }],
    ['an unknown media Region', { ...one, mediaRegion: 'mars-1' }],
    ['six tenant ids', { ...one, tenantIds: ['aa', 'bb', 'cc', 'dd', 'ee', 'ff'] }],
    ['an unknown option', { ...one, attendees: 3 }],
    ['a non-boolean includeJoinTokens', { ...one, includeJoinTokens: 1 }],
  ])('refuses %s with a 400 naming the problem, in code too, seeding nothing', async (_, body) => {
    const response = await seed(body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message: expect.any(String) });
    if (typeof body === 'object')
      expect(() => t.emulator.seed(body as never)).toThrow(InvalidSeedError);
    expect(t.emulator.eventStats().published).toBe(0);
  });
});
