import {
  BatchUpdateAttendeeCapabilitiesExceptCommand,
  CreateAttendeeCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { isThrottlingError } from '@smithy/core/retry';
import { createChimeEmulator } from '../../../local/chime-emulator';
import { parseEmulatorConfig } from '../../../local/chime-emulator/config';
import { OPERATIONS } from '../../../local/chime-emulator/operations';
import { DEFAULT_RATES, InvalidRatesError } from '../../../local/chime-emulator/rate-limits';
import { regionOfRequest } from '../../../local/chime-emulator/server';
import {
  outcomes,
  ownEmulator,
  rejectionOf,
  UNKNOWN_ID,
  useEmulator,
} from '../../helpers/chime-emulator';

let now = 1_700_000_000_000;
const t = useEmulator({ clock: () => now });

const times = (n: number, value: string) => Array<string>(n).fill(value);
const MUTED = { Audio: 'Receive', Video: 'None', Content: 'None' } as const;

/** A meeting with one attendee, seeded so that no API token is spent. */
const seedOne = (running = t) => running.meeting();

const getMeeting = (MeetingId: string, client = t.chime) =>
  client.send(new GetMeetingCommand({ MeetingId }));

describe('at the limit', () => {
  it.each(['GetMeeting', 'GetAttendee'])(
    'answers the 21st %s of a burst with ThrottlingException 429, and refills at 10 per second',
    async (operation) => {
      const ids = await seedOne();
      const send = () =>
        operation === 'GetMeeting'
          ? getMeeting(ids.MeetingId)
          : t.chime.send(new GetAttendeeCommand(ids));

      expect(await outcomes(20, send)).toEqual(times(20, 'ok'));
      const error = await rejectionOf(send());
      now += 100;

      expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);
      expect(error).toMatchObject({
        name: 'ThrottlingException',
        $fault: 'client',
        Code: 'Throttling',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429 },
      });
      expect(isThrottlingError(error as never)).toBe(true);
    },
  );

  it('sends the AWS error wire shape: x-amzn-ErrorType, Code, Message, RequestId and no Retry-After', async () => {
    const { MeetingId } = await seedOne();
    t.emulator.configureRates({ buckets: { GetMeeting: { burst: 1 } } });
    await fetch(`${t.url}/meetings/${MeetingId}`);

    const response = await fetch(`${t.url}/meetings/${MeetingId}`);

    expect(response.status).toBe(429);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'x-amzn-errortype': 'ThrottlingException',
      'content-type': 'application/json',
    });
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({
      Code: 'Throttling',
      Message: 'Rate exceeded',
      RequestId: response.headers.get('x-amzn-requestid'),
    });
  });

  it('refills continuously as the clock advances, up to the burst and no further', async () => {
    const { MeetingId } = await seedOne();
    t.emulator.configureRates({ buckets: { GetMeeting: { ratePerSecond: 4, burst: 3 } } });
    const send = () => getMeeting(MeetingId);
    await outcomes(3, send);

    now += 625; // two and a half tokens
    expect(await outcomes(3, send)).toEqual(['ok', 'ok', 'ThrottlingException']);
    now += 60_000; // long idle: still only a burst
    expect(await outcomes(4, send)).toEqual([...times(3, 'ok'), 'ThrottlingException']);
    now -= 60_000; // a clock stepping back refills nothing
    expect(await outcomes(1, send)).toEqual(['ThrottlingException']);
  });

  it('keeps one bucket per operation, the three without a published quota sharing MeetingManagement', async () => {
    const { MeetingId, AttendeeId } = await seedOne();
    t.emulator.configureRates({
      buckets: Object.fromEntries(Object.keys(DEFAULT_RATES).map((name) => [name, { burst: 1 }])),
    });

    const throttled: string[] = [];
    for (const [operation, [method, uri]] of Object.entries(OPERATIONS)) {
      const path = uri.replace('{MeetingId}', MeetingId).replace('{AttendeeId}', AttendeeId);
      const body = method === 'POST' || method === 'PUT' ? '{}' : undefined;
      if ((await fetch(`${t.url}${path}`, { method, body })).status === 429)
        throttled.push(operation);
    }

    // BatchUpdateAttendeeCapabilitiesExcept, first in the table, took the shared token.
    expect(throttled).toEqual(['GetAttendee', 'UpdateAttendeeCapabilities']);
    expect(t.emulator.stats().total).toEqual({ calls: 11, throttled: 2 });
  });

  it('keeps separate buckets per Region, taken from the SigV4 credential scope', async () => {
    const { MeetingId } = await seedOne();
    t.emulator.configureRates({ buckets: { GetMeeting: { burst: 1 } } });
    const frankfurt = t.client({ region: 'eu-central-1' });

    expect(await outcomes(2, () => getMeeting(MeetingId))).toEqual(['ok', 'ThrottlingException']);
    expect(await outcomes(2, () => getMeeting(MeetingId, frankfurt))).toEqual([
      'ok',
      'ThrottlingException',
    ]);
  });

  // Our assumption: the service meters every call it receives, found or not.
  it('counts requests that find nothing, but not unknown operations, and logs a throttle', async () => {
    t.emulator.configureRates({ buckets: { GetMeeting: { burst: 2 } } });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await fetch(`${t.url}/nowhere`)).status);

    expect(await outcomes(3, () => getMeeting(UNKNOWN_ID))).toEqual([
      ...times(2, 'NotFoundException'),
      'ThrottlingException',
    ]);
    expect(statuses).toEqual(times(5, '404').map(Number));
    expect(t.lines.filter((line) => line.includes(' 429 '))).toEqual([
      expect.stringMatching(/^chime-emulator GetMeeting 429 \d+ms throttled requestId=/),
    ]);
  });

  it('throttles writes too, and the capability updates with GetAttendee', async () => {
    const { MeetingId, AttendeeId } = await seedOne();
    t.emulator.configureRates({
      buckets: { CreateAttendee: { burst: 2 }, MeetingManagement: { burst: 3 } },
    });
    const names = ['user-1', 'user-2', 'user-3'];
    const create = () =>
      t.chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: names.shift() }));

    expect(await outcomes(3, create)).toEqual(['ok', 'ok', 'ThrottlingException']);
    await t.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
    const update = () =>
      t.chime.send(
        new UpdateAttendeeCapabilitiesCommand({ MeetingId, AttendeeId, Capabilities: MUTED }),
      );
    await update();
    await t.chime.send(
      new BatchUpdateAttendeeCapabilitiesExceptCommand({
        MeetingId,
        ExcludedAttendeeIds: [{ AttendeeId: UNKNOWN_ID }],
        Capabilities: MUTED,
      }),
    );
    expect(await outcomes(1, update)).toEqual(['ThrottlingException']);
    expect(t.emulator.stats().operations.UpdateAttendeeCapabilities).toEqual({
      calls: 2,
      throttled: 1,
    });
  });
});

it.each([
  [
    {
      authorization:
        'AWS4-HMAC-SHA256 Credential=k/20260101/ap-southeast-2/chime/aws4_request, SignedHeaders=host, Signature=00',
    },
    '',
    'ap-southeast-2',
  ],
  [{}, 'X-Amz-Credential=k/20260101/eu-west-2/chime/aws4_request', 'eu-west-2'],
  [{ host: 'meetings-chime.ca-central-1.amazonaws.com' }, '', 'ca-central-1'],
  [{ host: '127.0.0.1:3001' }, '', 'us-west-1'],
  [
    { authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/constructor/chime/aws4_request' },
    '',
    'us-west-1',
  ],
])('takes the Region of %j %s as %s', (headers, query, region) => {
  expect(regionOfRequest(headers, new URLSearchParams(query), 'us-west-1')).toBe(region);
});

it('counts calls and throttles per operation, also over the admin API, until cleared', async () => {
  const { MeetingId, AttendeeId } = await seedOne();
  t.emulator.configureRates({ buckets: { GetMeeting: { burst: 2 } } });
  await outcomes(3, () => getMeeting(MeetingId));
  await t.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
  await fetch(`${t.url}/nowhere`);

  const expected = {
    total: { calls: 5, throttled: 1 },
    operations: {
      GetMeeting: { calls: 3, throttled: 1 },
      GetAttendee: { calls: 1, throttled: 0 },
      UnknownOperation: { calls: 1, throttled: 0 },
    },
  };
  expect(t.emulator.stats()).toEqual(expected);
  expect(await (await t.admin('/calls/stats')).json()).toEqual(expected);
  expect(t.emulator.calls().filter((call) => call.throttled)).toEqual([
    expect.objectContaining({ operation: 'GetMeeting', status: 429, throttled: true }),
  ]);
  expect((await t.admin('/calls/stats', 'DELETE')).status).toBe(204);
  expect(t.emulator.stats()).toEqual({ total: { calls: 0, throttled: 0 }, operations: {} });
});

it('never limits the admin API, which seeds, and ends meetings without spending tokens', async () => {
  t.emulator.configureRates({
    buckets: Object.fromEntries(Object.keys(DEFAULT_RATES).map((name) => [name, { burst: 1 }])),
  });
  const { MeetingId } = await seedOne();
  await getMeeting(MeetingId);

  const statuses = new Set<number>();
  for (let i = 0; i < 25; i += 1) {
    statuses.add((await t.admin('/health')).status);
    statuses.add((await t.admin('/seed', 'POST', { meetings: 1, attendeesPerMeeting: 0 })).status);
  }
  for (const meeting of t.emulator.seed({ meetings: 3, attendeesPerMeeting: 0 })) {
    statuses.add((await t.admin(`/meetings/${meeting.MeetingId}`, 'DELETE')).status);
  }

  expect(statuses).toEqual(new Set([200, 201, 204]));
  await expect(getMeeting(MeetingId)).rejects.toMatchObject({ name: 'ThrottlingException' });
  expect(t.emulator.calls()).toHaveLength(2);
});

describe('configuring the rates', () => {
  it('takes overrides per bucket, or false, when the emulator is created', async () => {
    const own = await ownEmulator({ rates: { GetMeeting: { ratePerSecond: 1, burst: 2 } } });
    const off = await ownEmulator({ rates: false });
    const [mine, theirs] = [await seedOne(own), await seedOne(off)];

    expect(own.emulator.rates().buckets).toMatchObject({
      GetMeeting: { ratePerSecond: 1, burst: 2 },
      ListAttendees: { ratePerSecond: 10, burst: 20 },
    });
    expect(await outcomes(3, () => getMeeting(mine.MeetingId, own.chime))).toEqual([
      'ok',
      'ok',
      'ThrottlingException',
    ]);
    expect(off.emulator.rates().enabled).toBe(false);
    expect(await outcomes(25, () => getMeeting(theirs.MeetingId, off.chime))).toEqual(
      times(25, 'ok'),
    );
  });

  it.each<[string, unknown, RegExp]>([
    ['a zero burst', { GetMeeting: { burst: 0 } }, /GetMeeting.burst/],
    ['an unknown bucket', { GetMeting: { burst: 1 } }, /Unknown rate bucket GetMeting/],
  ])('refuses %s when the emulator is created', (_case, rates, message) => {
    expect(() => createChimeEmulator({ rates: rates as never })).toThrow(InvalidRatesError);
    expect(() => createChimeEmulator({ rates: rates as never })).toThrow(message);
  });

  it('changes, disables, refills and shows them over the admin API, and reset restores them', async () => {
    const { MeetingId } = await seedOne();
    const send = () => getMeeting(MeetingId);

    const changed = await t.admin('/rates', 'PUT', { buckets: { GetMeeting: { burst: 1 } } });
    expect(await changed.json()).toMatchObject({
      enabled: true,
      buckets: { GetMeeting: { ratePerSecond: 10, burst: 1 } },
    });
    expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);
    expect((await t.admin('/rates/refill', 'POST')).status).toBe(204);
    expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);

    await t.admin('/rates', 'PUT', { enabled: false });
    expect(await outcomes(3, send)).toEqual(times(3, 'ok'));
    expect(await (await t.admin('/rates')).json()).toMatchObject({
      enabled: false,
      buckets: { GetMeeting: { burst: 1 } },
    });
    t.emulator.reset();
    expect(t.emulator.rates()).toEqual({ enabled: true, buckets: DEFAULT_RATES });
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown bucket', { buckets: { GetMeetings: { burst: 1 } } }],
    ['a zero rate', { buckets: { GetMeeting: { ratePerSecond: 0 } } }],
    ['a fractional burst', { buckets: { GetMeeting: { burst: 1.5 } } }],
    ['an unknown member', { buckets: { GetMeeting: { burst: 1, extra: 1 } } }],
    ['a non-boolean enabled', { enabled: 'yes' }],
    ['an unknown top-level key', { rates: {} }],
  ])('refuses %s over the admin API with a 400, changing nothing', async (_, body) => {
    const response = await t.admin('/rates', 'PUT', body);

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(t.emulator.rates().buckets.GetMeeting).toEqual({ ratePerSecond: 10, burst: 20 });
  });
});

describe('the CLI settings', () => {
  it.each([
    [{}, [], { port: 3001, region: 'us-east-1', accountId: '123456789012', rates: {} }],
    [
      {
        CHIME_EMULATOR_PORT: '4010',
        CHIME_EMULATOR_REGION: 'eu-west-1',
        CHIME_EMULATOR_ACCOUNT_ID: '210987654321',
      },
      [],
      { port: 4010, region: 'eu-west-1', accountId: '210987654321', rates: {} },
    ],
    [{}, ['--no-rates'], { rates: false }],
    [{ CHIME_EMULATOR_RATES: 'off' }, [], { rates: false }],
    [{ CHIME_EMULATOR_RATES: 'false' }, [], { rates: false }],
    [
      { CHIME_EMULATOR_RATES: 'GetMeeting=1' },
      ['--rates', 'GetMeeting=5:7,MeetingManagement=2.5'],
      {
        rates: {
          GetMeeting: { ratePerSecond: 5, burst: 7 },
          MeetingManagement: { ratePerSecond: 2.5 },
        },
      },
    ],
    [
      { CHIME_EMULATOR_RATES: 'ListAttendees=3:4' },
      [],
      { rates: { ListAttendees: { ratePerSecond: 3, burst: 4 } } },
    ],
    [
      {},
      ['--port', '0', '--event-target', 'http://127.0.0.1:4000/events'],
      { port: 0, eventTarget: 'http://127.0.0.1:4000/events' },
    ],
  ])('read %j %j as %j', (env, argv, expected) => {
    expect(parseEmulatorConfig(env, argv)).toMatchObject(expected);
  });

  it.each([
    [{ CHIME_EMULATOR_PORT: 'http' }, [], 'CHIME_EMULATOR_PORT'],
    [{ CHIME_EMULATOR_PORT: '70000' }, [], 'CHIME_EMULATOR_PORT'],
    [{ CHIME_EMULATOR_ACCOUNT_ID: 'abc' }, [], 'CHIME_EMULATOR_ACCOUNT_ID'],
    [{ CHIME_EMULATOR_RATES: 'GetMeeting' }, [], 'CHIME_EMULATOR_RATES'],
    [{ CHIME_EMULATOR_RATES: 'constructor=1:1' }, [], 'Unknown rate bucket constructor'],
    [{}, ['--rates', 'GetMeeting=0'], 'ratePerSecond must be a positive number'],
    [{}, ['--no-rates', '--rates', 'GetMeeting=1'], 'not both'],
    [{}, ['--bogus'], "Unknown option '--bogus'"],
    [{ CHIME_EMULATOR_EVENT_TARGET: 'http://example.com/' }, [], 'CHIME_EMULATOR_EVENT_TARGET'],
  ])('fail fast on %j %j, saying %s', (env, argv, message) => {
    expect(() => parseEmulatorConfig(env, argv)).toThrow(message);
  });

  it('ask for the usage with --help', () => {
    expect(parseEmulatorConfig({}, ['--help'])).toBeUndefined();
  });
});
