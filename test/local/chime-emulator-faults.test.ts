import { request } from 'node:http';
import {
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  type ChimeEmulator,
  chimeClientFor,
  createChimeEmulator,
  type FaultRule,
  InvalidFaultError,
} from '../../local/chime-emulator';

const emulator = createChimeEmulator();
let chime: ChimeSDKMeetingsClient;
let url: string;
const extraClients: ChimeSDKMeetingsClient[] = [];

beforeAll(async () => {
  ({ url } = await emulator.start());
  chime = chimeClientFor(url, { maxAttempts: 1 });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  for (const client of [chime, ...extraClients]) client.destroy();
  await emulator.stop();
});

const clientWith = (overrides: Parameters<typeof chimeClientFor>[1]) => {
  const client = chimeClientFor(url, overrides);
  extraClients.push(client);
  return client;
};

const seedAttendee = async () => {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' }),
  );
  const MeetingId = Meeting?.MeetingId as string;
  const { Attendee } = await chime.send(
    new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'alice' }),
  );
  emulator.resetCalls();
  return { MeetingId, AttendeeId: Attendee?.AttendeeId as string, attendee: Attendee };
};

const rejectionOf = async (promise: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('Expected the call to fail');
};

/** Resolves once the emulator has received `count` calls (they may still be unanswered). */
const receivedCalls = async (target: ChimeEmulator, count: number) => {
  // Yields to the event loop between looks (no timer); the test timeout bounds it.
  while (target.calls().length < count) await new Promise((resolve) => setImmediate(resolve));
};

/** A raw GET that reports the socket error the client sees. */
const rawGet = (path: string) =>
  new Promise<{ status?: number; headers?: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${url}${path}`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });

describe('injected errors', () => {
  it.each([
    ['BadRequestException', 400, 'client', 'BadRequest'],
    ['UnauthorizedException', 401, 'client', 'Unauthorized'],
    ['ForbiddenException', 403, 'client', 'Forbidden'],
    ['NotFoundException', 404, 'client', 'NotFound'],
    ['ThrottlingException', 429, 'client', 'Throttling'],
    ['ServiceFailureException', 500, 'server', 'ServiceFailure'],
    ['ServiceUnavailableException', 503, 'server', 'ServiceUnavailable'],
  ] as const)(
    'makes the SDK throw %s from GetAttendee',
    async (name, httpStatusCode, fault, code) => {
      const { MeetingId, AttendeeId } = await seedAttendee();
      emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'error', name } });

      const error = await rejectionOf(
        chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
      );

      expect(error).toMatchObject({
        name,
        message: `${name} injected into GetAttendee by the Chime emulator`,
        Code: code,
        $fault: fault,
        $metadata: { httpStatusCode },
      });
      expect(error.RequestId).toBe((error.$metadata as { requestId: string }).requestId);
    },
  );

  it.each([
    ['ConflictException', 409],
    ['LimitExceededException', 400],
    ['UnprocessableEntityException', 422],
  ] as const)('makes the SDK throw %s from CreateAttendee', async (name, httpStatusCode) => {
    const { MeetingId } = await seedAttendee();
    emulator.injectFault({ operation: 'CreateAttendee', fault: { type: 'error', name } });

    await expect(
      chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'bob' })),
    ).rejects.toMatchObject({ name, $metadata: { httpStatusCode } });
  });

  it('carries a chosen message', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'error', name: 'ForbiddenException', message: 'Access denied' },
    });

    await expect(
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
    ).rejects.toMatchObject({ name: 'ForbiddenException', message: 'Access denied' });
  });

  it('sends Retry-After, which the SDK exposes as RetryAfterSeconds', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 7 },
    });

    await expect(
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableException', RetryAfterSeconds: '7' });
  });

  it('sends Retry-After: 1 on a 503 when no delay was chosen', async () => {
    emulator.injectFault({
      operation: 'GetMeeting',
      fault: { type: 'error', name: 'ServiceUnavailableException' },
    });

    const response = await rawGet('/meetings/0a1b2c3d-0000-4000-8000-000000000000');

    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({
      'retry-after': '1',
      'x-amzn-errortype': 'ServiceUnavailableException',
    });
  });

  it('lets the SDK retry into success, and records every attempt', async () => {
    const { MeetingId, AttendeeId, attendee } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'error', name: 'ServiceFailureException' },
    });

    const output = await clientWith({ maxAttempts: 2 }).send(
      new GetAttendeeCommand({ MeetingId, AttendeeId }),
    );

    expect(output.Attendee).toEqual(attendee);
    expect(output.$metadata.attempts).toBe(2);
    expect(emulator.calls().map(({ operation, status }) => [operation, status])).toEqual([
      ['GetAttendee', 500],
      ['GetAttendee', 200],
    ]);
  });
});

describe('fault rules', () => {
  it('disturbs exactly count requests, then answers normally', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      count: 2,
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    const get = () => chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    const results = [
      await get().catch((error: Error) => error.name),
      await get().catch((error: Error) => error.name),
      await get().then((output) => output.$metadata.httpStatusCode),
    ];

    expect(results).toEqual(['ThrottlingException', 'ThrottlingException', 200]);
    expect(emulator.faults()).toEqual([]);
  });

  it('keeps disturbing with count unlimited until cleared', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    const get = () => chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    for (let i = 0; i < 3; i += 1)
      await expect(get()).rejects.toMatchObject({ name: 'ThrottlingException' });
    emulator.clearFaults();

    await expect(get()).resolves.toBeDefined();
  });

  it('disturbs any operation with *', async () => {
    const { MeetingId } = await seedAttendee();
    emulator.injectFault({
      operation: '*',
      fault: { type: 'error', name: 'UnauthorizedException' },
    });

    await expect(chime.send(new GetMeetingCommand({ MeetingId }))).rejects.toMatchObject({
      name: 'UnauthorizedException',
    });
  });

  it('leaves other operations alone', async () => {
    const { MeetingId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'error', name: 'ThrottlingException' },
    });

    await expect(chime.send(new GetMeetingCommand({ MeetingId }))).resolves.toBeDefined();
    expect(emulator.faults()).toHaveLength(1);
  });

  it('only disturbs requests for the matched meeting', async () => {
    const first = await seedAttendee();
    const second = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      match: { meetingId: second.MeetingId },
      fault: { type: 'error', name: 'NotFoundException' },
    });

    await expect(
      chime.send(
        new GetAttendeeCommand({ MeetingId: first.MeetingId, AttendeeId: first.AttendeeId }),
      ),
    ).resolves.toBeDefined();
    await expect(
      chime.send(
        new GetAttendeeCommand({ MeetingId: second.MeetingId, AttendeeId: second.AttendeeId }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('lists queued faults with their id and remaining count', () => {
    const queued = emulator.injectFault({
      operation: 'GetAttendee',
      count: 3,
      fault: { type: 'reset' },
    });

    expect(emulator.faults()).toEqual([
      { id: queued.id, operation: 'GetAttendee', count: 3, remaining: 3, fault: { type: 'reset' } },
    ]);
  });

  it.each<[string, unknown]>([
    ['an unknown operation', { operation: 'TagResource', fault: { type: 'reset' } }],
    [
      'an unknown error name',
      { operation: '*', fault: { type: 'error', name: 'TeapotException' } },
    ],
    ['an unknown fault type', { operation: '*', fault: { type: 'explode' } }],
    ['a zero count', { operation: '*', count: 0, fault: { type: 'reset' } }],
    ['a negative hang', { operation: '*', fault: { type: 'hang', ms: -1 } }],
    [
      'a malformed status outside HTTP',
      { operation: '*', fault: { type: 'malformed', status: 99 } },
    ],
    [
      'a match on something else',
      { operation: '*', match: { externalUserId: 'alice' }, fault: { type: 'reset' } },
    ],
  ])('refuses a rule with %s', (_case, rule) => {
    expect(() => emulator.injectFault(rule as FaultRule)).toThrow(InvalidFaultError);
    expect(emulator.faults()).toEqual([]);
  });
});

describe('hang faults', () => {
  it('delays the answer by ms, then answers normally', async () => {
    const { MeetingId, AttendeeId, attendee } = await seedAttendee();
    emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'hang', ms: 30 } });

    const output = await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    expect(output.Attendee).toEqual(attendee);
    expect(emulator.calls()).toEqual([
      expect.objectContaining({ operation: 'GetAttendee', status: 200, fault: 'hang' }),
    ]);
  });

  it('lets a client requestTimeout fire', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'hang', ms: 5000 } });
    const impatient = clientWith({
      maxAttempts: 1,
      requestHandler: { requestTimeout: 50, throwOnRequestTimeout: true },
    });

    await expect(
      impatient.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(emulator.calls()).toEqual([
      expect.objectContaining({ operation: 'GetAttendee', status: null, fault: 'hang' }),
    ]);
  });

  it('hangs without ms until the client aborts', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'hang' } });
    const controller = new AbortController();

    const pending = chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }), {
      abortSignal: controller.signal,
    });
    await receivedCalls(emulator, 1);
    controller.abort();

    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('does not keep stop() waiting for a request that hangs forever', async () => {
    const own = createChimeEmulator();
    const address = await own.start();
    const client = chimeClientFor(address.url, { maxAttempts: 1 });
    own.injectFault({ operation: 'GetMeeting', fault: { type: 'hang' } });

    const pending = rejectionOf(
      client.send(new GetMeetingCommand({ MeetingId: '0a1b2c3d-0000-4000-8000-000000000000' })),
    );
    await receivedCalls(own, 1);
    await own.stop();

    expect(String((await pending).message)).toMatch(/socket hang up/);
    expect(own.calls()).toEqual([expect.objectContaining({ status: null, fault: 'hang' })]);
    client.destroy();
  });
});

describe('reset faults', () => {
  it('closes the socket without an answer, which the SDK reports as a network error', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'reset' } });

    const error = await rejectionOf(chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })));

    expect(String(error.message)).toMatch(/socket hang up/);
    expect(error.$metadata).toMatchObject({ attempts: 1 });
    expect(emulator.calls()).toEqual([
      expect.objectContaining({ operation: 'GetAttendee', status: null, fault: 'reset' }),
    ]);
  });

  it('lets the SDK retry a reset connection', async () => {
    const { MeetingId, AttendeeId, attendee } = await seedAttendee();
    emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'reset' } });

    const output = await clientWith({ maxAttempts: 2 }).send(
      new GetAttendeeCommand({ MeetingId, AttendeeId }),
    );

    expect(output.Attendee).toEqual(attendee);
    expect(emulator.calls().map(({ status, fault }) => [status, fault])).toEqual([
      [null, 'reset'],
      [200, undefined],
    ]);
  });

  it('shows a plain HTTP client ECONNRESET', async () => {
    emulator.injectFault({ operation: 'GetMeeting', fault: { type: 'reset' } });

    await expect(rawGet('/meetings/0a1b2c3d-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
  });
});

describe('malformed faults', () => {
  it('answers a 200 without an Attendee', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'malformed', body: {} } });

    const output = await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendee).toBeUndefined();
  });

  it('answers a different attendee than the one asked for', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    const impostor = {
      ExternalUserId: 'mallory',
      AttendeeId: '99999999-9999-4999-8999-999999999999',
      JoinToken: 'c3RvbGVu',
    };
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'malformed', status: 200, body: { Attendee: impostor } },
    });

    const output = await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    expect(output.Attendee).toEqual(impostor);
  });

  it('answers a body that is not JSON, which the SDK fails to deserialize', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'malformed', rawBody: 'not json' },
    });

    await expect(
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
    ).rejects.toMatchObject({
      name: 'SyntaxError',
      message: expect.stringMatching(/Deserialization error/),
    });
  });

  it('answers a gateway error page, which the SDK surfaces as a SyntaxError with the status', async () => {
    const { MeetingId, AttendeeId } = await seedAttendee();
    emulator.injectFault({
      operation: 'GetAttendee',
      fault: {
        type: 'malformed',
        status: 502,
        rawBody: '<html>Bad Gateway</html>',
        headers: { 'Content-Type': 'text/html' },
      },
    });

    const error = await rejectionOf(chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })));

    expect(error).toMatchObject({ name: 'SyntaxError', $metadata: { httpStatusCode: 502 } });
  });
});
