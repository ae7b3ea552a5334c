import { parseConfig } from '../../lambda/attendee/config';
import { FUNCTION_SETTINGS } from '../../lambda/attendee/function-settings';
import type { DevStack } from '../../local/dev-stack';
import { type FaultRecipe, faultRecipes } from '../../local/fault-recipes';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';
import { attendeePath, bearer, createAttendee, createMeeting, http } from '../security/support';

const S = FUNCTION_SETTINGS;
/** npm start's caches (the contract's defaults), on a short deadline with room for two attempts. */
const NPM_START_CACHES = {
  [S.cacheAttendeeTtlMs.env]: String(S.cacheAttendeeTtlMs.default),
  [S.cacheMeetingTtlMs.env]: String(S.cacheMeetingTtlMs.default),
  DEADLINE_MS: '1500',
  CHIME_REQUEST_TIMEOUT_MS: '600',
};

function recipesFor(stack: DevStack, meetings: Record<FaultRecipe['status'], string>) {
  const config = parseConfig(stack.env);
  return faultRecipes(
    {
      deadlineMs: config.deadlineMs,
      requestTimeoutMs: config.chime.requestTimeoutMs,
      maxAttempts: config.chime.maxAttempts,
      maxRetryAfterMs: config.chime.maxRetryAfterMs,
      sharedCache: config.cache.tableName !== undefined,
    },
    meetings,
  );
}

describe.each([
  ['with the shared table, as npm start runs', true],
  ['with the container cache only (--no-shared-cache)', false],
])('the fault recipes npm start prints, %s', (_name, sharedCache) => {
  let stack: DevStack;
  let alice: string;

  beforeAll(async () => {
    stack = await startLocalStack({ sharedCache, env: NPM_START_CACHES });
    alice = registerSecret(await stack.idp.mint({ sub: 'alice' }));
  });
  afterAll(() => stack.stop());

  it('queue as many hangs as attempts fit the deadline: 2 with npm start’s defaults', () => {
    const config = parseConfig({
      ...stack.env,
      DEADLINE_MS: '6000',
      CHIME_REQUEST_TIMEOUT_MS: '2000',
    });
    const [hang] = faultRecipes(
      {
        deadlineMs: config.deadlineMs,
        requestTimeoutMs: config.chime.requestTimeoutMs,
        maxAttempts: config.chime.maxAttempts,
        maxRetryAfterMs: config.chime.maxRetryAfterMs,
        sharedCache,
      },
      { 503: 'm', 502: 'm', 504: 'm' },
    ).filter((r) => r.status === 504);
    expect(hang?.rule.count).toBe(sharedCache ? 5 : 2);
  });

  it.each([503, 502, 504] as const)(
    'make the next request for its own meeting answer %i and leave nothing queued for the one after',
    async (status) => {
      const meetingId = await createMeeting(stack, `fault-recipe-${status}`);
      const attendeeId = await createAttendee(stack, meetingId, 'alice');
      const recipe = recipesFor(stack, { 503: meetingId, 502: meetingId, 504: meetingId }).find(
        (r) => r.status === status,
      );
      if (!recipe) throw new Error(`no ${status} recipe`);
      const getAlice = () =>
        http(stack.apiUrl, attendeePath(meetingId, attendeeId), { headers: bearer(alice) });
      stack.emulator.injectFault(recipe.rule);
      expect((await getAlice()).status).toBe(status);
      expect(stack.emulator.faults()).toEqual([]);
      expect((await getAlice()).status).toBe(200);
    },
  );
});
