import {
  ChimeSDKMeetingsClient,
  GetAttendeeCommand,
  type GetAttendeeCommandOutput,
  GetMeetingCommand,
  type GetMeetingCommandOutput,
  NotFoundException,
  ThrottlingException,
} from '@aws-sdk/client-chime-sdk-meetings';
import { mockClient } from 'aws-sdk-client-mock';
import { routeKeyOf } from '../../../../lambda/attendee/routes/api-routes';
import { attendeeEvent, lambdaContext } from '../../../helpers/events';
import { registerSecret } from '../../../helpers/log-capture';
import { bodyOf, headersOf, startTestApi, type TestApi } from '../../../helpers/test-api';

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const ATTENDEE = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const JOIN_TOKEN = registerSecret('Sm9pblRva2Vu'.repeat(12));
const JOIN_INFO_ROUTE = routeKeyOf('joinInfo');
const meta = { $metadata: { httpStatusCode: 404, requestId: 'r' } };

const attendeeOutput = {
  Attendee: {
    AttendeeId: ATTENDEE,
    ExternalUserId: 'alice',
    JoinToken: JOIN_TOKEN,
    Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'Receive' },
  },
  $metadata: { requestId: 'chime-a' },
} as GetAttendeeCommandOutput;

const placement = {
  AudioHostUrl: 'abc.k.m1.ue1.app.chime.aws:3478',
  AudioFallbackUrl: 'wss://haxrp.m1.ue1.app.chime.aws:443/calls/x',
  SignalingUrl: 'wss://signal.m1.ue1.app.chime.aws/control/x',
  TurnControlUrl: 'https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions',
  EventIngestionUrl: 'https://data.svc.ue1.ingest.chime.aws/v1/client-events',
};
const meetingOutput = {
  Meeting: {
    MeetingId: MEETING,
    ExternalMeetingId: 'demo',
    MediaRegion: 'us-east-1',
    MediaPlacement: placement,
    MeetingArn: `arn:aws:chime:us-east-1:123456789012:meeting/${MEETING}`,
    Surprise: 'dropped',
  },
  $metadata: { requestId: 'chime-m' },
} as unknown as GetMeetingCommandOutput;

let api: TestApi;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  api = await startTestApi();
  tokens.alice = await api.idp.mint({ sub: 'alice' });
  tokens.moderator = await api.idp.mint({ sub: 'mod', groups: ['moderators'] });
  tokens.bob = await api.idp.mint({ sub: 'bob' });
});
afterAll(() => api.stop());
beforeEach(() => {
  chime.reset();
  chime.on(GetAttendeeCommand).resolves(attendeeOutput);
  chime.on(GetMeetingCommand).resolves(meetingOutput);
});

function joinInfo(token: string) {
  const event = attendeeEvent({ meetingId: MEETING, attendeeId: ATTENDEE, token });
  event.routeKey = JOIN_INFO_ROUTE;
  event.rawPath = `${event.rawPath}/join-info`;
  return api.handler(event, lambdaContext());
}

describe('GET …/join-info', () => {
  it('gives the owner the meeting and the attendee, as MeetingSessionConfiguration takes them', async () => {
    const response = await joinInfo(tokens.alice as string);
    expect(response.statusCode).toBe(200);
    expect(headersOf(response)['cache-control']).toBe('no-store');
    expect(bodyOf(response)).toEqual({
      Meeting: {
        MeetingId: MEETING,
        ExternalMeetingId: 'demo',
        MediaRegion: 'us-east-1',
        MediaPlacement: placement,
        MeetingArn: `arn:aws:chime:us-east-1:123456789012:meeting/${MEETING}`,
      },
      Attendee: attendeeOutput.Attendee,
    });
    expect(chime.commandCalls(GetMeetingCommand)[0]?.args[0].input).toEqual({ MeetingId: MEETING });
    expect(chime.commandCalls(GetAttendeeCommand)).toHaveLength(1);
  });

  it.each(['moderator', 'bob'])(
    'answers %s with the same 404 as a missing attendee',
    async (who) => {
      const denied = await joinInfo(tokens[who] as string);
      chime.on(GetAttendeeCommand).rejects(new NotFoundException({ message: 'x', ...meta }));
      const missing = await joinInfo(tokens.alice as string);
      expect(denied.statusCode).toBe(404);
      expect({ ...bodyOf(denied), requestId: 0 }).toEqual({ ...bodyOf(missing), requestId: 0 });
      expect(denied.body).not.toContain(JOIN_TOKEN);
    },
  );

  it('calls GetMeeting only after GetAttendee and the owner check', async () => {
    expect((await joinInfo(tokens.alice as string)).statusCode).toBe(200);
    expect(chime.calls().map((call) => call.args[0].constructor.name)).toEqual([
      'GetAttendeeCommand',
      'GetMeetingCommand',
    ]);
  });

  it.each(['moderator', 'bob'])(
    'costs no GetMeeting when %s may not see the attendee',
    async (who) => {
      expect((await joinInfo(tokens[who] as string)).statusCode).toBe(404);
      expect(chime.commandCalls(GetMeetingCommand)).toHaveLength(0);
    },
  );

  it('does not call GetMeeting when GetAttendee fails', async () => {
    chime.on(GetAttendeeCommand).rejects(new NotFoundException({ message: 'x', ...meta }));
    expect((await joinInfo(tokens.alice as string)).statusCode).toBe(404);
    expect(chime.commandCalls(GetMeetingCommand)).toHaveLength(0);
  });

  it('does not reveal a GetMeeting failure to someone who may not see the attendee', async () => {
    chime.on(GetMeetingCommand).rejects(new ThrottlingException({ message: 'x', ...meta }));
    expect((await joinInfo(tokens.bob as string)).statusCode).toBe(404);
    const owner = await joinInfo(tokens.alice as string);
    expect(owner.statusCode).toBe(503);
    expect(headersOf(owner)['retry-after']).toBe('1');
  });

  it('answers 404 when the meeting has ended, through the same table', async () => {
    chime.on(GetMeetingCommand).rejects(new NotFoundException({ message: 'x', ...meta }));
    const response = await joinInfo(tokens.alice as string);
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ code: 'not_found' });
  });

  it.each([
    ['no Meeting', { $metadata: {} }],
    ['another MeetingId', { Meeting: { ...meetingOutput.Meeting, MeetingId: ATTENDEE } }],
    ['a non-string MeetingId', { Meeting: { ...meetingOutput.Meeting, MeetingId: 7 } }],
    ['no MediaPlacement', { Meeting: { ...meetingOutput.Meeting, MediaPlacement: undefined } }],
  ])('answers 502 when GetMeeting returns %s', async (_name, output) => {
    chime.on(GetMeetingCommand).resolves(output as GetMeetingCommandOutput);
    const response = await joinInfo(tokens.alice as string);
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ code: 'upstream_malformed' });
  });

  it('does not call Chime for a malformed id', async () => {
    const event = attendeeEvent({ meetingId: 'x', attendeeId: ATTENDEE, token: tokens.alice });
    event.routeKey = JOIN_INFO_ROUTE;
    expect((await api.handler(event, lambdaContext())).statusCode).toBe(400);
    expect(chime.calls()).toHaveLength(0);
  });
});
