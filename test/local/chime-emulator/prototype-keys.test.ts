import { createChimeEmulator } from '../../../local/chime-emulator';
import { parseEmulatorConfig } from '../../../local/chime-emulator/config';
import { InvalidFaultError } from '../../../local/chime-emulator/faults';
import { InvalidRatesError, type RateOverrides } from '../../../local/chime-emulator/rate-limits';
import { InvalidSeedError } from '../../../local/chime-emulator/seed';
import { useEmulator } from '../../helpers/chime-emulator';

/**
 * Names that a lookup on a plain object would find on its prototype (`constructor`,
 * `toString`, `__proto__`, …). Fed as operation, fault, error, bucket, option and route names,
 * each must get a clean 4xx, never a 500, a crash or a queued rule.
 */
const NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

// Rates off so that a 429 cannot stand in for the answer under test.
const t = useEmulator({ rates: false });
let meetingId: string;

beforeEach(async () => {
  ({ MeetingId: meetingId } = await t.meeting());
});

afterEach(async () => {
  // Whatever was sent, the emulator is still serving and logged no internal error.
  expect((await t.admin('/health')).status).toBe(200);
  expect(t.lines.filter((line) => /internal error|request failed/.test(line))).toEqual([]);
});

/** JSON with `name` as an own key, `__proto__` included (an object literal would set the prototype). */
const withKey = (name: string, value: unknown, rest: Record<string, unknown> = {}) =>
  JSON.stringify(Object.defineProperty({ ...rest }, name, { value, enumerable: true }));

const send = async (method: string, path: string, body?: string) => {
  const response = await fetch(`${t.url}${path}`, { method, ...(body !== undefined && { body }) });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype') };
};

const statusesOf = (requests: readonly (readonly [string, string, string?])[]) =>
  Promise.all(
    requests.map(async ([method, path, body]) => (await send(method, path, body)).status),
  );

describe.each(NAMES)('the name %s', (name) => {
  const segment = encodeURIComponent(name);

  it('is refused as a fault operation, error name, fault type or match key, a rate bucket, member or key, and a seed option', async () => {
    const faults = [
      { operation: name, fault: { type: 'error', name: 'ThrottlingException' } },
      { operation: 'GetMeeting', fault: { type: 'error', name } },
      { operation: '*', fault: { type: name } },
      { operation: '*', match: JSON.parse(withKey(name, 'x')), fault: { type: 'reset' } },
    ].map((rule) => JSON.stringify(rule));
    const rates = [
      JSON.stringify({ buckets: JSON.parse(withKey(name, { burst: 1 })) }),
      JSON.stringify({ buckets: { GetMeeting: JSON.parse(withKey(name, 1)) } }),
      withKey(name, true),
    ];
    const seed = withKey(name, 1, { meetings: 1, attendeesPerMeeting: 1 });

    expect(
      await statusesOf([
        ...[...faults, withKey(name, 'x', { operation: 'GetMeeting' })].map(
          (body) => ['POST', '/_emulator/faults', body] as const,
        ),
        ...rates.map((body) => ['PUT', '/_emulator/rates', body] as const),
        ['POST', '/_emulator/seed', seed],
      ]),
    ).toEqual(Array(9).fill(400));
    expect(t.emulator.faults()).toEqual([]);
    expect(() =>
      t.emulator.injectFault({ operation: name as 'GetMeeting', fault: { type: 'reset' } }),
    ).toThrow(InvalidFaultError);
    expect(() =>
      createChimeEmulator({ rates: JSON.parse(withKey(name, { burst: 1 })) as RateOverrides }),
    ).toThrow(InvalidRatesError);
    expect(() => parseEmulatorConfig({ CHIME_EMULATOR_RATES: `${name}=1:1` })).toThrow(
      'CHIME_EMULATOR_RATES',
    );
    expect(() => t.emulator.seed(JSON.parse(seed))).toThrow(InvalidSeedError);
  });

  it('finds no admin endpoint, fault, meeting or event target, and routes to no operation', async () => {
    expect(
      await statusesOf([
        ...['GET', 'POST', 'PUT', 'DELETE'].map(
          (method) => [method, `/_emulator/${segment}`] as const,
        ),
        ['DELETE', `/_emulator/faults/${segment}`],
      ]),
    ).toEqual(Array(5).fill(404));
    expect(
      await statusesOf([
        ['DELETE', `/_emulator/meetings/${segment}`],
        ['DELETE', `/_emulator/meetings/${meetingId}/attendees/${segment}`],
        ['PUT', '/_emulator/events/target', JSON.stringify({ url: name })],
      ]),
    ).toEqual(Array(3).fill(400));
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
    const meeting = { ClientRequestToken: 'token-1', ExternalMeetingId: 'room', MediaRegion: name };
    const attendee = {
      ExternalUserId: 'alice',
      Capabilities: { Audio: name, Video: 'None', Content: 'None' },
    };
    for (const [method, path, body] of [
      ['GET', `/meetings/${segment}`],
      ['GET', `/meetings/${meetingId}/attendees/${segment}`],
      ['POST', '/meetings', JSON.stringify(meeting)],
      ['POST', `/meetings/${meetingId}/attendees`, JSON.stringify(attendee)],
      ['GET', `/meetings/${meetingId}/attendees?max-results=${segment}`],
      ['GET', `/meetings/${meetingId}/attendees?next-token=${segment}`],
    ] as const) {
      expect(await send(method, path, body)).toEqual({
        status: 400,
        errorType: 'BadRequestException',
      });
    }
  });
});
