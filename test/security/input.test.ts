/**
 * Matrix group A: bad input over real HTTP, through the local HTTP API stand-in, the real Middy
 * chain and the Chime emulator. Whatever the path, method or headers: never a 5xx, never a
 * Chime call for a request that cannot be valid.
 */
import type { DevStack } from '../../local/cli/dev-stack';
import { startLocalStack } from '../helpers/local-stack';
import { capturedLines } from '../helpers/log-capture';
import {
  attendeePath,
  bearer,
  comparable,
  createAttendee,
  createMeeting,
  getAttendeeCalls,
  type HttpResponse,
  http,
  LOCAL_ORIGIN,
  rawHttp,
  requestLogLines,
} from './support';

let stack: DevStack;
let meetingId: string;
let aliceAttendee: string;
let bobAttendee: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startLocalStack();
  meetingId = await createMeeting(stack, 'input-validation');
  aliceAttendee = await createAttendee(stack, meetingId, 'alice');
  bobAttendee = await createAttendee(stack, meetingId, 'bob');
  tokens.alice = await stack.idp.mint({ sub: 'alice' });
  tokens.mallory = await stack.idp.mint({ sub: 'mallory' });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  http(stack.apiUrl, path, {
    method,
    headers: { origin: LOCAL_ORIGIN, ...bearer(tokens.alice as string), ...headers },
  });

function expectInvalidId(response: HttpResponse) {
  expect(response.status).toBe(400);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.body).toMatchObject({ status: 400, code: 'invalid_id' });
}

function expectGatewayNotFound(response: HttpResponse) {
  expect(response.status).toBe(404);
  expect(response.body).toEqual({ message: 'Not Found' });
}

const GUID_LIKE_BUT_NOT = [
  ['a short word', 'abc'],
  ['a GUID with non-hex letters', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'],
  ['a GUID one character too long', '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f0'],
  ['a GUID without dashes', '2c8f9d5c3f6e4b8a9f2d1a2b3c4d5e6f'],
  ['a GUID in braces', '%7B2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f%7D'],
  ['a URL-encoded GUID with an encoded dash', '2c8f9d5c%2D3f6e-4b8a-9f2d-1a2b3c4d5e6f%2D'],
  ['unicode (é)', '%C3%A9'],
  ['full-width digits', encodeURIComponent('２c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f')],
  ['a Cyrillic а inside a GUID', encodeURIComponent('2c8f9d5c-3f6e-4b8а-9f2d-1a2b3c4d5e6f')],
  [
    'a zero-width space inside a GUID',
    encodeURIComponent('2c8f9d5c-3f6e\u200b-4b8a-9f2d-1a2b3c4d'),
  ],
  ['an emoji', encodeURIComponent('😀')],
] as const;

describe('path IDs', () => {
  it.each(GUID_LIKE_BUT_NOT)(
    '[A1] answers 400 problem+json for a meetingId that is %s, never calling Chime',
    async (_name, meetingSegment) => {
      const response = await get(attendeePath(meetingSegment, aliceAttendee));
      expectInvalidId(response);
      expect(getAttendeeCalls(stack)).toEqual([]);
    },
  );

  it.each(GUID_LIKE_BUT_NOT)(
    '[A2] answers 400 problem+json for an attendeeId that is %s, never calling Chime',
    async (_name, attendeeSegment) => {
      const response = await get(attendeePath(meetingId, attendeeSegment));
      expectInvalidId(response);
      expect(getAttendeeCalls(stack)).toEqual([]);
    },
  );

  it('[A1][A2][A7] answers an empty ID with the gateway 404, without invoking the function', async () => {
    const mark = capturedLines().length;
    expectGatewayNotFound(await get(attendeePath('', aliceAttendee)));
    expectGatewayNotFound(await get(attendeePath(meetingId, '')));
    expect(requestLogLines(mark)).toEqual([]);
    expect(getAttendeeCalls(stack)).toEqual([]);
  });

  it('[A3] serves upper- and mixed-case GUIDs, calling Chime with the lower-case IDs', async () => {
    const mixed = (id: string) =>
      [...id].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
    for (const [m, a] of [
      [meetingId.toUpperCase(), aliceAttendee.toUpperCase()],
      [mixed(meetingId), mixed(aliceAttendee)],
    ] as const) {
      const response = await get(attendeePath(m, a));
      expect(response.status).toBe(200);
      expect(response.body.Attendee.AttendeeId).toBe(aliceAttendee);
    }
    expect(getAttendeeCalls(stack).map((c) => [c.meetingId, c.attendeeId])).toEqual([
      [meetingId, aliceAttendee],
      [meetingId, aliceAttendee],
    ]);
  });

  it.each([
    ['a trailing space', '%20'],
    ['a trailing newline', '%0A'],
    ['a trailing CRLF', '%0D%0A'],
    ['a trailing tab', '%09'],
    ['a trailing NUL', '%00'],
    ['a trailing letter', 'a'],
    ['a trailing dot', '.'],
    ['an appended query-like suffix', '%3Fx%3D1'],
  ])('[A4] answers 400 for a valid GUID followed by %s', async (_name, suffix) => {
    expectInvalidId(await get(attendeePath(meetingId, `${aliceAttendee}${suffix}`)));
    expectInvalidId(await get(attendeePath(`${meetingId}${suffix}`, aliceAttendee)));
    expectInvalidId(await get(attendeePath(`%20${meetingId}`, aliceAttendee)));
    expect(getAttendeeCalls(stack)).toEqual([]);
  });

  it.each([
    ['an encoded traversal to another attendee', `..%2F..%2Fattendees%2F${'BOB'}`],
    ['a dot-dot segment', '..'],
    ['an encoded dot-dot', '%2e%2e'],
    ['an upper-case encoded dot-dot slash', '%2E%2E%2F'],
    ['an encoded slash after the GUID', `${'ALICE'}%2F..%2F${'BOB'}`],
    ['an encoded backslash', `${'ALICE'}%5C..%5C${'BOB'}`],
    ['a double-encoded slash', `${'ALICE'}%252F${'BOB'}`],
  ])(
    '[A5] answers %s with 400 or the gateway 404, never a modified Chime path',
    async (_name, template) => {
      const segment = template.replaceAll('ALICE', aliceAttendee).replaceAll('BOB', bobAttendee);
      for (const path of [attendeePath(meetingId, segment), attendeePath(segment, aliceAttendee)]) {
        const response = await get(path);
        expect([400, 404]).toContain(response.status);
        expect(response.text).not.toContain('JoinToken');
      }
      expect(getAttendeeCalls(stack)).toEqual([]);
    },
  );

  it('[A6] answers 400 to an 8 KB ID and a gateway 4xx to oversized request lines and headers, and keeps serving', async () => {
    expectInvalidId(await get(attendeePath('a'.repeat(8192), aliceAttendee)));
    expectInvalidId(await get(attendeePath(meetingId, 'f'.repeat(8192))));
    const longLine = await get(attendeePath('a'.repeat(70_000), aliceAttendee));
    expect(longLine.status).toBeGreaterThanOrEqual(400);
    expect(longLine.status).toBeLessThan(500);
    const bigHeader = await get(attendeePath(meetingId, aliceAttendee), {
      'x-padding': 'p'.repeat(32_768),
    });
    expect(bigHeader.status).toBe(431);
    const manyHeaders = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`x-h${i}`, 'v'.repeat(40)]),
    );
    const many = await get(attendeePath(meetingId, aliceAttendee), manyHeaders);
    expect(many.status).toBe(431);
    expect(getAttendeeCalls(stack)).toEqual([]);
    expect((await get(attendeePath(meetingId, aliceAttendee))).status).toBe(200);
  });

  it('[A6] answers an 8 KB Authorization value with the same 401 as any invalid token', async () => {
    const response = await get(attendeePath(meetingId, aliceAttendee), {
      authorization: `Bearer ${'A'.repeat(8192)}`,
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'unauthorized' });
    expect(getAttendeeCalls(stack)).toEqual([]);
  });
});

describe('routes and methods', () => {
  it.each([
    ['a trailing slash', (m: string, a: string) => `${attendeePath(m, a)}/`],
    ['an extra segment', (m: string, a: string) => `${attendeePath(m, a)}/token`],
    ['a doubled slash', (m: string, a: string) => `/meetings/${m}//attendees/${a}`],
    ['a leading double slash', (m: string, a: string) => `/${attendeePath(m, a)}`],
    [
      'a different case in the literal segment',
      (m: string, a: string) => `/Meetings/${m}/attendees/${a}`,
    ],
    ['a missing segment', (m: string) => `/meetings/${m}/attendees`],
  ])('[A7] answers %s with the gateway 404, without invoking the function', async (_n, path) => {
    const mark = capturedLines().length;
    expectGatewayNotFound(await get(path(meetingId, aliceAttendee)));
    expect(requestLogLines(mark)).toEqual([]);
    expect(getAttendeeCalls(stack)).toEqual([]);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'])(
    '[A8] answers %s on the route with 404, never a 2xx, without invoking the function',
    async (method) => {
      const mark = capturedLines().length;
      const response = await get(attendeePath(meetingId, aliceAttendee), {}, method);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('JoinToken');
      expect(requestLogLines(mark)).toEqual([]);
      expect(getAttendeeCalls(stack)).toEqual([]);
    },
  );

  it('[A9] ignores unknown and colliding query parameters: the answer is the baseline', async () => {
    const path = attendeePath(meetingId, aliceAttendee);
    const baseline = await get(path);
    const withQuery = await get(
      `${path}?includeToken=1&attendeeId=${bobAttendee}&meetingId=x&role=moderator&access_token=x`,
    );
    expect(baseline.status).toBe(200);
    expect(comparable(withQuery)).toEqual(comparable(baseline));
    const stranger = await get(
      `${attendeePath(meetingId, bobAttendee)}?attendeeId=${bobAttendee}`,
      {
        ...bearer(tokens.mallory as string),
      },
    );
    expect(stranger.status).toBe(404);
    expect(getAttendeeCalls(stack).map((c) => c.attendeeId)).toEqual([
      aliceAttendee,
      aliceAttendee,
      bobAttendee,
    ]);
  });

  it.each([
    '/',
    '/meetings',
    '/meetings/2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f',
    '/attendees',
    '/index.html',
    '/_emulator/faults',
    '/.well-known/jwks.json',
    '/%2e%2e/%2e%2e/etc/passwd',
  ])('[A10] answers %s with the gateway 404', async (path) => {
    const mark = capturedLines().length;
    expectGatewayNotFound(await get(path));
    expect(requestLogLines(mark)).toEqual([]);
    expect(stack.emulator.calls()).toEqual([]);
  });

  it.each([
    ['application/json', JSON.stringify({ attendeeId: 'other', includeToken: true })],
    ['application/x-www-form-urlencoded', 'attendeeId=other&role=moderator'],
    ['text/xml', '<?xml version="1.0"?><a/>'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    ],
  ])('[A11] ignores a %s body on GET: the answer is the baseline', async (type, body) => {
    const path = attendeePath(meetingId, aliceAttendee);
    const baseline = await get(path);
    const withBody = await http(stack.apiUrl, path, {
      headers: {
        origin: LOCAL_ORIGIN,
        ...bearer(tokens.alice as string),
        'content-type': type,
      },
      body,
    });
    expect(comparable(withBody)).toEqual(comparable(baseline));
  });
});

describe('bytes that are not text', () => {
  const request = (path: Buffer) =>
    rawHttp(
      stack.apiUrl,
      Buffer.concat([
        Buffer.from('GET '),
        path,
        Buffer.from(
          ` HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokens.alice}\r\nConnection: close\r\n\r\n`,
        ),
      ]),
    );

  it('[A12] answers NUL, control and non-UTF-8 bytes in the path with a 400, never calling Chime', async () => {
    const prefix = Buffer.from(`/meetings/${meetingId}/attendees/`);
    const raw = [
      Buffer.concat([prefix, Buffer.from([0x00])]),
      Buffer.concat([prefix, Buffer.from([0x01, 0x7f])]),
      Buffer.concat([prefix, Buffer.from([0xff, 0xfe])]),
      Buffer.concat([prefix, Buffer.from([0xc3, 0x28])]),
    ];
    for (const path of raw) {
      expect((await request(path)).status).toBe(400);
    }
    expectInvalidId(await get(attendeePath(meetingId, '%00')));
    expectInvalidId(await get(attendeePath(meetingId, `${aliceAttendee}%00`)));
    expect(getAttendeeCalls(stack)).toEqual([]);
  });

  it('[A12] answers malformed percent-encoding (%FF, %C3%28, %E0%A4%A, %, %zz) with a 4xx, never a 5xx', async () => {
    const statuses: [string, number][] = [];
    for (const segment of ['%FF', '%C3%28', '%E0%A4%A', '%', '%zz']) {
      statuses.push([segment, (await get(attendeePath(meetingId, segment))).status]);
    }
    expect(statuses.filter(([, status]) => status < 400 || status >= 500)).toEqual([]);
    expect(getAttendeeCalls(stack)).toEqual([]);
  });
});
