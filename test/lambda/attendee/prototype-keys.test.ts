/**
 * Names that a plain object inherits (`constructor`, `toString`, `__proto__`, ...) arriving from
 * outside, as a Chime error name or as a route key, are unknown names like any other: the caller
 * gets the generic problem with every security header, and the request is logged.
 */
import { ChimeSDKMeetingsClient, GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import { mockClient } from 'aws-sdk-client-mock';
import { attendeeEvent, lambdaContext } from '../../helpers/events';
import { capturedLines } from '../../helpers/log-capture';
import { bodyOf, headersOf, startTestApi, type TestApi } from '../../helpers/test-api';

const INHERITED_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'].filter(
  (name, i, all) => all.indexOf(name) === i,
);

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const ATTENDEE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

let api: TestApi;
let owner: string;

beforeAll(async () => {
  api = await startTestApi();
  owner = await api.idp.mint({ sub: 'alice' });
});
afterAll(() => api.stop());
beforeEach(() => chime.reset());

/** The request's one log line, written after `mark`. */
function requestLine(mark: number): Record<string, unknown> | undefined {
  return capturedLines()
    .slice(mark)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.message === 'request');
}

function expectHardenedProblem(
  response: Awaited<ReturnType<TestApi['call']>>,
  status: number,
  code: string,
) {
  expect(response.statusCode).toBe(status);
  expect(bodyOf(response)).toMatchObject({ status, code });
  expect(headersOf(response)).toMatchObject({
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'strict-transport-security': expect.any(String),
    'content-security-policy': expect.stringContaining("default-src 'none'"),
  });
}

it('feeds every Object.prototype member name to the tests below', () => {
  expect(INHERITED_NAMES).toEqual(
    expect.arrayContaining(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']),
  );
});

describe.each(['server', 'client'] as const)('a Chime %s error named', (fault) => {
  it.each(INHERITED_NAMES)(
    '%s is an unknown service error: 502 with headers and a log line',
    async (name) => {
      chime.on(GetAttendeeCommand).rejects(
        Object.assign(new Error('upstream says no'), {
          name,
          $fault: fault,
          $metadata: { httpStatusCode: fault === 'server' ? 500 : 400, requestId: 'chime-req' },
        }),
      );
      const mark = capturedLines().length;
      const response = await api.call({ meetingId: MEETING, attendeeId: ATTENDEE, token: owner });
      expectHardenedProblem(response, 502, 'upstream_failure');
      expect(requestLine(mark)).toMatchObject({
        status: 502,
        code: 'upstream_failure',
        cause: name,
      });
    },
  );
});

describe('a route key named', () => {
  it.each(INHERITED_NAMES)('%s is no route: 404 with headers and a log line', async (name) => {
    const event = {
      ...attendeeEvent({ meetingId: MEETING, attendeeId: ATTENDEE, token: owner }),
      routeKey: name,
    };
    const mark = capturedLines().length;
    const response = await api.handler(event, lambdaContext());
    expectHardenedProblem(response, 404, 'not_found');
    expect(requestLine(mark)).toMatchObject({ status: 404, code: 'not_found' });
    expect(chime.commandCalls(GetAttendeeCommand)).toHaveLength(0);
  });
});
