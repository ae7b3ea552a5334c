import {
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  DeleteAttendeeCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { chimeClientFor, createChimeEmulator } from '../../local/chime-emulator';
import { DEFAULT_PORT, parseEmulatorConfig } from '../../local/chime-emulator/config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = '0a1b2c3d-0000-4000-8000-000000000000';

const lines: string[] = [];
const emulator = createChimeEmulator({ logger: (line) => lines.push(line) });
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

const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${url}/_emulator${path}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });

const seedAttendee = async (ExternalUserId = 'alice') => {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' }),
  );
  const MeetingId = Meeting?.MeetingId as string;
  const { Attendee } = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId }));
  return {
    MeetingId,
    AttendeeId: Attendee?.AttendeeId as string,
    JoinToken: Attendee?.JoinToken as string,
  };
};

describe('the admin API', () => {
  it('queues a fault posted as JSON, which the SDK then meets', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();

    const response = await admin('/faults', {
      method: 'POST',
      body: {
        operation: 'GetAttendee',
        count: 3,
        fault: { type: 'error', name: 'ThrottlingException' },
      },
    });

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      faults: [
        {
          id: expect.stringMatching(UUID),
          operation: 'GetAttendee',
          count: 3,
          remaining: 3,
          fault: { type: 'error', name: 'ThrottlingException' },
        },
      ],
    });
    await expect(
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(emulator.faults()).toEqual([expect.objectContaining({ remaining: 2 })]);
  });

  it('queues a list of faults in order', async () => {
    const response = await admin('/faults', {
      method: 'POST',
      body: [
        {
          operation: 'GetMeeting',
          fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 7 },
        },
        { operation: '*', fault: { type: 'hang', ms: 10 } },
      ],
    });

    expect(response.status).toBe(201);
    expect(emulator.faults().map(({ fault }) => fault.type)).toEqual(['error', 'hang']);
    await expect(
      chime.send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID })),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      RetryAfterSeconds: '7',
    });
  });

  it.each([
    ['not JSON', 'nope'],
    ['an invalid rule', { operation: 'GetAttendee', fault: { type: 'error', name: 'Nope' } }],
    ['a list with one invalid rule', [{ operation: '*', fault: { type: 'reset' } }, { fault: {} }]],
  ])('refuses %s with 400 and queues nothing', async (_case, body) => {
    const response = await admin('/faults', { method: 'POST', body });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(emulator.faults()).toEqual([]);
  });

  it('lists, removes one and clears faults', async () => {
    const first = emulator.injectFault({ operation: '*', fault: { type: 'reset' } });
    emulator.injectFault({ operation: 'GetMeeting', fault: { type: 'reset' } });

    const listed = await (await admin('/faults')).json();
    const removed = await admin(`/faults/${first.id}`, { method: 'DELETE' });
    const missing = await admin(`/faults/${first.id}`, { method: 'DELETE' });
    const remaining = emulator.faults();
    const cleared = await admin('/faults', { method: 'DELETE' });

    expect(listed.faults).toHaveLength(2);
    expect(removed.status).toBe(204);
    expect(missing.status).toBe(404);
    expect(remaining).toEqual([expect.objectContaining({ operation: 'GetMeeting' })]);
    expect(cleared.status).toBe(204);
    expect(emulator.faults()).toEqual([]);
  });

  it('serves the call log and clears it', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    const listed = await (await admin('/calls')).json();
    const cleared = await admin('/calls', { method: 'DELETE' });

    expect(listed).toEqual({
      calls: [
        { operation: 'CreateMeeting', status: 200, requestId: expect.stringMatching(UUID) },
        {
          operation: 'CreateAttendee',
          status: 200,
          meetingId: MeetingId,
          requestId: expect.any(String),
        },
        {
          operation: 'GetAttendee',
          status: 200,
          meetingId: MeetingId,
          attendeeId: AttendeeId,
          requestId: expect.any(String),
        },
      ],
    });
    expect(cleared.status).toBe(204);
    expect(emulator.calls()).toEqual([]);
  });

  it('wipes meetings, faults and calls on reset', async () => {
    const { MeetingId } = await seedAttendee();
    emulator.injectFault({
      operation: 'CreateMeeting',
      count: 'unlimited',
      fault: { type: 'reset' },
    });

    const response = await admin('/reset', { method: 'POST' });

    expect(response.status).toBe(204);
    expect(emulator.faults()).toEqual([]);
    expect(emulator.calls()).toEqual([]);
    await expect(chime.send(new GetMeetingCommand({ MeetingId }))).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });

  it('answers a health check', async () => {
    const response = await admin('/health');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 404 to an unknown admin endpoint and records no call', async () => {
    const response = await admin('/nothing');

    expect(response.status).toBe(404);
    expect(emulator.calls()).toEqual([]);
  });
});

describe('the call log', () => {
  it('is empty when Chime was not called', async () => {
    await admin('/health');

    expect(emulator.calls()).toEqual([]);
  });

  it('never holds JoinTokens or ExternalUserIds', async () => {
    const { MeetingId, AttendeeId, JoinToken } = await seedAttendee('secret-user-42');
    await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId }));

    const log = JSON.stringify(emulator.calls()) + (await (await admin('/calls')).text());

    expect(log).not.toContain(JoinToken);
    expect(log).not.toContain('secret-user-42');
    expect(emulator.calls().map(({ operation, status }) => `${operation} ${status}`)).toEqual([
      'CreateMeeting 200',
      'CreateAttendee 200',
      'GetAttendee 200',
      'DeleteAttendee 204',
    ]);
  });

  it('records the request id each response carried', async () => {
    const output = await chime.send(
      new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' }),
    );

    expect(emulator.calls()[0]?.requestId).toBe(output.$metadata.requestId);
  });

  it('returns copies that callers cannot change', async () => {
    await seedAttendee();
    const calls = emulator.calls();

    calls[0] = { ...calls[0], operation: 'DeleteMeeting', status: 500, requestId: 'x' };

    expect(emulator.calls()[0]?.operation).toBe('CreateMeeting');
  });
});

describe('logging', () => {
  it('writes one line per request with operation, status and latency', async () => {
    await seedAttendee('secret-user-42');

    expect(lines).toEqual([
      expect.stringMatching(/^chime-emulator CreateMeeting 200 \d+ms requestId=[0-9a-f-]{36}$/),
      expect.stringMatching(/^chime-emulator CreateAttendee 200 \d+ms requestId=[0-9a-f-]{36}$/),
    ]);
  });

  it('never logs JoinTokens or ExternalUserIds', async () => {
    const { MeetingId, AttendeeId, JoinToken } = await seedAttendee('secret-user-42');
    await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
    await chime
      .send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'aws:secret-user-43' }))
      .catch(() => undefined);

    const logged = lines.join('\n');

    expect(logged).not.toContain(JoinToken);
    expect(logged).not.toContain('secret-user-4');
  });

  it('names the injected fault in the line', async () => {
    emulator.injectFault({
      operation: 'GetMeeting',
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    await chime.send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID })).catch(() => undefined);

    expect(lines).toEqual([
      expect.stringMatching(/^chime-emulator GetMeeting 429 \d+ms fault=error /),
    ]);
  });
});

describe('routing and headers', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/meetings'],
    ['PUT', `/meetings/${UNKNOWN_ID}`],
    ['POST', `/meetings/${UNKNOWN_ID}/attendees?operation=explode`],
    ['PUT', `/meetings/${UNKNOWN_ID}/attendees/capabilities`],
    ['POST', '/tags?operation=tag-resource'],
  ])('answers %s %s with a 404 UnknownOperationException', async (method, path) => {
    const response = await fetch(`${url}${path}`, { method });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await response.json()).toEqual({
      Code: 'UnknownOperation',
      Message: expect.stringContaining(method),
      RequestId: response.headers.get('x-amzn-requestid'),
    });
    expect(emulator.calls()).toEqual([
      { operation: 'UnknownOperation', status: 404, requestId: expect.stringMatching(UUID) },
    ]);
  });

  it.each([
    [
      'a success',
      'POST',
      '/meetings',
      JSON.stringify({
        ClientRequestToken: 'tok-1',
        MediaRegion: 'us-east-1',
        ExternalMeetingId: 'room-1',
      }),
      200,
    ],
    ['an error', 'GET', `/meetings/${UNKNOWN_ID}`, undefined, 404],
    ['an unknown route', 'GET', '/nowhere', undefined, 404],
    ['an admin call', 'GET', '/_emulator/health', undefined, 200],
  ])('puts a UUID x-amzn-RequestId on %s', async (_case, method, path, body, status) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { body }),
    });

    expect(response.status).toBe(status);
    expect(response.headers.get('x-amzn-requestid')).toMatch(UUID);
  });

  it('answers 204 with an empty body and a request id', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();

    const response = await fetch(`${url}/meetings/${MeetingId}/attendees/${AttendeeId}`, {
      method: 'DELETE',
    });

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('x-amzn-requestid')).toMatch(UUID);
  });
});

describe('the emulator lifecycle', () => {
  it('binds 127.0.0.1 on a free port', async () => {
    const own = createChimeEmulator();

    const address = await own.start();
    await own.stop();

    expect(address.url).toBe(`http://127.0.0.1:${address.port}`);
    expect(address.port).toBeGreaterThan(0);
  });

  it('refuses to start twice', async () => {
    const own = createChimeEmulator();
    await own.start();

    await expect(own.start()).rejects.toThrow('already started');
    await own.stop();
  });

  it('stops quietly when it was never started', async () => {
    await expect(createChimeEmulator().stop()).resolves.toBeUndefined();
  });

  it.each([
    [{ accountId: '42' }, 'accountId'],
    [{ region: 'nowhere' }, 'region'],
  ])('refuses options %j', (options, name) => {
    expect(() => createChimeEmulator(options)).toThrow(name);
  });

  it('names its meetings after the configured account and control Region', async () => {
    const own = createChimeEmulator({ region: 'eu-west-2', accountId: '444455556666' });
    const address = await own.start();
    const client = chimeClientFor(address.url, { maxAttempts: 1 });

    const { Meeting } = await client.send(
      new CreateMeetingCommand({ MediaRegion: 'eu-west-2', ExternalMeetingId: 'room-1' }),
    );
    client.destroy();
    await own.stop();

    expect(Meeting?.MeetingArn).toBe(
      `arn:aws:chime:eu-west-2:444455556666:meeting/${Meeting?.MeetingId}`,
    );
    expect(Meeting?.MediaPlacement?.EventIngestionUrl).toBe(
      'https://data.svc.ew2.ingest.chime.aws/v1/client-events',
    );
  });
});

describe('parseEmulatorConfig', () => {
  it('defaults to port 3001, us-east-1 and a placeholder account', () => {
    expect(parseEmulatorConfig({})).toEqual({
      port: DEFAULT_PORT,
      region: 'us-east-1',
      accountId: '123456789012',
      rates: {},
    });
    expect(DEFAULT_PORT).toBe(3001);
  });

  it('reads CHIME_EMULATOR_PORT, CHIME_EMULATOR_REGION and CHIME_EMULATOR_ACCOUNT_ID', () => {
    expect(
      parseEmulatorConfig({
        CHIME_EMULATOR_PORT: '4010',
        CHIME_EMULATOR_REGION: 'eu-west-1',
        CHIME_EMULATOR_ACCOUNT_ID: '210987654321',
      }),
    ).toEqual({ port: 4010, region: 'eu-west-1', accountId: '210987654321', rates: {} });
  });

  it.each([
    [{ CHIME_EMULATOR_PORT: 'http' }, 'CHIME_EMULATOR_PORT'],
    [{ CHIME_EMULATOR_PORT: '70000' }, 'CHIME_EMULATOR_PORT'],
    [{ CHIME_EMULATOR_ACCOUNT_ID: 'abc' }, 'CHIME_EMULATOR_ACCOUNT_ID'],
  ])('fails fast on %j, naming the variable', (env, name) => {
    expect(() => parseEmulatorConfig(env)).toThrow(name);
  });
});
