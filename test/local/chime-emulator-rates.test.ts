import {
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { isThrottlingError } from '@smithy/core/retry';
import {
  BUCKET_OF_OPERATION,
  type ChimeEmulator,
  chimeClientFor,
  createChimeEmulator,
  DEFAULT_RATES,
  InvalidRatesError,
  OPERATIONS,
} from '../../local/chime-emulator';
import { parseEmulatorConfig } from '../../local/chime-emulator/config';
import { regionOfRequest } from '../../local/chime-emulator/server';

let now = 1_700_000_000_000;
const lines: string[] = [];
const emulator = createChimeEmulator({ clock: () => now, logger: (line) => lines.push(line) });
const clients: ChimeSDKMeetingsClient[] = [];
let url: string;
let chime: ChimeSDKMeetingsClient;

const clientIn = (region: string) => {
  const client = chimeClientFor(url, { maxAttempts: 1, region });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  ({ url } = await emulator.start());
  chime = clientIn('us-east-1');
});
afterEach(() => {
  emulator.reset();
  lines.length = 0;
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await emulator.stop();
});

const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${url}/_emulator${path}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });

/** A meeting with one attendee, seeded through the admin API so no API token is spent. */
const seedOne = (target: ChimeEmulator = emulator) => {
  const [meeting] = target.seed({ meetings: 1, attendeesPerMeeting: 1 });
  if (!meeting?.Attendees[0]) throw new Error('seed returned nothing');
  return { MeetingId: meeting.MeetingId, AttendeeId: meeting.Attendees[0].AttendeeId };
};

/** Sends `count` commands one after another and returns "ok" or the error name of each. */
const outcomes = async (count: number, send: () => Promise<unknown>) => {
  const results: string[] = [];
  for (let i = 0; i < count; i += 1) {
    results.push(
      await send().then(
        () => 'ok',
        (error: Error) => error.name,
      ),
    );
  }
  return results;
};

const rejectionOf = async (promise: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('Expected the call to fail');
};

const times = (n: number, value: string) => Array<string>(n).fill(value);

describe('the default rates', () => {
  it('are the published 10 requests per second, with a burst of 20, for every bucket', () => {
    for (const setting of Object.values(DEFAULT_RATES)) {
      expect(setting).toEqual({ ratePerSecond: 10, burst: 20 });
    }
    expect(emulator.rates().enabled).toBe(true);
  });

  it('put the operations without a published quota in the aggregate meeting-management bucket and every other operation in its own', () => {
    const aggregate = [
      'GetAttendee',
      'UpdateAttendeeCapabilities',
      'BatchUpdateAttendeeCapabilitiesExcept',
    ];
    for (const operation of aggregate) {
      expect(BUCKET_OF_OPERATION[operation as keyof typeof OPERATIONS]).toBe('MeetingManagement');
    }
    for (const operation of Object.keys(OPERATIONS).filter((name) => !aggregate.includes(name))) {
      expect(BUCKET_OF_OPERATION[operation as keyof typeof OPERATIONS]).toBe(operation);
    }
  });
});

describe('at the limit', () => {
  it('answers the 21st GetMeeting of a burst with ThrottlingException 429, which the SDK classifies as throttling', async () => {
    const { MeetingId } = seedOne();
    const send = () => chime.send(new GetMeetingCommand({ MeetingId }));

    expect(await outcomes(20, send)).toEqual(times(20, 'ok'));
    const error = await rejectionOf(send());

    expect(error).toMatchObject({
      name: 'ThrottlingException',
      $fault: 'client',
      Code: 'Throttling',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 429 },
    });
    expect(isThrottlingError(error as unknown as Parameters<typeof isThrottlingError>[0])).toBe(
      true,
    );
  });

  it('sends the AWS error wire shape: x-amzn-ErrorType, Code, Message, RequestId and no Retry-After', async () => {
    const { MeetingId } = seedOne();
    emulator.configureRates({ buckets: { GetMeeting: { burst: 1 } } });
    await fetch(`${url}/meetings/${MeetingId}`);

    const response = await fetch(`${url}/meetings/${MeetingId}`);
    const requestId = response.headers.get('x-amzn-requestid');

    expect(response.status).toBe(429);
    expect(response.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({
      Code: 'Throttling',
      Message: 'Rate exceeded',
      RequestId: requestId,
    });
  });

  it('refills at the bucket rate as the injected clock advances, up to the burst and no further', async () => {
    const { MeetingId } = seedOne();
    const send = () => chime.send(new GetMeetingCommand({ MeetingId }));
    await outcomes(20, send);

    now += 100; // 10 per second: one token
    expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);

    now += 250; // two and a half tokens
    expect(await outcomes(3, send)).toEqual(['ok', 'ok', 'ThrottlingException']);

    now += 60_000; // long idle: still only a burst
    expect(await outcomes(21, send)).toEqual([...times(20, 'ok'), 'ThrottlingException']);
  });

  it('keeps one bucket per operation: an exhausted GetMeeting leaves ListAttendees and GetAttendee alone', async () => {
    const { MeetingId, AttendeeId } = seedOne();
    await outcomes(20, () => chime.send(new GetMeetingCommand({ MeetingId })));

    await expect(chime.send(new GetMeetingCommand({ MeetingId }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    await expect(chime.send(new ListAttendeesCommand({ MeetingId }))).resolves.toBeDefined();
    await expect(
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
    ).resolves.toBeDefined();
  });

  it('draws GetAttendee from the aggregate bucket at 10 per second, burst 20', async () => {
    const { MeetingId, AttendeeId } = seedOne();
    const send = () => chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));

    expect(await outcomes(21, send)).toEqual([...times(20, 'ok'), 'ThrottlingException']);
    now += 1000;
    expect(await outcomes(11, send)).toEqual([...times(10, 'ok'), 'ThrottlingException']);
  });

  it('keeps separate buckets per Region, taken from the SigV4 credential scope', async () => {
    const { MeetingId } = seedOne();
    const frankfurt = clientIn('eu-central-1');
    await outcomes(20, () => chime.send(new GetMeetingCommand({ MeetingId })));

    await expect(chime.send(new GetMeetingCommand({ MeetingId }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(await outcomes(21, () => frankfurt.send(new GetMeetingCommand({ MeetingId })))).toEqual([
      ...times(20, 'ok'),
      'ThrottlingException',
    ]);
  });

  // Our assumption: the service meters every call it receives, found or not.
  it('counts requests that find nothing against the bucket too', async () => {
    const send = () =>
      chime.send(new GetMeetingCommand({ MeetingId: '0a1b2c3d-0000-4000-8000-000000000000' }));

    expect(await outcomes(21, send)).toEqual([
      ...times(20, 'NotFoundException'),
      'ThrottlingException',
    ]);
  });

  it('does not throttle unknown operations, which never reach the service', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await fetch(`${url}/nowhere`)).status);

    expect(new Set(statuses)).toEqual(new Set([404]));
  });

  it('logs a throttled request with its operation and status and marks it', async () => {
    const { MeetingId } = seedOne();
    emulator.configureRates({ buckets: { GetMeeting: { burst: 1 } } });
    await outcomes(2, () => chime.send(new GetMeetingCommand({ MeetingId })));

    expect(lines.filter((line) => line.includes('GetMeeting 429'))).toEqual([
      expect.stringMatching(/ throttled requestId=/),
    ]);
  });
});

describe('the region of a request', () => {
  const query = new URLSearchParams();

  it('comes from the Authorization credential scope', () => {
    expect(
      regionOfRequest(
        {
          authorization:
            'AWS4-HMAC-SHA256 Credential=test/20260101/ap-southeast-2/chime/aws4_request, SignedHeaders=host, Signature=00',
        },
        query,
        'us-east-1',
      ),
    ).toBe('ap-southeast-2');
  });

  it('comes from a presigned X-Amz-Credential or the service host name otherwise', () => {
    expect(
      regionOfRequest(
        {},
        new URLSearchParams({ 'X-Amz-Credential': 'test/20260101/eu-west-2/chime/aws4_request' }),
        'us-east-1',
      ),
    ).toBe('eu-west-2');
    expect(regionOfRequest({ host: 'meetings-chime.ca-central-1.amazonaws.com' }, query, 'x')).toBe(
      'ca-central-1',
    );
  });

  it('falls back to the configured Region for unsigned requests or a garbled scope', () => {
    expect(regionOfRequest({ host: '127.0.0.1:3001' }, query, 'eu-central-1')).toBe('eu-central-1');
    expect(
      regionOfRequest(
        { authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/constructor/chime/aws4_request' },
        query,
        'us-east-1',
      ),
    ).toBe('us-east-1');
  });
});

describe('the call log', () => {
  it('counts calls and throttles per operation, also over the admin API, until reset', async () => {
    const { MeetingId, AttendeeId } = seedOne();
    emulator.configureRates({ buckets: { GetMeeting: { burst: 2 } } });
    await outcomes(3, () => chime.send(new GetMeetingCommand({ MeetingId })));
    await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }));
    await fetch(`${url}/nowhere`);

    const expected = {
      total: { calls: 5, throttled: 1 },
      operations: {
        GetMeeting: { calls: 3, throttled: 1 },
        GetAttendee: { calls: 1, throttled: 0 },
        UnknownOperation: { calls: 1, throttled: 0 },
      },
    };
    expect(emulator.stats()).toEqual(expected);
    expect(await (await admin('/calls/stats')).json()).toEqual(expected);
    expect(emulator.calls().filter((call) => call.throttled)).toEqual([
      expect.objectContaining({ operation: 'GetMeeting', status: 429, throttled: true }),
    ]);

    expect((await admin('/calls/stats', { method: 'DELETE' })).status).toBe(204);
    expect(emulator.stats()).toEqual({ total: { calls: 0, throttled: 0 }, operations: {} });
  });
});

describe('the admin path', () => {
  it('is never rate limited: seeding and health work while every bucket is empty', async () => {
    emulator.configureRates({
      buckets: Object.fromEntries(Object.keys(DEFAULT_RATES).map((name) => [name, { burst: 1 }])),
    });
    const { MeetingId } = seedOne();
    await chime.send(new GetMeetingCommand({ MeetingId }));

    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      statuses.push((await admin('/health')).status);
      statuses.push(
        (await admin('/seed', { method: 'POST', body: { meetings: 1, attendeesPerMeeting: 1 } }))
          .status,
      );
    }
    expect(new Set(statuses)).toEqual(new Set([200, 201]));
    await expect(chime.send(new GetMeetingCommand({ MeetingId }))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });

  it('ends meetings without spending DeleteMeeting tokens', async () => {
    emulator.configureRates({ buckets: { DeleteMeeting: { burst: 1 } } });
    const meetings = emulator.seed({ meetings: 5, attendeesPerMeeting: 0 });

    for (const { MeetingId } of meetings) {
      expect((await admin(`/meetings/${MeetingId}`, { method: 'DELETE' })).status).toBe(204);
    }
    expect(emulator.calls()).toEqual([]);
  });
});

describe('configuring the rates', () => {
  it('takes overrides per bucket when the emulator is created', async () => {
    const own = createChimeEmulator({
      clock: () => now,
      rates: { GetMeeting: { ratePerSecond: 1, burst: 2 } },
    });
    const { url: ownUrl } = await own.start();
    const client = chimeClientFor(ownUrl, { maxAttempts: 1 });
    try {
      const { MeetingId } = seedOne(own);
      const send = () => client.send(new GetMeetingCommand({ MeetingId }));

      expect(own.rates().buckets.GetMeeting).toEqual({ ratePerSecond: 1, burst: 2 });
      expect(own.rates().buckets.ListAttendees).toEqual({ ratePerSecond: 10, burst: 20 });
      expect(await outcomes(3, send)).toEqual(['ok', 'ok', 'ThrottlingException']);
      now += 999;
      expect(await outcomes(1, send)).toEqual(['ThrottlingException']);
      now += 1;
      expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);
    } finally {
      client.destroy();
      await own.stop();
    }
  });

  it('turns them off with rates: false', async () => {
    const own = createChimeEmulator({ clock: () => now, rates: false });
    const { url: ownUrl } = await own.start();
    const client = chimeClientFor(ownUrl, { maxAttempts: 1 });
    try {
      const { MeetingId } = seedOne(own);
      const send = () => client.send(new GetMeetingCommand({ MeetingId }));

      expect(own.rates().enabled).toBe(false);
      expect(await outcomes(50, send)).toEqual(times(50, 'ok'));
      expect(own.stats().total).toEqual({ calls: 50, throttled: 0 });
    } finally {
      client.destroy();
      await own.stop();
    }
  });

  it('refuses unusable settings when the emulator is created', () => {
    expect(() => createChimeEmulator({ rates: { GetMeeting: { burst: 0 } } })).toThrow(
      InvalidRatesError,
    );
    expect(() =>
      createChimeEmulator({ rates: { GetMeting: { burst: 1 } } as unknown as false }),
    ).toThrow(/Unknown rate bucket GetMeting/);
  });

  it('changes, disables, refills and shows them over the admin API', async () => {
    const { MeetingId } = seedOne();
    const send = () => chime.send(new GetMeetingCommand({ MeetingId }));

    const changed = await admin('/rates', {
      method: 'PUT',
      body: { buckets: { GetMeeting: { burst: 1 } } },
    });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toMatchObject({
      enabled: true,
      buckets: { GetMeeting: { ratePerSecond: 10, burst: 1 } },
    });
    expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);

    expect((await admin('/rates/refill', { method: 'POST' })).status).toBe(204);
    expect(await outcomes(2, send)).toEqual(['ok', 'ThrottlingException']);

    await admin('/rates', { method: 'PUT', body: { enabled: false } });
    expect(await outcomes(5, send)).toEqual(times(5, 'ok'));
    expect(await (await admin('/rates')).json()).toMatchObject({
      enabled: false,
      buckets: { GetMeeting: { burst: 1 } },
    });
  });

  it.each([
    ['not JSON', '{'],
    ['an unknown bucket', { buckets: { GetMeetings: { burst: 1 } } }],
    ['a zero rate', { buckets: { GetMeeting: { ratePerSecond: 0 } } }],
    ['a fractional burst', { buckets: { GetMeeting: { burst: 1.5 } } }],
    ['an unknown member', { buckets: { GetMeeting: { burst: 1, extra: 1 } } }],
    ['a non-boolean enabled', { enabled: 'yes' }],
    ['an unknown top-level key', { rates: {} }],
  ])('refuses %s with a 400 and changes nothing', async (_, body) => {
    const response = await fetch(`${url}/_emulator/rates`, {
      method: 'PUT',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(emulator.rates().buckets.GetMeeting).toEqual({ ratePerSecond: 10, burst: 20 });
  });

  it('goes back to the creation settings on reset, every bucket full', async () => {
    const { MeetingId } = seedOne();
    emulator.configureRates({ enabled: false, buckets: { GetMeeting: { burst: 1 } } });
    emulator.reset();

    expect(emulator.rates()).toEqual({ enabled: true, buckets: DEFAULT_RATES });
    const again = seedOne();
    expect(again.MeetingId).not.toBe(MeetingId);
    expect(
      await outcomes(20, () => chime.send(new GetMeetingCommand({ MeetingId: again.MeetingId }))),
    ).toEqual(times(20, 'ok'));
  });

  it('throttles writes too, e.g. the 21st CreateAttendee of a burst', async () => {
    const { Meeting } = await chime.send(
      new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' }),
    );
    const MeetingId = Meeting?.MeetingId as string;
    let n = 0;
    const send = () => {
      n += 1;
      return chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: `user-${n}` }));
    };

    expect(await outcomes(21, send)).toEqual([...times(20, 'ok'), 'ThrottlingException']);
  });
});

describe('the CLI settings', () => {
  it('enforce the default rates unless told otherwise', () => {
    expect(parseEmulatorConfig({})?.rates).toEqual({});
  });

  it.each([
    [{}, ['--no-rates']],
    [{ CHIME_EMULATOR_RATES: 'off' }, []],
    [{ CHIME_EMULATOR_RATES: 'false' }, []],
  ])('turn the rates off with %j %j', (env, argv) => {
    expect(parseEmulatorConfig(env, argv)?.rates).toBe(false);
  });

  it('take bucket overrides from --rates or CHIME_EMULATOR_RATES, the flag winning', () => {
    expect(
      parseEmulatorConfig({ CHIME_EMULATOR_RATES: 'GetMeeting=1' }, [
        '--rates',
        'GetMeeting=5:7,MeetingManagement=2.5',
      ])?.rates,
    ).toEqual({
      GetMeeting: { ratePerSecond: 5, burst: 7 },
      MeetingManagement: { ratePerSecond: 2.5 },
    });
    expect(parseEmulatorConfig({ CHIME_EMULATOR_RATES: 'ListAttendees=3:4' })?.rates).toEqual({
      ListAttendees: { ratePerSecond: 3, burst: 4 },
    });
  });

  it.each([
    [{ CHIME_EMULATOR_RATES: 'GetMeeting' }, [], 'CHIME_EMULATOR_RATES'],
    [{ CHIME_EMULATOR_RATES: 'constructor=1:1' }, [], 'Unknown rate bucket constructor'],
    [{}, ['--rates', 'GetMeeting=0'], 'ratePerSecond must be a positive number'],
    [{}, ['--no-rates', '--rates', 'GetMeeting=1'], 'not both'],
    [{}, ['--bogus'], "Unknown option '--bogus'"],
    [{ CHIME_EMULATOR_EVENT_TARGET: 'http://example.com/' }, [], 'CHIME_EMULATOR_EVENT_TARGET'],
  ])('fail fast on %j %j, saying what is wrong', (env, argv, message) => {
    expect(() => parseEmulatorConfig(env, argv)).toThrow(message);
  });

  it('read the event target and the port from flags, and --help asks for the usage', () => {
    expect(
      parseEmulatorConfig({}, ['--port', '0', '--event-target', 'http://127.0.0.1:4000/events']),
    ).toMatchObject({ port: 0, eventTarget: 'http://127.0.0.1:4000/events' });
    expect(parseEmulatorConfig({}, ['--help'])).toBeUndefined();
  });
});
