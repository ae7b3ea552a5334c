import { request } from 'node:http';
import {
  BatchUpdateAttendeeCapabilitiesExceptCommand,
  CreateAttendeeCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { FaultRule } from '../../../local/chime-emulator';
import { InvalidFaultError } from '../../../local/chime-emulator/faults';
import {
  ownEmulator,
  rejectionOf,
  UNKNOWN_ID,
  UUID,
  useEmulator,
} from '../../helpers/chime-emulator';

const t = useEmulator({ rates: false });

/** A meeting with attendee `alice-1-1`, and the attendee as GetAttendee returns it. */
const seedAttendee = async () => {
  const [meeting] = await t.seed({
    meetings: 1,
    attendeesPerMeeting: 1,
    externalUserIdPrefix: 'alice',
    includeJoinTokens: true,
  });
  const MeetingId = meeting?.MeetingId as string;
  const AttendeeId = meeting?.Attendees[0]?.AttendeeId as string;
  const { Attendee } = await t.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
  t.emulator.resetCalls();
  return { MeetingId, AttendeeId, attendee: Attendee };
};

const getAttendee = (ids: { MeetingId: string; AttendeeId: string }, client = t.chime) =>
  client.send(new GetAttendeeCommand({ MeetingId: ids.MeetingId, AttendeeId: ids.AttendeeId }));

const inject = (operation: FaultRule['operation'], fault: FaultRule['fault'], rest = {}) =>
  t.emulator.injectFault({ operation, fault, ...rest });

/** Resolves once the emulator has received `count` calls (they may still be unanswered). */
const receivedCalls = async (calls: () => unknown[], count: number) => {
  // Yields to the event loop between looks (no timer); the test timeout bounds it.
  while (calls().length < count) await new Promise((resolve) => setImmediate(resolve));
};

/** A raw GET that reports the status and headers, or the socket error the client sees. */
const rawGet = (path: string) =>
  new Promise<{ status?: number; headers?: Record<string, unknown> }>((resolve, reject) => {
    const req = request(`${t.url}${path}`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject).end();
  });

describe('injected errors', () => {
  it.each([
    ['BadRequestException', 400, 'client', 'BadRequest'],
    ['UnauthorizedException', 401, 'client', 'Unauthorized'],
    ['ForbiddenException', 403, 'client', 'Forbidden'],
    ['NotFoundException', 404, 'client', 'NotFound'],
    ['ConflictException', 409, 'client', 'Conflict'],
    ['LimitExceededException', 400, 'client', 'ResourceLimitExceeded'],
    ['UnprocessableEntityException', 422, 'client', 'Unprocessable'],
    ['ThrottlingException', 429, 'client', 'Throttling'],
    ['ServiceFailureException', 500, 'server', 'ServiceFailure'],
    ['ServiceUnavailableException', 503, 'server', 'ServiceUnavailable'],
  ] as const)('make the SDK throw %s (%i)', async (name, httpStatusCode, $fault, Code) => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'error', name });

    const error = await rejectionOf(getAttendee(ids));

    expect(error).toMatchObject({
      name,
      message: `${name} injected into GetAttendee by the Chime emulator`,
      Code,
      $fault,
      $metadata: { httpStatusCode },
    });
    expect(error.RequestId).toBe((error.$metadata as { requestId: string }).requestId);
  });

  it('carry a chosen message and Retry-After, which the SDK exposes as RetryAfterSeconds', async () => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'error', name: 'ForbiddenException', message: 'Access denied' });
    inject('GetAttendee', {
      type: 'error',
      name: 'ServiceUnavailableException',
      retryAfterSeconds: 7,
    });

    expect(await rejectionOf(getAttendee(ids))).toMatchObject({ message: 'Access denied' });
    expect(await rejectionOf(getAttendee(ids))).toMatchObject({ RetryAfterSeconds: '7' });
  });

  it('send Retry-After: 1 on a 503 when no delay was chosen', async () => {
    inject('GetMeeting', { type: 'error', name: 'ServiceUnavailableException' });

    expect(await rawGet(`/meetings/${UNKNOWN_ID}`)).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1', 'x-amzn-errortype': 'ServiceUnavailableException' },
    });
  });

  it('let the SDK retry into success, and every attempt is in the call log', async () => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'error', name: 'ServiceFailureException' });

    const output = await getAttendee(ids, t.client({ maxAttempts: 2 }));

    expect(output.Attendee).toEqual(ids.attendee);
    expect(output.$metadata.attempts).toBe(2);
    expect(t.emulator.calls().map(({ operation, status }) => [operation, status])).toEqual([
      ['GetAttendee', 500],
      ['GetAttendee', 200],
    ]);
  });
});

describe('fault rules', () => {
  it('disturb exactly count requests of their operation and meeting, then none', async () => {
    const ids = await seedAttendee();
    const other = await seedAttendee();
    inject(
      'GetAttendee',
      { type: 'error', name: 'ThrottlingException' },
      { count: 2, match: { meetingId: ids.MeetingId } },
    );
    const results = async () =>
      Promise.all([
        getAttendee(other),
        t.chime.send(new GetMeetingCommand({ MeetingId: ids.MeetingId })),
      ]).then(() =>
        getAttendee(ids).then(
          () => 'ok',
          (error: Error) => error.name,
        ),
      );

    expect([await results(), await results(), await results()]).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      'ok',
    ]);
    expect(t.emulator.faults()).toEqual([]);
  });

  it('keep disturbing with count unlimited, and any operation with *, until cleared', async () => {
    const ids = await seedAttendee();
    inject('*', { type: 'error', name: 'UnauthorizedException' }, { count: 'unlimited' });

    const calls = [
      getAttendee(ids),
      getAttendee(ids),
      t.chime.send(new ListAttendeesCommand({ MeetingId: ids.MeetingId })),
    ];

    expect(await Promise.all(calls.map(rejectionOf))).toMatchObject(
      Array(3).fill({ name: 'UnauthorizedException' }),
    );
    t.emulator.clearFaults();
    expect((await getAttendee(ids)).Attendee).toEqual(ids.attendee);
  });

  const any = (fault: unknown, rest = {}) => ({ operation: '*', fault, ...rest });
  it.each<[string, unknown]>([
    ['an unknown operation', { operation: 'TagResource', fault: { type: 'reset' } }],
    ['an unknown error name', any({ type: 'error', name: 'TeapotException' })],
    ['an unknown fault type', any({ type: 'explode' })],
    ['a zero count', any({ type: 'reset' }, { count: 0 })],
    ['a negative hang', any({ type: 'hang', ms: -1 })],
    ['a malformed status outside HTTP', any({ type: 'malformed', status: 99 })],
    ['a match on something else', any({ type: 'reset' }, { match: { externalUserId: 'al' } })],
    ['a body that is not JSON', 'nope'],
  ])('refuse a rule with %s, in code and over HTTP (400), queueing nothing', async (_, rule) => {
    const response = await t.admin('/faults', 'POST', [any({ type: 'reset' }), rule]);

    expect(() => t.emulator.injectFault(rule as FaultRule)).toThrow(InvalidFaultError);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(t.emulator.faults()).toEqual([]);
  });

  it('are queued over HTTP, one or a list in order, and listed, removed and cleared', async () => {
    const ids = await seedAttendee();
    const one = await t.admin('/faults', 'POST', {
      operation: 'GetAttendee',
      count: 3,
      fault: { type: 'error', name: 'ThrottlingException' },
    });
    await t.admin('/faults', 'POST', [
      { operation: 'GetMeeting', fault: { type: 'reset' } },
      { operation: '*', fault: { type: 'hang', ms: 10 } },
    ]);
    const { faults } = (await one.json()) as { faults: { id: string }[] };

    expect(one.status).toBe(201);
    expect(faults).toEqual([
      {
        id: expect.stringMatching(UUID),
        operation: 'GetAttendee',
        count: 3,
        remaining: 3,
        fault: { type: 'error', name: 'ThrottlingException' },
      },
    ]);
    await expect(getAttendee(ids)).rejects.toMatchObject({ name: 'ThrottlingException' });
    const listed = await (await t.admin('/faults')).json();
    expect(listed.faults.map((f: { fault: { type: string } }) => f.fault.type)).toEqual([
      'error',
      'reset',
      'hang',
    ]);
    expect(listed.faults[0]).toMatchObject({ remaining: 2 });
    expect((await t.admin(`/faults/${faults[0]?.id}`, 'DELETE')).status).toBe(204);
    expect((await t.admin(`/faults/${faults[0]?.id}`, 'DELETE')).status).toBe(404);
    expect(t.emulator.faults().map((fault) => fault.operation)).toEqual(['GetMeeting', '*']);
    expect((await t.admin('/faults', 'DELETE')).status).toBe(204);
    expect(t.emulator.faults()).toEqual([]);
  });
});

describe('hang faults', () => {
  it('delay the answer by ms, then answer normally', async () => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'hang', ms: 30 });

    expect((await getAttendee(ids)).Attendee).toEqual(ids.attendee);
    expect(t.emulator.calls()).toEqual([expect.objectContaining({ status: 200, fault: 'hang' })]);
  });

  it('let a client requestTimeout fire, and hang without ms until the client aborts', async () => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'hang', ms: 5000 });
    inject('GetAttendee', { type: 'hang' });
    const impatient = t.client({
      requestHandler: { requestTimeout: 50, throwOnRequestTimeout: true },
    });
    const controller = new AbortController();

    await expect(getAttendee(ids, impatient)).rejects.toMatchObject({ name: 'TimeoutError' });
    const pending = t.chime.send(new GetAttendeeCommand(ids), { abortSignal: controller.signal });
    await receivedCalls(t.emulator.calls, 2);
    controller.abort();

    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(t.emulator.calls()).toEqual(
      Array(2).fill(
        expect.objectContaining({ operation: 'GetAttendee', status: null, fault: 'hang' }),
      ),
    );
  });

  it('do not keep stop() waiting for a request that hangs forever', async () => {
    const own = await ownEmulator();
    own.emulator.injectFault({ operation: 'GetMeeting', fault: { type: 'hang' } });

    const pending = rejectionOf(own.chime.send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID })));
    await receivedCalls(own.emulator.calls, 1);
    await own.emulator.stop();

    expect(String((await pending).message)).toMatch(/socket hang up/);
    expect(own.emulator.calls()).toEqual([
      expect.objectContaining({ status: null, fault: 'hang' }),
    ]);
  });
});

describe('reset faults', () => {
  it('close the socket without an answer: a network error the SDK retries', async () => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'reset' }, { count: 2 });

    const error = await rejectionOf(getAttendee(ids));
    const output = await getAttendee(ids, t.client({ maxAttempts: 2 }));

    expect(String(error.message)).toMatch(/socket hang up/);
    expect(error.$metadata).toMatchObject({ attempts: 1 });
    expect(output.Attendee).toEqual(ids.attendee);
    expect(t.emulator.calls().map(({ status, fault }) => [status, fault])).toEqual([
      [null, 'reset'],
      [null, 'reset'],
      [200, undefined],
    ]);
  });

  it('show a plain HTTP client ECONNRESET', async () => {
    inject('GetMeeting', { type: 'reset' });

    await expect(rawGet(`/meetings/${UNKNOWN_ID}`)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('malformed faults', () => {
  const impostor = {
    ExternalUserId: 'mallory',
    AttendeeId: '99999999-9999-4999-8999-999999999999',
    JoinToken: 'c3RvbGVu',
  };

  it.each([
    ['a 200 without an Attendee', {}, undefined],
    ['another attendee than the one asked for', { Attendee: impostor }, impostor],
  ])('answer %s', async (_case, body, expected) => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'malformed', status: 200, body });

    const output = await getAttendee(ids);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendee).toEqual(expected);
  });

  it.each([
    [
      'a body that is not JSON',
      { rawBody: 'not json' },
      { message: expect.stringMatching(/Deserialization error/) },
    ],
    [
      'a gateway error page',
      {
        status: 502,
        rawBody: '<html>Bad Gateway</html>',
        headers: { 'Content-Type': 'text/html' },
      },
      { $metadata: { httpStatusCode: 502 } },
    ],
  ])('answer %s, which the SDK surfaces as a SyntaxError', async (_case, fault, expected) => {
    const ids = await seedAttendee();
    inject('GetAttendee', { type: 'malformed', ...fault });

    expect(await rejectionOf(getAttendee(ids))).toMatchObject({ name: 'SyntaxError', ...expected });
  });

  it('apply to the capability updates too, changing nothing', async () => {
    const ids = await seedAttendee();
    const Capabilities = { Audio: 'None', Video: 'None', Content: 'None' } as const;
    inject(
      'UpdateAttendeeCapabilities',
      { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 3 },
      { match: { attendeeId: ids.AttendeeId } },
    );
    inject('BatchUpdateAttendeeCapabilitiesExcept', {
      type: 'malformed',
      status: 502,
      rawBody: '',
    });

    const single = await rejectionOf(
      t.chime.send(new UpdateAttendeeCapabilitiesCommand({ ...ids, Capabilities })),
    );
    const batch = await rejectionOf(
      t.chime.send(
        new BatchUpdateAttendeeCapabilitiesExceptCommand({
          MeetingId: ids.MeetingId,
          ExcludedAttendeeIds: [{ AttendeeId: UNKNOWN_ID }],
          Capabilities,
        }),
      ),
    );

    expect(single).toMatchObject({ name: 'ServiceUnavailableException', RetryAfterSeconds: '3' });
    expect(batch).toMatchObject({ $metadata: { httpStatusCode: 502 } });
    expect(
      t.emulator.calls().map(({ operation, status, fault }) => [operation, status, fault]),
    ).toEqual([
      ['UpdateAttendeeCapabilities', 503, 'error'],
      ['BatchUpdateAttendeeCapabilitiesExcept', 502, 'malformed'],
    ]);
    expect((await getAttendee(ids)).Attendee).toEqual(ids.attendee);
    expect(await t.published()).toEqual([]);
  });
});

it('an injected fault comes before validation: a bad request body still meets it', async () => {
  inject('CreateAttendee', { type: 'error', name: 'ThrottlingException' });

  await expect(
    t.chime.send(new CreateAttendeeCommand({ MeetingId: UNKNOWN_ID, ExternalUserId: 'x' })),
  ).rejects.toMatchObject({ name: 'ThrottlingException' });
});
