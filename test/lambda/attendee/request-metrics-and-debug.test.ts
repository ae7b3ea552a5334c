import { METRIC_NAMES } from '../../../lambda/attendee/cache/metrics';
import { createContainer } from '../../../lambda/attendee/container';
import { chimeClientFor, createChimeEmulator } from '../../../local/chime-emulator';
import { type DemoSeed, seedDemo } from '../../../local/cli/dev-stack';
import { IdentityProvider } from '../../../local/identity/identity-provider';
import { attendeeEvent, lambdaContext } from '../../helpers/events';
import { capturedLines, linesSince, registerSecret } from '../../helpers/log-capture';
import { testEnv } from '../../helpers/test-api';

const emulator = createChimeEmulator({ rates: false });
const idp = new IdentityProvider();
let endpoint: string;
let seed: DemoSeed;
let alice: string;

beforeAll(async () => {
  endpoint = (await emulator.start()).url;
  await idp.start();
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  seed = await seedDemo(chimeClientFor(endpoint, { maxAttempts: 1 }));
  alice = await idp.mint({ sub: 'alice' });
  registerSecret('alice');
});
afterAll(async () => {
  await emulator.stop();
  await idp.stop();
});

async function run(logLevel: string, cached: boolean) {
  const mark = capturedLines().length;
  const container = createContainer({
    ...testEnv(idp, { CHIME_ENDPOINT: endpoint, LOG_LEVEL: logLevel }),
    ...(cached ? { CACHE_ATTENDEE_TTL_MS: '60000', CACHE_MEETING_TTL_MS: '60000' } : {}),
  });
  await container.warmUp();
  const ask = () =>
    container.handler(
      attendeeEvent({ meetingId: seed.meetingId, attendeeId: seed.attendees.alice, token: alice }),
      lambdaContext(),
    );
  const responses = [await ask(), await ask()];
  const lines = linesSince(mark).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { responses, lines };
}

describe('the request line’s metrics (CloudWatch Embedded Metric Format)', () => {
  it('counts the Chime calls and the cache tier of each request, under the configured namespace', async () => {
    const { responses, lines } = await run('INFO', true);
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200]);
    const requests = lines.filter((line) => line.message === 'request');
    expect(requests).toHaveLength(2);
    const [first, second] = requests as [Record<string, unknown>, Record<string, unknown>];
    expect(first._aws).toMatchObject({
      CloudWatchMetrics: [{ Namespace: 'ChimeAttendeeApi', Dimensions: [[]] }],
    });
    expect(first[METRIC_NAMES.misses]).toBe(1);
    expect(second[METRIC_NAMES.hitsContainer]).toBe(1);
    expect(second).not.toHaveProperty(METRIC_NAMES.GetAttendee);
    expect(
      ((first[METRIC_NAMES.GetAttendee] as number | undefined) ?? 0) +
        ((first[METRIC_NAMES.ListAttendees] as number | undefined) ?? 0),
    ).toBe(1);
  });
});

describe('LOG_LEVEL', () => {
  it('DEBUG logs the configuration at init and one line per Chime call, without secrets', async () => {
    const { lines } = await run('DEBUG', false);
    const configuration = lines.find((line) => line.message === 'configuration');
    expect(configuration).toMatchObject({
      level: 'DEBUG',
      chimeRegion: 'us-east-1',
      issuer: idp.issuer,
      jwks: 'discovery',
      identityClaim: 'sub',
    });
    const calls = lines.filter((line) => line.message === 'chime call');
    expect(calls).toEqual([
      expect.objectContaining({ operation: 'GetAttendeeCommand', status: 200, attempts: 1 }),
      expect.objectContaining({ operation: 'GetAttendeeCommand', status: 200, attempts: 1 }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('JoinToken');
  });

  it('INFO logs neither', async () => {
    const { lines } = await run('INFO', false);
    expect(lines.filter((line) => line.level === 'DEBUG')).toEqual([]);
    expect(lines.filter((line) => line.message === 'request')).toHaveLength(2);
  });
});
