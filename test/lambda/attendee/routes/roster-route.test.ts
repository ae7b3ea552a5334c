import { randomUUID } from 'node:crypto';
import {
  BatchCreateAttendeeCommand,
  type ChimeSDKMeetingsClient,
  CreateMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { chimeClientFor } from '../../../../local/chime-emulator';
import type { DevStack } from '../../../../local/cli/dev-stack';
import { startLocalStack } from '../../../helpers/local-stack';
import { registerSecret } from '../../../helpers/log-capture';

/**
 * The participant role and the roster route over real HTTP: the local stack with its table
 * (dynalite) and the emulator. Each test makes its own meeting: the caches see no other test's.
 */
const ORIGIN = 'http://localhost:3003';
let stack: DevStack;
let chime: ChimeSDKMeetingsClient;

beforeAll(async () => {
  stack = await startLocalStack({ sharedCache: true, env: { CACHE_ATTENDEE_TTL_MS: '10000' } });
  chime = chimeClientFor(stack.emulatorUrl, { maxAttempts: 1 });
});
afterAll(async () => {
  chime.destroy();
  await stack.stop();
});

async function get(path: string, token: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    headers: { origin: ORIGIN, authorization: `Bearer ${token}` },
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON bodies.
  const body = text ? (JSON.parse(text) as Record<string, any>) : undefined;
  return { status: response.status, headers: response.headers, body };
}

/** A meeting with one attendee per user (ExternalUserId = the user's `sub`). */
async function meetingOf(...users: string[]) {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: randomUUID() }),
  );
  const meetingId = Meeting?.MeetingId as string;
  const { Attendees } = await chime.send(
    new BatchCreateAttendeeCommand({
      MeetingId: meetingId,
      Attendees: users.map((user) => ({ ExternalUserId: user })),
    }),
  );
  const ids: Record<string, string> = {};
  for (const attendee of Attendees ?? []) {
    registerSecret(attendee.JoinToken as string);
    ids[attendee.ExternalUserId as string] = attendee.AttendeeId as string;
  }
  return { meetingId, ids };
}

const user = (sub: string, name?: string) => stack.idp.mint({ sub, ...(name ? { name } : {}) });
const roster = (meetingId: string) => `/meetings/${meetingId}/roster`;
const attendee = (meetingId: string, attendeeId: string, as?: string) =>
  `/meetings/${meetingId}/attendees/${attendeeId}${as ? `?as=${as}` : ''}`;

describe('the roster route', () => {
  it('gives a participant every attendee with the names their owners checked in with, never a JoinToken', async () => {
    const { meetingId, ids } = await meetingOf('ada-1', 'grace-1', 'alan-1');
    const ada = await user('ada-1', 'Ada Lovelace');
    const grace = await user('grace-1', 'Grace Hopper');
    expect(
      (await get(`${attendee(meetingId, ids['ada-1'] as string)}/join-info`, ada)).status,
    ).toBe(200);
    const { status, headers, body } = await get(roster(meetingId), grace);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('content-type')).toBe('application/json');
    const byId = new Map(
      body?.Attendees.map((entry: { AttendeeId: string }) => [entry.AttendeeId, entry]),
    );
    expect(byId.size).toBe(3);
    expect(byId.get(ids['ada-1'])).toEqual({
      AttendeeId: ids['ada-1'],
      ExternalUserId: 'ada-1',
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      Name: 'Ada Lovelace',
    });
    // The caller checked in with the roster itself; alan never did.
    expect(byId.get(ids['grace-1'])).toMatchObject({ Name: 'Grace Hopper' });
    expect(byId.get(ids['alan-1'])).not.toHaveProperty('Name');
    expect(JSON.stringify(body)).not.toContain('JoinToken');
  });

  it('answers a stranger the same 404 as a meeting that does not exist', async () => {
    const { meetingId } = await meetingOf('ada-2', 'grace-2');
    const stranger = await user('mallory');
    const refused = await get(roster(meetingId), stranger);
    const missing = await get(roster(randomUUID()), stranger);
    expect(refused.status).toBe(404);
    expect(missing.status).toBe(404);
    expect({ ...refused.body, requestId: undefined }).toEqual({
      ...missing.body,
      requestId: undefined,
    });
  });

  it('gives a moderator the roster without owning an attendee', async () => {
    const { meetingId } = await meetingOf('ada-3', 'grace-3');
    const moderator = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
    const { status, body } = await get(roster(meetingId), moderator);
    expect(status).toBe(200);
    expect(body?.Attendees).toHaveLength(2);
  });

  it('refuses a meeting id that is not a GUID before anything else', async () => {
    const { status, body } = await get('/meetings/not-a-guid/roster', await user('ada'));
    expect(status).toBe(400);
    expect(body?.code).toBe('invalid_id');
  });
});

describe('the attendee route for a participant (?as=)', () => {
  it('gives a participant another attendee with its name and no JoinToken', async () => {
    const { meetingId, ids } = await meetingOf('ada-4', 'grace-4');
    const ada = await user('ada-4', 'Ada Lovelace');
    expect((await get(attendee(meetingId, ids['ada-4'] as string), ada)).status).toBe(200);
    const grace = await user('grace-4');
    const { status, body } = await get(
      attendee(meetingId, ids['ada-4'] as string, ids['grace-4']),
      grace,
    );
    expect(status).toBe(200);
    expect(body?.Attendee).toEqual({
      AttendeeId: ids['ada-4'],
      ExternalUserId: 'ada-4',
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      Name: 'Ada Lovelace',
    });
  });

  it('answers 404 without ?as=, or when ?as= names an attendee the caller does not own', async () => {
    const { meetingId, ids } = await meetingOf('ada-5', 'grace-5');
    const grace = await user('grace-5');
    const ada = ids['ada-5'] as string;
    expect((await get(attendee(meetingId, ada), grace)).status).toBe(404);
    expect((await get(attendee(meetingId, ada, ada), grace)).status).toBe(404);
    const elsewhere = await meetingOf('grace-5');
    expect((await get(attendee(meetingId, ada, elsewhere.ids['grace-5']), grace)).status).toBe(404);
  });

  it('refuses an ?as= that is not a GUID', async () => {
    const { meetingId, ids } = await meetingOf('ada-6');
    const { status, body } = await get(
      attendee(meetingId, ids['ada-6'] as string, 'nope'),
      await user('ada-6'),
    );
    expect(status).toBe(400);
    expect(body?.code).toBe('invalid_id');
  });
});

describe('with PARTICIPANT_ROLE=off', () => {
  let off: DevStack;
  beforeAll(async () => {
    off = await startLocalStack({ env: { PARTICIPANT_ROLE: 'off' } });
  });
  afterAll(() => off.stop());

  it('answers participants 404 on the roster and on other attendees; moderators keep theirs', async () => {
    const client = chimeClientFor(off.emulatorUrl, { maxAttempts: 1 });
    const { Meeting } = await client.send(
      new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: randomUUID() }),
    );
    const meetingId = Meeting?.MeetingId as string;
    const { Attendees } = await client.send(
      new BatchCreateAttendeeCommand({
        MeetingId: meetingId,
        Attendees: [{ ExternalUserId: 'ada' }, { ExternalUserId: 'grace' }],
      }),
    );
    client.destroy();
    const [ada, grace] = (Attendees ?? []).map((a) => a.AttendeeId as string) as [string, string];
    const call = async (path: string, token: string) =>
      (await fetch(`${off.apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }))
        .status;
    const graceToken = await off.idp.mint({ sub: 'grace' });
    expect(await call(roster(meetingId), graceToken)).toBe(404);
    expect(await call(attendee(meetingId, ada, grace), graceToken)).toBe(404);
    const moderator = await off.idp.mint({ sub: 'maria', groups: ['moderators'] });
    expect(await call(roster(meetingId), moderator)).toBe(200);
  });
});
