import {
  BatchCreateAttendeeCommand,
  BatchUpdateAttendeeCapabilitiesExceptCommand,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  CreateMeetingWithAttendeesCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { OPERATIONS } from '../../../local/chime-emulator/operations';
import { UNKNOWN_ID, useEmulator } from '../../helpers/chime-emulator';

const t = useEmulator({ rates: false });

const NOT_A_GUID = 'not-a-guid';
const MUTED = { Audio: 'Receive', Video: 'None', Content: 'None' } as const;
const valid = { MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1' };
const users = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ ExternalUserId: `user-${i}` }));

interface Ids {
  readonly MeetingId: string;
  readonly AttendeeId: string;
}

// The SDK types forbid most of these inputs; the emulator must refuse them anyway.
type Input = Record<string, unknown>;
type Build = (ids: Ids, input: Input) => unknown;

const CASES: Record<string, [Build, [string, Input, RegExp][]]> = {
  CreateMeeting: [
    (_ids, input) => new CreateMeetingCommand({ ...valid, ...input }),
    [
      ['no MediaRegion', { MediaRegion: undefined }, /MediaRegion is required/],
      ['an unsupported MediaRegion', { MediaRegion: 'mars-east-1' }, /MediaRegion/],
      ['no ExternalMeetingId', { ExternalMeetingId: undefined }, /ExternalMeetingId is required/],
      ['a 1-character ExternalMeetingId', { ExternalMeetingId: 'r' }, /at least 2/],
      ['a 65-character ExternalMeetingId', { ExternalMeetingId: 'r'.repeat(65) }, /at most 64/],
      ['an ExternalMeetingId with the aws: prefix', { ExternalMeetingId: 'AWS:room' }, /aws:/],
      ['a 1-character ClientRequestToken', { ClientRequestToken: 't' }, /ClientRequestToken/],
      ['a 65-character ClientRequestToken', { ClientRequestToken: 't'.repeat(65) }, /Token/],
      ['a ClientRequestToken with spaces', { ClientRequestToken: 'two words' }, /pattern/],
      ['a MeetingHostId with the aws: prefix', { MeetingHostId: 'aws:host' }, /MeetingHostId/],
      [
        'an unknown video resolution',
        { MeetingFeatures: { Video: { MaxResolution: 'SD' } } },
        /Video.MaxResolution/,
      ],
      ['an attendee MaxCount of 0', { MeetingFeatures: { Attendee: { MaxCount: 0 } } }, /MaxCount/],
      [
        'an attendee MaxCount of 251',
        { MeetingFeatures: { Attendee: { MaxCount: 251 } } },
        /MaxCount/,
      ],
      ['an empty TenantIds list', { TenantIds: [] }, /TenantIds/],
      ['six TenantIds', { TenantIds: ['t1', 't2', 't3', 't4', 't5', 't6'] }, /TenantIds/],
      ['a TenantId repeating a character four times', { TenantIds: ['aaaa'] }, /TenantIds/],
      ['51 tags', { Tags: Array(51).fill({ Key: 'k', Value: 'v' }) }, /Tags/],
      [
        'a notification target that is not an ARN',
        { NotificationsConfiguration: { SnsTopicArn: 'x' } },
        /SnsTopicArn/,
      ],
      ['an unknown PrimaryMeetingId', { PrimaryMeetingId: UNKNOWN_ID }, /Primary meeting/],
    ],
  ],
  CreateMeetingWithAttendees: [
    (_ids, input) => new CreateMeetingWithAttendeesCommand({ ...valid, ...input } as never),
    [['21 attendees', { Attendees: users(21) }, /Attendees/]],
  ],
  CreateAttendee: [
    ({ MeetingId }, input) =>
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'al', ...input }),
    [
      ['no ExternalUserId', { ExternalUserId: undefined }, /ExternalUserId is required/],
      ['a 1-character ExternalUserId', { ExternalUserId: 'a' }, /at least 2/],
      ['a 65-character ExternalUserId', { ExternalUserId: 'a'.repeat(65) }, /at most 64/],
      ['an ExternalUserId with the aws: prefix', { ExternalUserId: 'aws:alice' }, /aws:/],
      ['an ExternalUserId with the AWS: prefix', { ExternalUserId: 'AWS:alice' }, /aws:/],
      [
        'an ExternalUserId outside the documented characters',
        { ExternalUserId: '<al>' },
        /pattern/,
      ],
      ['a non-string ExternalUserId', { ExternalUserId: 42 }, /must be a string/],
      [
        'capabilities without Content',
        { Capabilities: { Audio: 'None', Video: 'None' } },
        /Capabilities.Content is required/,
      ],
      [
        'an unknown capability',
        { Capabilities: { ...MUTED, Audio: 'Loud' } },
        /Capabilities.Audio/,
      ],
    ],
  ],
  BatchCreateAttendee: [
    ({ MeetingId }, input) => new BatchCreateAttendeeCommand({ MeetingId, ...input } as never),
    [
      ['an empty list', { Attendees: [] }, /between 1 and 100/],
      ['101 entries', { Attendees: users(101) }, /between 1 and 100/],
      ['no Attendees', {}, /Attendees is required/],
    ],
  ],
  UpdateAttendeeCapabilities: [
    (ids, input) =>
      new UpdateAttendeeCapabilitiesCommand({ ...ids, Capabilities: MUTED, ...input } as never),
    [
      ['no Capabilities', { Capabilities: undefined }, /Capabilities is required/],
      [
        'Capabilities without Content',
        { Capabilities: { Audio: 'None', Video: 'None' } },
        /Content is required/,
      ],
      ['an unknown Video value', { Capabilities: { ...MUTED, Video: 'On' } }, /Video must be/],
    ],
  ],
  BatchUpdateAttendeeCapabilitiesExcept: [
    ({ MeetingId }, input) =>
      new BatchUpdateAttendeeCapabilitiesExceptCommand({
        MeetingId,
        ExcludedAttendeeIds: [{ AttendeeId: UNKNOWN_ID }],
        Capabilities: MUTED,
        ...input,
      }),
    [
      ['no Capabilities', { Capabilities: undefined }, /Capabilities is required/],
      ['an unknown Audio value', { Capabilities: { ...MUTED, Audio: 'Loud' } }, /Audio must be/],
      ['Capabilities that are not an object', { Capabilities: 'SendReceive' }, /must be an object/],
      [
        'no ExcludedAttendeeIds',
        { ExcludedAttendeeIds: undefined },
        /ExcludedAttendeeIds is required/,
      ],
      ['empty ExcludedAttendeeIds', { ExcludedAttendeeIds: [] }, /between 1 and 250/],
      [
        '251 excluded ids',
        { ExcludedAttendeeIds: Array(251).fill({ AttendeeId: UNKNOWN_ID }) },
        /250/,
      ],
      [
        'an excluded item without AttendeeId',
        { ExcludedAttendeeIds: [{}] },
        /AttendeeId is required/,
      ],
      [
        'an excluded id that is not a GUID',
        { ExcludedAttendeeIds: [{ AttendeeId: 'al' }] },
        /AttendeeId does not match/,
      ],
    ],
  ],
  ListAttendees: [
    ({ MeetingId }, input) => new ListAttendeesCommand({ MeetingId, ...input }),
    [
      ['MaxResults 0', { MaxResults: 0 }, /MaxResults/],
      ['MaxResults 101', { MaxResults: 101 }, /MaxResults/],
    ],
  ],
  GetMeeting: [({ MeetingId }) => new GetMeetingCommand({ MeetingId }), []],
  DeleteMeeting: [({ MeetingId }) => new DeleteMeetingCommand({ MeetingId }), []],
  GetAttendee: [(ids) => new GetAttendeeCommand(ids), []],
  DeleteAttendee: [(ids) => new DeleteAttendeeCommand(ids), []],
};

const send = (command: unknown) => t.chime.send(command as GetMeetingCommand);
const seedIds = (): Promise<Ids> => t.meeting();
const badRequest = (message: RegExp) => ({
  name: 'BadRequestException',
  Code: 'BadRequest',
  message: expect.stringMatching(message),
  $fault: 'client',
  $metadata: expect.objectContaining({ httpStatusCode: 400 }),
});

describe.each(Object.entries(CASES))('%s', (operation, [build, cases]) => {
  const uri = OPERATIONS[operation as keyof typeof OPERATIONS][1] as string;
  const labels = (['MeetingId', 'AttendeeId'] as const).filter((name) => uri.includes(name));

  it.each([
    ...cases,
    ...labels.map((name): [string, Input, RegExp] => [
      `a ${name} that is not a GUID`,
      { [name]: NOT_A_GUID },
      new RegExp(`${name} does not match`),
    ]),
  ])('refuses %s with BadRequestException 400', async (_case, input, message) => {
    const ids = await seedIds();
    const label = (name: 'MeetingId' | 'AttendeeId') =>
      (input[name] as string | undefined) ?? ids[name];

    await expect(
      send(build({ MeetingId: label('MeetingId'), AttendeeId: label('AttendeeId') }, input)),
    ).rejects.toMatchObject(badRequest(message));
  });
});

it('accepts the documented special characters, upper-case GUIDs and 250 excluded ids', async () => {
  const ids = await seedIds();
  const ExternalUserId = "Zoë O'Brien #1 (a@b.c) [x]/{y}|«z»";
  const excluded = { ExcludedAttendeeIds: Array(250).fill({ AttendeeId: UNKNOWN_ID }) };

  await send(CASES.CreateAttendee?.[0](ids, { ExternalUserId }));
  await send(CASES.BatchUpdateAttendeeCapabilitiesExcept?.[0](ids, excluded));

  const { Attendees } = await t.chime.send(new ListAttendeesCommand({ MeetingId: ids.MeetingId }));
  expect(Attendees?.map((a) => [a.ExternalUserId, a.Capabilities])).toEqual([
    ['user-1-1', MUTED],
    [ExternalUserId, MUTED],
  ]);
  await expect(
    send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID.toUpperCase() })),
  ).rejects.toMatchObject({
    name: 'NotFoundException',
  });
});

it.each([
  ['malformed JSON', 'POST', '/meetings', '{"MediaRegion":', /not valid JSON/],
  ['a JSON array', 'POST', '/meetings', '[]', /must be a JSON object/],
  [
    'a JSON array',
    'PUT',
    '/meetings/{id}/attendees/{attendee}/capabilities',
    '[1]',
    /must be a JSON object/,
  ],
  [
    'a JSON array',
    'PUT',
    '/meetings/{id}/attendees/capabilities?operation=batch-update-except',
    '[1]',
    /must be a JSON object/,
  ],
])('refuses %s in %s %s with BadRequestException', async (_case, method, path, body, message) => {
  const [meeting] = await t.seed({ meetings: 1, attendeesPerMeeting: 1 });
  const target = path
    .replace('{id}', meeting?.MeetingId ?? '')
    .replace('{attendee}', meeting?.Attendees[0]?.AttendeeId ?? '');

  const response = await fetch(`${t.url}${target}`, { method, body });

  expect(response.status).toBe(400);
  expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
  expect(await response.json()).toEqual({
    Code: 'BadRequest',
    Message: expect.stringMatching(message),
    RequestId: response.headers.get('x-amzn-requestid'),
  });
});
