import { parseConfig } from '../../lambda/attendee/config';
import type { DevStack } from '../../local/dev-stack';
import { faultRecipes } from '../../local/fault-recipes';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';
import { attendeePath, bearer, createAttendee, createMeeting, http } from '../security/support';

let stack: DevStack;
let meetingId: string;
let attendeeId: string;
let alice: string;

beforeAll(async () => {
  // A short deadline that leaves room for two of the three attempts, as npm start's defaults do
  // (6 s, 2 s per attempt), in a fraction of the time.
  stack = await startLocalStack({ env: { DEADLINE_MS: '1500', CHIME_REQUEST_TIMEOUT_MS: '600' } });
  meetingId = await createMeeting(stack, 'fault-recipes');
  attendeeId = await createAttendee(stack, meetingId, 'alice');
  alice = registerSecret(await stack.idp.mint({ sub: 'alice' }));
});
afterAll(() => stack.stop());

const getAlice = () =>
  http(stack.apiUrl, attendeePath(meetingId, attendeeId), { headers: bearer(alice) });

function recipesFor(env: Readonly<Record<string, string>>) {
  const config = parseConfig(env);
  return faultRecipes({
    deadlineMs: config.deadlineMs,
    requestTimeoutMs: config.chime.requestTimeoutMs,
    maxAttempts: config.chime.maxAttempts,
    maxRetryAfterMs: config.chime.maxRetryAfterMs,
  });
}

describe('the fault recipes npm start prints', () => {
  it('queue as many hangs as attempts fit the deadline: 2 with npm start’s defaults', () => {
    const hang = recipesFor({
      ...stack.env,
      DEADLINE_MS: '6000',
      CHIME_REQUEST_TIMEOUT_MS: '2000',
    });
    expect(hang.find((r) => r.status === 504)?.rule.count).toBe(2);
  });

  it.each([503, 502, 504] as const)(
    'make the next request answer %i and leave nothing queued for the one after',
    async (status) => {
      const recipe = recipesFor(stack.env).find((r) => r.status === status);
      if (!recipe) throw new Error(`no ${status} recipe`);
      stack.emulator.injectFault(recipe.rule);
      expect((await getAlice()).status).toBe(status);
      expect(stack.emulator.faults()).toEqual([]);
      expect((await getAlice()).status).toBe(200);
    },
  );
});
