import {
  ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  type GetAttendeeCommandOutput,
  GetMeetingCommand,
  type GetMeetingCommandOutput,
  ThrottlingException,
} from '@aws-sdk/client-chime-sdk-meetings';
import { mockClient } from 'aws-sdk-client-mock';
import { API_ROUTES } from '../../../../lambda/attendee/routes/api-routes';
import { ROUTE_HANDLERS } from '../../../../lambda/attendee/routes/attendee-routes';
import { attendeeEvent, lambdaContext } from '../../../helpers/events';
import { registerSecret } from '../../../helpers/log-capture';
import { bodyOf, startTestApi, type TestApi } from '../../../helpers/test-api';

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const ATTENDEE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const JOIN_TOKEN = registerSecret('Sm9pblRva2Vu'.repeat(12));
registerSecret('alice');

const attendeeOutput = {
  Attendee: {
    AttendeeId: ATTENDEE,
    ExternalUserId: 'alice',
    JoinToken: JOIN_TOKEN,
    Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'Receive' },
  },
  $metadata: { requestId: 'chime-a' },
} as GetAttendeeCommandOutput;
const meetingOf = (meeting: Record<string, unknown>) =>
  ({
    Meeting: { MeetingId: MEETING, TenantIds: ['tenant-a'], ...meeting },
  }) as unknown as GetMeetingCommandOutput;

let api: TestApi;
let moderator: string;
beforeAll(async () => {
  api = await startTestApi({ MODERATOR_SCOPE: 'tenant', TENANT_CLAIM: 'tenant' });
  moderator = await api.idp.mint({
    sub: 'maria',
    groups: ['moderators'],
    claims: { tenant: 'tenant-a' },
  });
});
afterAll(() => api.stop());
beforeEach(() => {
  chime.reset();
  chime.on(GetAttendeeCommand).resolves(attendeeOutput);
  chime.on(GetMeetingCommand).resolves(meetingOf({}));
});

const call = (token: string) => api.call({ meetingId: MEETING, attendeeId: ATTENDEE, token });

describe('the route table', () => {
  it('has a handler for every route of API_ROUTES', () => {
    expect(Object.keys(ROUTE_HANDLERS).sort()).toEqual(Object.keys(API_ROUTES).sort());
  });

  it.each(['constructor', 'toString', '__proto__', 'attendee', 'GET /meetings/{meetingId}'])(
    'answers route key %j 404 without calling Chime',
    async (routeKey) => {
      const event = attendeeEvent({ meetingId: MEETING, attendeeId: ATTENDEE, token: moderator });
      event.routeKey = routeKey;
      expect((await api.handler(event, lambdaContext())).statusCode).toBe(404);
      expect(chime.calls()).toHaveLength(0);
    },
  );
});

describe('the attendee route under tenant scope', () => {
  it('asks GetMeeting for the requested meeting, after GetAttendee, for a moderator', async () => {
    const response = await call(moderator);
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).Attendee).not.toHaveProperty('JoinToken');
    expect(chime.commandCalls(GetMeetingCommand)[0]?.args[0].input).toEqual({ MeetingId: MEETING });
  });

  it('asks no GetMeeting for the owner', async () => {
    const response = await call(await api.idp.mint({ sub: 'alice' }));
    expect(bodyOf(response).Attendee).toHaveProperty('JoinToken', JOIN_TOKEN);
    expect(chime.commandCalls(GetMeetingCommand)).toHaveLength(0);
  });

  it.each([
    ['another MeetingId', { MeetingId: ATTENDEE }],
    ['TenantIds that are not a list', { TenantIds: 'tenant-a' }],
  ])('answers 502 when GetMeeting returns %s', async (_name, meeting) => {
    chime.on(GetMeetingCommand).resolves(meetingOf(meeting));
    const response = await call(moderator);
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ code: 'upstream_malformed' });
  });

  it('answers a GetMeeting throttle through the same table as GetAttendee’s', async () => {
    chime
      .on(GetMeetingCommand)
      .rejects(new ThrottlingException({ message: 'x', $metadata: { httpStatusCode: 429 } }));
    expect((await call(moderator)).statusCode).toBe(503);
  });
});
