import { randomUUID } from 'node:crypto';
import type { DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';

const BUDGET = 4;

/** The caches on, as deployed (both tiers), and a small caller budget. */
let stack: DevStack;
beforeAll(async () => {
  stack = await startLocalStack({
    sharedCache: true,
    env: {
      CACHE_ATTENDEE_TTL_MS: '10000',
      CACHE_MEETING_TTL_MS: '10000',
      CALLER_BUDGET_PER_MINUTE: String(BUDGET),
      IDENTITY_CLAIM: 'email',
    },
  });
});
afterAll(() => stack.stop());

const ask = async (token: string, meetingId: string, attendeeId: string) =>
  (
    await fetch(`${stack.apiUrl}/meetings/${meetingId}/attendees/${attendeeId}`, {
      headers: { authorization: `Bearer ${token}` },
    })
  ).status;

/** The statuses of asking until the first 429 (bounded). */
const untilRefused = async (token: string, meetingId: string, attendeeId: string) => {
  const statuses: number[] = [];
  for (let i = 0; i < 3 * BUDGET && statuses.at(-1) !== 429; i += 1) {
    statuses.push(await ask(token, meetingId, attendeeId));
  }
  return statuses;
};

describe('the caller budget', () => {
  it('refuses a stranger after the same number of 404s for a cached attendee as for a missing one', async () => {
    const demo = await stack.seedDemo();
    const maria = await stack.idp.mint({ sub: 'maria', moderator: true });
    // A moderator's reads put the attendee in both tiers.
    expect(await ask(maria, demo.meetingId, demo.attendees.alice)).toBe(200);
    expect(await ask(maria, demo.meetingId, demo.attendees.alice)).toBe(200);

    const cached = await untilRefused(
      await stack.idp.mint({ sub: `mallory-${randomUUID()}`, email: 'm@example.com' }),
      demo.meetingId,
      demo.attendees.alice,
    );
    const missing = await untilRefused(
      await stack.idp.mint({ sub: `eve-${randomUUID()}`, email: 'e@example.com' }),
      demo.meetingId,
      randomUUID(),
    );

    expect(cached).toEqual([...Array.from({ length: BUDGET }, () => 404), 429]);
    expect(missing).toEqual(cached);
  });

  it('keys on issuer and sub, never the identity claim: an unverified copy of an email spends only its own bucket', async () => {
    const demo = await stack.seedDemo();
    const impostor = await stack.idp.mint({
      sub: `mallory-${randomUUID()}`,
      email: 'alice@example.com',
      emailVerified: false,
    });
    expect((await untilRefused(impostor, demo.meetingId, demo.attendees.bob)).at(-1)).toBe(429);

    // The verified owner of that address still has her whole budget.
    const alice = await stack.idp.mint({ sub: 'alice', email: 'alice@example.com' });
    expect(await ask(alice, demo.meetingId, demo.attendees.bob)).toBe(404);
  });
});
