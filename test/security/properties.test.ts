/**
 * Properties of the whole chain, with fast-check over what a caller controls: path segments,
 * headers, the Authorization value and the claims of a validly signed token. Run in process
 * (real Middy chain, real verifier, Chime mocked) for speed; a fixed seed makes a failure
 * reproducible, and fast-check prints it with the counterexample (override with FC_SEED).
 */
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { GUID } from '../../lambda/common/ids';
import { registerSecret } from '../helpers/log-capture';
import { ALLOWED_ORIGIN, bodyOf, headersOf, startTestApi, type TestApi } from '../helpers/test-api';
import { attendeeOutput, CONTRACT_STATUSES } from './support';

const SEED = Number(process.env.FC_SEED ?? 20_261_125);
const RUNS = Number(process.env.FC_RUNS ?? 200);
const settings = { seed: SEED, numRuns: RUNS };

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '3e9a1c7b-2d4f-4a6e-8b1c-0f2e3d4c5b6a';
const ATTENDEE = '8c7b6a5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d';
const JOIN_TOKEN = registerSecret(`${'UHJvcGVydHlUb2tlbg'.repeat(9)}+/x`);

/** ExternalUserIds near each other, all registered: the log scan looks for every one. */
const EXTERNAL_USER_IDS = [
  'alice',
  'alice2',
  'Alice',
  'alice#laptop',
  'alice#',
  'bob#alice',
  'xalice',
  '\u0430lice',
  'alice ',
  '#alice',
  'mallory',
].map(registerSecret);

let api: TestApi;
let hashApi: TestApi;
let owner: string;
let externalUserId = 'alice';

beforeAll(async () => {
  api = await startTestApi();
  hashApi = await startTestApi({ OWNER_SEPARATOR: '#' }, api.idp);
  owner = await api.idp.mint({ sub: 'alice' });
});
afterAll(async () => {
  await hashApi.stop();
  await api.stop();
});
beforeEach(() => {
  chime.reset();
  externalUserId = 'alice';
  chime
    .on(GetAttendeeCommand)
    .callsFake((input) => attendeeOutput(input.AttendeeId as string, externalUserId, JOIN_TOKEN));
});

/** What holds for every answer, whatever the input. */
function expectContract(response: APIGatewayProxyStructuredResultV2) {
  const headers = headersOf(response);
  expect(CONTRACT_STATUSES).toContain(response.statusCode);
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['x-content-type-options']).toBe('nosniff');
  const allowed = headers['access-control-allow-origin'];
  expect(allowed === undefined || allowed === ALLOWED_ORIGIN).toBe(true);
}

const idSegment = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => `${id}${'\n'}`),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.stringMatching(/^[0-9a-fA-F-]{30,40}$/),
  fc.constantFrom('', '.', '..', '../..', '%2F', '%2e%2e', '\u0000', ' ', '\u200b'),
);

describe('properties', () => {
  it('[A1][A2][A4][A12] answers any meetingId and attendeeId in contract: 400 unless both are GUIDs, Chime called only then', async () => {
    await fc.assert(
      fc.asyncProperty(idSegment, idSegment, async (meetingId, attendeeId) => {
        chime.resetHistory();
        const response = await api.call({
          meetingId,
          attendeeId,
          token: owner,
          origin: ALLOWED_ORIGIN,
        });
        expectContract(response);
        const valid = GUID.test(meetingId) && GUID.test(attendeeId);
        expect(response.statusCode).toBe(valid ? 200 : 400);
        const calls = chime.commandCalls(GetAttendeeCommand).map((c) => c.args[0].input);
        expect(calls).toEqual(
          valid
            ? [{ MeetingId: meetingId.toLowerCase(), AttendeeId: attendeeId.toLowerCase() }]
            : [],
        );
      }),
      settings,
    );
  });

  it('[B2][B3][B4][B5][B9] answers any Authorization value 401, or 200 only for the genuine token', async () => {
    const [header, payload, signature] = owner.split('.') as [string, string, string];
    const flipped = (text: string, index: number) =>
      `${text.slice(0, index)}${text[index] === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;
    const authorization = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
      fc.base64String({ maxLength: 400 }).map((s) => `Bearer ${s}`),
      fc
        .tuple(fc.base64String(), fc.base64String(), fc.base64String())
        .map((parts) => `Bearer ${parts.join('.')}`),
      fc.nat({ max: owner.length - 1 }).map((i) => `Bearer ${flipped(owner, i)}`),
      fc.constantFrom(
        `Basic ${owner}`,
        `Bearer ${owner}x`,
        `Bearer ${header}.${payload}.`,
        `Bearer ${payload}.${header}.${signature}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(authorization, async (value) => {
        const response = await api.call({
          meetingId: MEETING,
          attendeeId: ATTENDEE,
          authorization: value,
        });
        expectContract(response);
        expect([200, 401]).toContain(response.statusCode);
        if (response.statusCode === 200) {
          // Only the genuine header and payload verify (a flip in the signature's unused last bits may).
          expect(value).toContain(`${header}.${payload}.`);
        }
      }),
      settings,
    );
  });

  const reserved = new Set([
    'iss',
    'aud',
    'exp',
    'nbf',
    'iat',
    'sub',
    'jti',
    'token_use',
    'client_id',
  ]);
  const claims = fc.record({
    sub: fc.oneof(
      fc.constantFrom(...EXTERNAL_USER_IDS, '', '#', 'alice#laptop#2'),
      fc.string({ maxLength: 20 }),
    ),
    groups: fc.option(
      fc.oneof(
        fc.array(fc.constantFrom('moderators', 'Moderators', 'moderators-x', 'admins')),
        fc.constantFrom(
          '[moderators]',
          '[notmoderators]',
          '["moderators"]',
          'moderators',
          '[admins moderators]',
        ),
        fc.string({ maxLength: 20 }),
      ),
      { nil: undefined },
    ),
    extra: fc.dictionary(
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((key) => !reserved.has(key) && key !== 'cognito:groups'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 },
    ),
    externalUserId: fc.constantFrom(...EXTERNAL_USER_IDS),
    separator: fc.boolean(),
  });

  it('[C2][C5][C10][C11][F9] never lets a JoinToken reach anyone but its owner, whatever the claims', async () => {
    let notFound: unknown;
    await fc.assert(
      fc.asyncProperty(claims, async ({ sub, groups, extra, externalUserId: euid, separator }) => {
        externalUserId = euid;
        const target = separator ? hashApi : api;
        const token = await api.idp.mint({
          sub,
          claims: { ...extra, ...(groups === undefined ? {} : { 'cognito:groups': groups }) },
        });
        const response = await target.call({ meetingId: MEETING, attendeeId: ATTENDEE, token });
        expectContract(response);
        const owns = sub !== '' && (euid === sub || (separator && euid.startsWith(`${sub}#`)));
        const body = bodyOf(response) as { Attendee?: Record<string, unknown>; requestId?: string };
        if (owns) {
          expect(response.statusCode).toBe(200);
          expect(body.Attendee?.JoinToken).toBe(JOIN_TOKEN);
        } else {
          expect([200, 404]).toContain(response.statusCode);
          expect(response.body).not.toContain(JOIN_TOKEN);
          if (response.statusCode === 200) {
            expect(Object.keys(body.Attendee ?? {}).sort()).toEqual([
              'AttendeeId',
              'Capabilities',
              'ExternalUserId',
            ]);
          } else {
            const { requestId: _r, ...rest } = body;
            notFound ??= rest;
            expect(rest).toEqual(notFound);
          }
        }
      }),
      settings,
    );
  });

  it('[F1][F3][F7] answers with no-store and never a foreign CORS origin, whatever extra headers come along', async () => {
    const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/);
    const headerValue = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.constantFrom(
        '*',
        'null',
        'https://evil.example.com',
        ALLOWED_ORIGIN,
        `${ALLOWED_ORIGIN}.evil.com`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(headerName, headerValue, { maxKeys: 8 }), async (headers) => {
        const response = await api.call({
          meetingId: MEETING,
          attendeeId: ATTENDEE,
          token: owner,
          headers,
        });
        expectContract(response);
        expect(headersOf(response)['access-control-allow-origin']).not.toBe('*');
        if (headers.authorization === undefined) expect(response.statusCode).toBe(200);
      }),
      settings,
    );
  });
});
