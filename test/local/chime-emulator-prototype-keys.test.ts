import {
  createChimeEmulator,
  InvalidFaultError,
  InvalidRatesError,
  InvalidSeedError,
  type RateOverrides,
} from '../../local/chime-emulator';
import { parseEmulatorConfig } from '../../local/chime-emulator/config';

/**
 * Names that a lookup on a plain object would find on its prototype (`constructor`,
 * `toString`, `__proto__`, …). Fed as operation, fault, error, bucket, option and route names,
 * each must get a clean 4xx, never a 500, a crash or a queued rule.
 */
const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

const lines: string[] = [];
// Rates off so that a 429 cannot stand in for the answer under test.
const emulator = createChimeEmulator({ rates: false, logger: (line) => lines.push(line) });
let url: string;
let meetingId: string;

beforeAll(async () => {
  ({ url } = await emulator.start());
});
beforeEach(() => {
  const [meeting] = emulator.seed({ meetings: 1, attendeesPerMeeting: 1 });
  meetingId = meeting?.MeetingId as string;
});
afterEach(() => {
  emulator.reset();
  lines.length = 0;
});
afterAll(() => emulator.stop());

/** JSON with `name` as an own key, `__proto__` included (an object literal would set the prototype). */
const withKey = (name: string, value: unknown, rest: Record<string, unknown> = {}) => {
  const object: Record<string, unknown> = { ...rest };
  Object.defineProperty(object, name, { value, enumerable: true });
  return JSON.stringify(object);
};

const send = async (method: string, path: string, body?: string) => {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype') };
};

afterEach(async () => {
  // Whatever was sent, the emulator is still serving and logged no internal error.
  expect((await fetch(`${url}/_emulator/health`)).status).toBe(200);
  expect(lines.filter((line) => /internal error|request failed/.test(line))).toEqual([]);
});

describe.each(NAMES)('the name %s', (name) => {
  const segment = encodeURIComponent(name);

  it('is refused as a fault operation, error name, fault type or match key', async () => {
    const rules = [
      { operation: name, fault: { type: 'error', name: 'ThrottlingException' } },
      { operation: 'GetMeeting', fault: { type: 'error', name } },
      { operation: '*', fault: { type: name } },
    ].map((rule) => JSON.stringify(rule));
    rules.push(
      JSON.stringify({
        operation: '*',
        match: JSON.parse(withKey(name, 'x')),
        fault: { type: 'reset' },
      }),
      withKey(name, 'x', { operation: 'GetMeeting' }),
    );

    for (const rule of rules) {
      expect(await send('POST', '/_emulator/faults', rule)).toMatchObject({ status: 400 });
    }
    expect(emulator.faults()).toEqual([]);
    expect(() =>
      emulator.injectFault({ operation: name as 'GetMeeting', fault: { type: 'reset' } }),
    ).toThrow(InvalidFaultError);
  });

  it('is refused as a rate bucket, a bucket member or a rates key', async () => {
    for (const body of [
      JSON.stringify({ buckets: JSON.parse(withKey(name, { burst: 1 })) }),
      JSON.stringify({ buckets: { GetMeeting: JSON.parse(withKey(name, 1)) } }),
      withKey(name, true),
    ]) {
      expect(await send('PUT', '/_emulator/rates', body)).toMatchObject({ status: 400 });
    }
    expect(() =>
      createChimeEmulator({ rates: JSON.parse(withKey(name, { burst: 1 })) as RateOverrides }),
    ).toThrow(InvalidRatesError);
    expect(() => parseEmulatorConfig({ CHIME_EMULATOR_RATES: `${name}=1:1` })).toThrow(
      'CHIME_EMULATOR_RATES',
    );
  });

  it('is refused as a seed option', async () => {
    const body = withKey(name, 1, { meetings: 1, attendeesPerMeeting: 1 });

    expect(await send('POST', '/_emulator/seed', body)).toMatchObject({ status: 400 });
    expect(() => emulator.seed(JSON.parse(body))).toThrow(InvalidSeedError);
  });

  it('finds no admin endpoint, fault, meeting or event target', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      expect(await send(method, `/_emulator/${segment}`)).toMatchObject({ status: 404 });
    }
    expect(await send('DELETE', `/_emulator/faults/${segment}`)).toMatchObject({ status: 404 });
    expect(await send('DELETE', `/_emulator/meetings/${segment}`)).toMatchObject({ status: 400 });
    expect(
      await send('DELETE', `/_emulator/meetings/${meetingId}/attendees/${segment}`),
    ).toMatchObject({ status: 400 });
    expect(
      await send('PUT', '/_emulator/events/target', JSON.stringify({ url: name })),
    ).toMatchObject({ status: 400 });
  });

  it('routes to no service operation', async () => {
    for (const [method, path] of [
      ['GET', `/${segment}`],
      ['POST', `/meetings?operation=${segment}`],
      ['POST', `/meetings/${meetingId}/attendees?operation=${segment}`],
      ['GET', `/meetings/${meetingId}/${segment}`],
    ] as const) {
      expect(await send(method, path)).toEqual({
        status: 404,
        errorType: 'UnknownOperationException',
      });
    }
  });

  it('is a bad request as a meeting id, attendee id, media Region, capability or page token', async () => {
    const badRequest = { status: 400, errorType: 'BadRequestException' };
    expect(await send('GET', `/meetings/${segment}`)).toEqual(badRequest);
    expect(await send('GET', `/meetings/${meetingId}/attendees/${segment}`)).toEqual(badRequest);
    expect(
      await send(
        'POST',
        '/meetings',
        JSON.stringify({
          ClientRequestToken: 'token-1',
          ExternalMeetingId: 'room',
          MediaRegion: name,
        }),
      ),
    ).toEqual(badRequest);
    expect(
      await send(
        'POST',
        `/meetings/${meetingId}/attendees`,
        JSON.stringify({
          ExternalUserId: 'alice',
          Capabilities: { Audio: name, Video: 'None', Content: 'None' },
        }),
      ),
    ).toEqual(badRequest);
    expect(await send('GET', `/meetings/${meetingId}/attendees?max-results=${segment}`)).toEqual(
      badRequest,
    );
    expect(await send('GET', `/meetings/${meetingId}/attendees?next-token=${segment}`)).toEqual(
      badRequest,
    );
  });
});
