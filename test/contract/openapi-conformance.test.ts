import { loadContract, type ObservedResponse, resolve } from '../helpers/openapi-conformance';

const contract = loadContract();
const { document } = contract;
const ATTENDEE = '/meetings/{meetingId}/attendees/{attendeeId}';
const JOIN_INFO = '/meetings/{meetingId}/attendees/{attendeeId}/join-info';
const ROSTER = '/meetings/{meetingId}/roster';
const JOIN_TOKEN = 'c2VjcmV0LWpvaW4tdG9rZW4tZm9yLWFsaWNl';

const capabilities = { Audio: 'SendReceive', Video: 'Receive', Content: 'None' };
const attendee = {
  AttendeeId: '0f1e2d3c-4b5a-4968-8776-655443322110',
  ExternalUserId: 'alice',
  Capabilities: capabilities,
};

/** A response of the function with the headers it always sends, overridable. */
function answer(
  status: number,
  body: unknown,
  headers: Record<string, string | undefined> = {},
): ObservedResponse {
  const problem = status >= 400;
  return {
    status,
    headers: {
      'content-type': problem ? 'application/problem+json' : 'application/json',
      'cache-control': 'no-store',
      'apigw-requestid': 'Mc7UVioPPHcEKPA=',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

const problem = (status: number, code: string) => ({
  type: `urn:chime-attendee-bff:problem:${code.replaceAll('_', '-')}`,
  title: 'Title',
  status,
  detail: 'Detail.',
  code,
  requestId: 'Mc7UVioPPHcEKPA=',
});

/** Headers that satisfy any documented response, as the function or the gateway sends them. */
const anyHeaders = (mediaType: string) => ({
  'content-type': mediaType,
  'apigw-requestid': 'Mc7UVioPPHcEKPA=',
  'www-authenticate': 'Bearer realm="chime-attendee-api"',
  ...(mediaType === 'application/json' ? {} : { 'retry-after': '1' }),
  ...(mediaType.startsWith('application/problem') ? { 'cache-control': 'no-store' } : {}),
});

describe('the conformance checker', () => {
  it('accepts every example of the document as an answer of its operation', () => {
    let checked = 0;
    for (const [route, pathItem] of Object.entries<{ get: { responses: object } }>(
      document.paths,
    )) {
      for (const [status, raw] of Object.entries(pathItem.get.responses)) {
        const response = resolve(document, raw);
        for (const [mediaType, media] of Object.entries<{ examples?: object }>(response.content)) {
          for (const example of Object.values(media.examples ?? {})) {
            const headers = {
              ...anyHeaders(mediaType),
              ...(status === '200' ? { 'cache-control': 'no-store' } : {}),
            };
            const body = JSON.stringify(resolve(document, example).value);
            contract.assertConforms('GET', route, { status: Number(status), headers, body });
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2 * 18);
  });

  it('accepts an attendee with its JoinToken and one without', () => {
    const owner = answer(200, { Attendee: { ...attendee, JoinToken: JOIN_TOKEN } });
    const moderator = answer(200, { Attendee: attendee });
    expect(contract.violations('GET', ATTENDEE, owner)).toEqual([]);
    expect(contract.violations('GET', ATTENDEE, moderator)).toEqual([]);
  });

  it('accepts a roster with names and a service, and fails an entry with a JoinToken, a long Name or Service false', () => {
    const pipeline = {
      ...attendee,
      AttendeeId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
      ExternalUserId: 'aws:MediaPipeline-4ae1f2c3',
      Service: true,
    };
    const roster = (...Attendees: object[]) => answer(200, { Attendees });
    expect(
      contract.violations('GET', ROSTER, roster({ ...attendee, Name: 'Ada' }, pipeline)),
    ).toEqual([]);
    expect(contract.violations('GET', ROSTER, roster())).toEqual([]);
    for (const entry of [
      { ...attendee, JoinToken: JOIN_TOKEN },
      { ...attendee, Name: 'x'.repeat(129) },
      { ...attendee, Service: false },
    ]) {
      expect(contract.violations('GET', ROSTER, roster(entry))).toEqual([
        expect.stringMatching(/^body: \/Attendees\/0/),
      ]);
    }
  });

  it('accepts a Name of up to 128 characters on the attendee route', () => {
    const named = (Name: string) => answer(200, { Attendee: { ...attendee, Name } });
    expect(contract.violations('GET', ATTENDEE, named('🦊'.repeat(128)))).toEqual([]);
    expect(contract.violations('GET', ATTENDEE, named('x'.repeat(129)))).toEqual([
      expect.stringMatching(/\/Attendee\/Name must NOT have more than 128 characters/),
    ]);
  });

  it('fails a status the operation does not document', () => {
    expect(contract.violations('GET', ATTENDEE, answer(201, { Attendee: attendee }))).toEqual([
      expect.stringMatching(/status 201 is not documented for getAttendee/),
    ]);
    expect(contract.violations('GET', JOIN_INFO, answer(403, problem(403, 'forbidden')))).toEqual([
      expect.stringMatching(/status 403 is not documented/),
    ]);
  });

  it('fails a path or a method the document does not have', () => {
    expect(contract.violations('GET', '/meetings', answer(200, {}))).toEqual([
      'no path /meetings in the document',
    ]);
    expect(contract.violations('DELETE', ATTENDEE, answer(200, {}))).toEqual([
      `no operation DELETE ${ATTENDEE} in the document`,
    ]);
  });

  it('fails a missing required header, also one only a media type requires', () => {
    const noStore = answer(200, { Attendee: attendee }, { 'cache-control': undefined });
    expect(contract.violations('GET', ATTENDEE, noStore)).toEqual([
      'header Cache-Control is required',
    ]);
    const noChallenge = answer(401, problem(401, 'unauthorized'));
    expect(contract.violations('GET', ATTENDEE, noChallenge)).toEqual([
      'header WWW-Authenticate is required',
    ]);
    const noRetryAfter = answer(503, problem(503, 'upstream_throttled'));
    expect(contract.violations('GET', ATTENDEE, noRetryAfter)).toEqual([
      'header Retry-After is required for application/problem+json',
    ]);
  });

  it("accepts the gateway's own answers, which carry no Cache-Control nor Retry-After", () => {
    const gateway = (status: number, message: string) =>
      answer(
        status,
        { message },
        { 'content-type': 'application/json', 'cache-control': undefined },
      );
    for (const [status, message] of [
      [404, 'Not Found'],
      [429, 'Too Many Requests'],
      [500, 'Internal Server Error'],
      [503, 'Service Unavailable'],
      [504, 'Gateway Timeout'],
    ] as const) {
      expect(contract.violations('GET', JOIN_INFO, gateway(status, message))).toEqual([]);
    }
  });

  it('fails a header value outside its schema', () => {
    const late = answer(503, problem(503, 'upstream_unavailable'), { 'retry-after': '600' });
    expect(contract.violations('GET', ATTENDEE, late)).toEqual([
      expect.stringMatching(/^header Retry-After: \(root\) must match pattern/),
    ]);
    const cached = answer(200, { Attendee: attendee }, { 'cache-control': 'max-age=60' });
    expect(contract.violations('GET', ATTENDEE, cached)).toEqual([
      expect.stringMatching(/^header Cache-Control:/),
    ]);
  });

  it('fails a content type the status does not document', () => {
    const html = answer(502, '<html>Bad Gateway</html>', { 'content-type': 'text/html' });
    expect(contract.violations('GET', ATTENDEE, html)).toEqual([
      'content type "text/html" is not documented for 502 (documented: application/problem+json)',
    ]);
  });

  it('fails a body that is not JSON, or breaks the schema', () => {
    expect(contract.violations('GET', ATTENDEE, answer(200, '{"Attendee":'))).toEqual([
      'the body is not JSON although the content type is application/json',
    ]);
    const leaked = answer(200, { Attendee: { ...attendee, Secret: 'x' } });
    expect(contract.violations('GET', ATTENDEE, leaked)).toEqual([
      expect.stringMatching(/must NOT have additional properties/),
    ]);
    const wrongStatus = answer(503, problem(503, 'upstream_failure'), { 'retry-after': '1' });
    expect(contract.violations('GET', ATTENDEE, wrongStatus)).toEqual([
      expect.stringMatching(/\/code must be equal to one of the allowed values/),
    ]);
    const noMedia = answer(200, {
      Meeting: { MeetingId: attendee.AttendeeId, MediaRegion: 'us-east-1' },
      Attendee: attendee,
    });
    expect(contract.violations('GET', JOIN_INFO, noMedia)).toEqual([
      expect.stringMatching(/\/Meeting must have required property 'MediaPlacement'/),
    ]);
  });

  it('never quotes the body in what it reports', () => {
    const bad = answer(200, { Attendee: { ...attendee, JoinToken: `${JOIN_TOKEN}!` } });
    expect(() => contract.assertConforms('GET', ATTENDEE, bad)).toThrow(/does not conform/);
    expect(contract.violations('GET', ATTENDEE, bad).join('\n')).not.toContain(JOIN_TOKEN);
  });

  it("checks an answer to an unknown route against the gateway's documented 404", () => {
    const gateway = answer(
      404,
      { message: 'Not Found' },
      { 'content-type': 'application/json', 'cache-control': undefined },
    );
    expect(() => contract.assertConformsToComponent('NotFound', gateway)).not.toThrow();
    const teapot = { ...gateway, body: '{"message":418}' };
    expect(() => contract.assertConformsToComponent('NotFound', teapot)).toThrow(
      /\/message must be string/,
    );
  });
});
