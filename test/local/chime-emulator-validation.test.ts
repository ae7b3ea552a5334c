import {
  BatchCreateAttendeeCommand,
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  type CreateAttendeeCommandInput,
  CreateMeetingCommand,
  type CreateMeetingCommandInput,
  CreateMeetingWithAttendeesCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
  type MeetingFeaturesConfiguration,
} from '@aws-sdk/client-chime-sdk-meetings';
import { chimeClientFor, createChimeEmulator } from '../../local/chime-emulator';

const UNKNOWN_ID = '0a1b2c3d-0000-4000-8000-000000000000';

const emulator = createChimeEmulator();
let chime: ChimeSDKMeetingsClient;
let url: string;

beforeAll(async () => {
  ({ url } = await emulator.start());
  chime = chimeClientFor(url, { maxAttempts: 1 });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  chime.destroy();
  await emulator.stop();
});

const badRequest = (message: RegExp) => ({
  name: 'BadRequestException',
  Code: 'BadRequest',
  message: expect.stringMatching(message),
  $fault: 'client',
  $metadata: expect.objectContaining({ httpStatusCode: 400 }),
});

const createMeeting = async (MeetingFeatures?: MeetingFeaturesConfiguration) => {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({
      MediaRegion: 'us-east-1',
      ExternalMeetingId: 'room-1',
      MeetingFeatures,
    }),
  );
  return Meeting?.MeetingId as string;
};

// The SDK types forbid most of these inputs; the emulator must refuse them anyway.
const loosely = <T>(value: Record<string, unknown>): T => value as T;

describe('CreateMeeting validation', () => {
  const valid = { MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' };

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no MediaRegion', { ExternalMeetingId: 'room-1' }, /MediaRegion is required/],
    ['an unsupported MediaRegion', { ...valid, MediaRegion: 'mars-east-1' }, /MediaRegion/],
    ['no ExternalMeetingId', { MediaRegion: 'us-east-1' }, /ExternalMeetingId is required/],
    ['a 1-character ExternalMeetingId', { ...valid, ExternalMeetingId: 'r' }, /at least 2/],
    [
      'a 65-character ExternalMeetingId',
      { ...valid, ExternalMeetingId: 'r'.repeat(65) },
      /at most 64/,
    ],
    [
      'an ExternalMeetingId with the aws: prefix',
      { ...valid, ExternalMeetingId: 'AWS:room' },
      /aws:/,
    ],
    [
      'a 1-character ClientRequestToken',
      { ...valid, ClientRequestToken: 't' },
      /ClientRequestToken/,
    ],
    [
      'a 65-character ClientRequestToken',
      { ...valid, ClientRequestToken: 't'.repeat(65) },
      /ClientRequestToken/,
    ],
    ['a ClientRequestToken with spaces', { ...valid, ClientRequestToken: 'two words' }, /pattern/],
    [
      'a MeetingHostId with the aws: prefix',
      { ...valid, MeetingHostId: 'aws:host' },
      /MeetingHostId/,
    ],
    [
      'an unknown video resolution',
      { ...valid, MeetingFeatures: { Video: { MaxResolution: 'SD' } } },
      /Video.MaxResolution/,
    ],
    [
      'an attendee MaxCount of 0',
      { ...valid, MeetingFeatures: { Attendee: { MaxCount: 0 } } },
      /MaxCount/,
    ],
    [
      'an attendee MaxCount of 251',
      { ...valid, MeetingFeatures: { Attendee: { MaxCount: 251 } } },
      /MaxCount/,
    ],
    ['an empty TenantIds list', { ...valid, TenantIds: [] }, /TenantIds/],
    ['six TenantIds', { ...valid, TenantIds: ['t1', 't2', 't3', 't4', 't5', 't6'] }, /TenantIds/],
    ['a TenantId repeating a character four times', { ...valid, TenantIds: ['aaaa'] }, /TenantIds/],
    [
      '51 tags',
      { ...valid, Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) },
      /Tags/,
    ],
    [
      'a notification target that is not an ARN',
      { ...valid, NotificationsConfiguration: { SnsTopicArn: 'topic' } },
      /SnsTopicArn/,
    ],
    ['an unknown PrimaryMeetingId', { ...valid, PrimaryMeetingId: UNKNOWN_ID }, /Primary meeting/],
  ])('refuses %s with BadRequestException', async (_case, input, message) => {
    await expect(
      chime.send(new CreateMeetingCommand(loosely<CreateMeetingCommandInput>(input))),
    ).rejects.toMatchObject(badRequest(message));
  });

  it('refuses more than 20 attendees in CreateMeetingWithAttendees', async () => {
    const Attendees = Array.from({ length: 21 }, (_, i) => ({ ExternalUserId: `user-${i}` }));

    await expect(
      chime.send(new CreateMeetingWithAttendeesCommand({ ...valid, Attendees })),
    ).rejects.toMatchObject(badRequest(/Attendees/));
  });
});

describe('CreateAttendee validation', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no ExternalUserId', {}, /ExternalUserId is required/],
    ['a 1-character ExternalUserId', { ExternalUserId: 'a' }, /at least 2/],
    ['a 65-character ExternalUserId', { ExternalUserId: 'a'.repeat(65) }, /at most 64/],
    ['an ExternalUserId with the aws: prefix', { ExternalUserId: 'aws:alice' }, /aws:/],
    ['an ExternalUserId with the AWS: prefix', { ExternalUserId: 'AWS:alice' }, /aws:/],
    [
      'an ExternalUserId outside the documented characters',
      { ExternalUserId: '<alice>' },
      /pattern/,
    ],
    ['a non-string ExternalUserId', { ExternalUserId: 42 }, /must be a string/],
    [
      'capabilities without Content',
      { ExternalUserId: 'alice', Capabilities: { Audio: 'SendReceive', Video: 'SendReceive' } },
      /Capabilities.Content is required/,
    ],
    [
      'an unknown capability',
      { ExternalUserId: 'alice', Capabilities: { Audio: 'Loud', Video: 'None', Content: 'None' } },
      /Capabilities.Audio/,
    ],
    [
      'content SendReceive with video Send',
      {
        ExternalUserId: 'alice',
        Capabilities: { Audio: 'None', Video: 'Send', Content: 'SendReceive' },
      },
      /Content capabilities/,
    ],
    [
      'content Receive with video None',
      {
        ExternalUserId: 'alice',
        Capabilities: { Audio: 'None', Video: 'None', Content: 'Receive' },
      },
      /Content capabilities/,
    ],
  ])('refuses %s with BadRequestException', async (_case, input, message) => {
    const MeetingId = await createMeeting();

    await expect(
      chime.send(
        new CreateAttendeeCommand(loosely<CreateAttendeeCommandInput>({ MeetingId, ...input })),
      ),
    ).rejects.toMatchObject(badRequest(message));
  });

  it('accepts the documented special characters in an ExternalUserId', async () => {
    const MeetingId = await createMeeting();
    const ExternalUserId = "Zoë O'Brien #1 (a@b.c) [x]/{y}|«z»";

    const { Attendee } = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId }));

    expect(Attendee?.ExternalUserId).toBe(ExternalUserId);
  });

  it.each(['Send', 'Receive', 'SendReceive'] as const)(
    'refuses video %s in a meeting whose video MaxResolution is None',
    async (Video) => {
      const MeetingId = await createMeeting({ Video: { MaxResolution: 'None' } });

      await expect(
        chime.send(
          new CreateAttendeeCommand({
            MeetingId,
            ExternalUserId: 'alice',
            Capabilities: { Audio: 'SendReceive', Video, Content: 'None' },
          }),
        ),
      ).rejects.toMatchObject(badRequest(/Video capabilities must be None/));
    },
  );

  it.each(['Send', 'Receive', 'SendReceive'] as const)(
    'refuses content %s in a meeting whose content MaxResolution is None',
    async (Content) => {
      const MeetingId = await createMeeting({ Content: { MaxResolution: 'None' } });

      await expect(
        chime.send(
          new CreateAttendeeCommand({
            MeetingId,
            ExternalUserId: 'alice',
            Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content },
          }),
        ),
      ).rejects.toMatchObject(badRequest(/Content capabilities must be None/));
    },
  );

  it('accepts content Send without video in a meeting whose video is off', async () => {
    const MeetingId = await createMeeting({ Video: { MaxResolution: 'None' } });
    const Capabilities = { Audio: 'SendReceive', Video: 'None', Content: 'Send' } as const;

    const { Attendee } = await chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'alice', Capabilities }),
    );

    expect(Attendee?.Capabilities).toEqual(Capabilities);
  });
});

describe('BatchCreateAttendee validation', () => {
  it('refuses an empty list', async () => {
    const MeetingId = await createMeeting();

    await expect(
      chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees: [] })),
    ).rejects.toMatchObject(badRequest(/between 1 and 100/));
  });

  it('refuses more than 100 entries', async () => {
    const MeetingId = await createMeeting();
    const Attendees = Array.from({ length: 101 }, (_, i) => ({ ExternalUserId: `user-${i}` }));

    await expect(
      chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees })),
    ).rejects.toMatchObject(badRequest(/between 1 and 100/));
  });

  it('refuses a request without Attendees', async () => {
    const MeetingId = await createMeeting();

    await expect(
      chime.send(new BatchCreateAttendeeCommand(loosely({ MeetingId }))),
    ).rejects.toMatchObject(badRequest(/Attendees is required/));
  });
});

describe('path label validation', () => {
  const NOT_A_GUID = 'not-a-guid';

  it.each([
    ['GetMeeting', () => new GetMeetingCommand({ MeetingId: NOT_A_GUID })],
    ['DeleteMeeting', () => new DeleteMeetingCommand({ MeetingId: NOT_A_GUID })],
    ['ListAttendees', () => new ListAttendeesCommand({ MeetingId: NOT_A_GUID })],
    [
      'CreateAttendee',
      () => new CreateAttendeeCommand({ MeetingId: NOT_A_GUID, ExternalUserId: 'alice' }),
    ],
    [
      'BatchCreateAttendee',
      () =>
        new BatchCreateAttendeeCommand({
          MeetingId: NOT_A_GUID,
          Attendees: [{ ExternalUserId: 'alice' }],
        }),
    ],
    [
      'GetAttendee',
      () => new GetAttendeeCommand({ MeetingId: NOT_A_GUID, AttendeeId: UNKNOWN_ID }),
    ],
    [
      'DeleteAttendee',
      () => new DeleteAttendeeCommand({ MeetingId: NOT_A_GUID, AttendeeId: UNKNOWN_ID }),
    ],
  ])('refuses a MeetingId that is not a GUID in %s', async (_name, command) => {
    await expect(chime.send(command() as GetMeetingCommand)).rejects.toMatchObject(
      badRequest(/MeetingId does not match/),
    );
  });

  it.each([
    [
      'GetAttendee',
      (MeetingId: string) => new GetAttendeeCommand({ MeetingId, AttendeeId: 'nope' }),
    ],
    [
      'DeleteAttendee',
      (MeetingId: string) => new DeleteAttendeeCommand({ MeetingId, AttendeeId: 'nope' }),
    ],
  ])('refuses an AttendeeId that is not a GUID in %s', async (_name, command) => {
    const MeetingId = await createMeeting();

    await expect(chime.send(command(MeetingId) as GetAttendeeCommand)).rejects.toMatchObject(
      badRequest(/AttendeeId does not match/),
    );
  });

  it('accepts upper-case GUIDs, as the pattern does', async () => {
    await expect(
      chime.send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID.toUpperCase() })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});

describe('ListAttendees validation', () => {
  it.each([0, 101])('refuses MaxResults %i', async (MaxResults) => {
    const MeetingId = await createMeeting();

    await expect(
      chime.send(new ListAttendeesCommand({ MeetingId, MaxResults })),
    ).rejects.toMatchObject(badRequest(/MaxResults/));
  });
});

describe('request bodies', () => {
  it.each([
    ['malformed JSON', '{"MediaRegion":', /not valid JSON/],
    ['a JSON array', '[]', /must be a JSON object/],
  ])('refuses %s with BadRequestException', async (_case, body, message) => {
    const response = await fetch(`${url}/meetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await response.json()).toEqual({
      Code: 'BadRequest',
      Message: expect.stringMatching(message),
      RequestId: response.headers.get('x-amzn-requestid'),
    });
  });
});
