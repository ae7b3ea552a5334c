import * as sdk from '@aws-sdk/client-chime-sdk-meetings';
import {
  type AttendeeCapabilities,
  BatchCreateAttendeeCommand,
  BatchUpdateAttendeeCapabilitiesExceptCommand,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  type CreateMeetingCommandInput,
  CreateMeetingWithAttendeesCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
  paginateListAttendees,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { CHIME_ERRORS } from '../../../local/chime-emulator/errors';
import { OPERATIONS } from '../../../local/chime-emulator/operations';
import { NOW, rejectionOf, UNKNOWN_ID, UUID, useEmulator } from '../../helpers/chime-emulator';

const JOIN_TOKEN = /^[a-zA-Z0-9+/]{184}$/;
const ALL = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' } as const;
const MUTED = { Audio: 'Receive', Video: 'None', Content: 'None' } as const;

const t = useEmulator({ rates: false });

const createMeeting = async (input: Partial<CreateMeetingCommandInput> = {}) => {
  const { Meeting } = await t.chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1', ...input }),
  );
  return { ...Meeting, MeetingId: Meeting?.MeetingId as string };
};

const createAttendee = async (MeetingId: string, ExternalUserId: string) => {
  const { Attendee } = await t.chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId }));
  return { ...Attendee, AttendeeId: Attendee?.AttendeeId as string };
};

const seedMeeting = (attendees = 3, meetingFeatures?: sdk.MeetingFeaturesConfiguration) =>
  t.meeting(attendees, meetingFeatures && { meetingFeatures });

const capabilitiesById = async (MeetingId: string) => {
  const { Attendees = [] } = await t.chime.send(new ListAttendeesCommand({ MeetingId }));
  return Object.fromEntries(Attendees.map((a) => [a.AttendeeId, a.Capabilities]));
};

const updateOne = (MeetingId: string, AttendeeId: string | undefined, Capabilities: unknown) =>
  t.chime.send(
    new UpdateAttendeeCapabilitiesCommand({
      MeetingId,
      AttendeeId,
      Capabilities: Capabilities as AttendeeCapabilities,
    }),
  );

const updateAllExcept = (MeetingId: string, excluded: readonly string[], Capabilities: unknown) =>
  t.chime.send(
    new BatchUpdateAttendeeCapabilitiesExceptCommand({
      MeetingId,
      ExcludedAttendeeIds: excluded.map((AttendeeId) => ({ AttendeeId })),
      Capabilities: Capabilities as AttendeeCapabilities,
    }),
  );

describe('the wire contract', () => {
  const schemaOf = (name: string) =>
    (sdk as unknown as Record<string, readonly Record<string, unknown>[]>)[`${name}$`]?.[3];

  it.each(Object.entries(OPERATIONS))('binds %s as the SDK schema does', (name, http) => {
    expect(schemaOf(name)?.http).toEqual(http);
  });

  it.each(Object.entries(CHIME_ERRORS))('answers %s with its schema status', (name, error) => {
    expect(schemaOf(name)?.httpError).toBe(error.status);
  });
});

describe('meetings', () => {
  it('creates a meeting with an ARN and media placement in its media Region', async () => {
    const output = await t.chime.send(
      new CreateMeetingCommand({ MediaRegion: 'eu-central-1', ExternalMeetingId: 'room-1' }),
    );
    const id = output.Meeting?.MeetingId as string;
    const media = 'm3.ec1.app.chime.aws';

    expect(output.$metadata).toMatchObject({
      httpStatusCode: 200,
      requestId: expect.stringMatching(UUID),
    });
    expect(output.Meeting).toEqual({
      MeetingId: expect.stringMatching(UUID),
      ExternalMeetingId: 'room-1',
      MediaRegion: 'eu-central-1',
      MediaPlacement: {
        AudioHostUrl: `${id.replaceAll('-', '')}.k.${media}:3478`,
        AudioFallbackUrl: `wss://wss.k.${media}:443/calls/${id}`,
        SignalingUrl: `wss://signal.${media}/control/${id}`,
        TurnControlUrl: `https://${id.slice(-4)}.cell.eu-central-1.meetings.chime.aws/v2/turn_sessions`,
        ScreenDataUrl: `wss://bitpw.${media}:443/v2/screen/${id}`,
        ScreenViewingUrl: `wss://bitpw.${media}:443/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id=${id}`,
        ScreenSharingUrl: `wss://bitpw.${media}:443/v2/screen/${id}`,
        EventIngestionUrl: 'https://data.svc.ue1.ingest.chime.aws/v1/client-events',
      },
      TenantIds: [],
      MeetingArn: `arn:aws:chime:eu-central-1:111122223333:meeting/${id}`,
    });
    expect((await t.chime.send(new GetMeetingCommand({ MeetingId: id }))).Meeting).toEqual(
      output.Meeting,
    );
  });

  it('echoes the optional members it was given, and replicates from a primary meeting', async () => {
    const primary = await createMeeting();
    const meeting = await createMeeting({
      MeetingHostId: 'host-1',
      TenantIds: ['tenant-a'],
      MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' }, Video: { MaxResolution: 'FHD' } },
      Tags: [{ Key: 'team', Value: 'bff' }],
      NotificationsConfiguration: { SqsQueueArn: 'arn:aws:sqs:us-east-1:111122223333:events' },
      PrimaryMeetingId: primary.MeetingId,
    });

    expect(meeting).toMatchObject({
      MeetingHostId: 'host-1',
      TenantIds: ['tenant-a'],
      MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' }, Video: { MaxResolution: 'FHD' } },
      PrimaryMeetingId: primary.MeetingId,
    });
  });

  it('returns the same meeting for a repeated ClientRequestToken, a new one otherwise', async () => {
    const first = await createMeeting({ ClientRequestToken: 'token-1' });

    expect(await createMeeting({ ClientRequestToken: 'token-1' })).toEqual(first);
    expect((await createMeeting({ ClientRequestToken: 'token-2' })).MeetingId).not.toBe(
      first.MeetingId,
    );
    expect((await createMeeting()).MeetingId).not.toBe((await createMeeting()).MeetingId);
  });

  it('creates a meeting with its attendees, reporting refused entries', async () => {
    const output = await t.chime.send(
      new CreateMeetingWithAttendeesCommand({
        MediaRegion: 'us-west-2',
        ExternalMeetingId: 'room-2',
        Attendees: [{ ExternalUserId: 'alice' }, { ExternalUserId: 'aws:bob' }],
      }),
    );

    expect(output.Meeting?.MediaRegion).toBe('us-west-2');
    expect(output.Attendees).toEqual([expect.objectContaining({ ExternalUserId: 'alice' })]);
    expect(output.Errors).toEqual([
      { ExternalUserId: 'aws:bob', ErrorCode: 'BadRequest', ErrorMessage: expect.any(String) },
    ]);
  });

  it('ends a meeting with DeleteMeeting (204): then every operation on it answers NotFoundException', async () => {
    const { MeetingId, ids } = await seedMeeting(1);
    const [AttendeeId] = ids;
    const Attendees = [{ ExternalUserId: 'bob' }];

    const output = await t.chime.send(new DeleteMeetingCommand({ MeetingId }));
    const errors = await Promise.all(
      [
        new GetMeetingCommand({ MeetingId }),
        new DeleteMeetingCommand({ MeetingId }),
        new ListAttendeesCommand({ MeetingId }),
        new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'bob' }),
        new BatchCreateAttendeeCommand({ MeetingId, Attendees }),
        new GetAttendeeCommand({ MeetingId, AttendeeId }),
        new DeleteAttendeeCommand({ MeetingId, AttendeeId }),
        new UpdateAttendeeCapabilitiesCommand({ MeetingId, AttendeeId, Capabilities: MUTED }),
        new BatchUpdateAttendeeCapabilitiesExceptCommand({
          MeetingId,
          ExcludedAttendeeIds: [{ AttendeeId: UNKNOWN_ID }],
          Capabilities: MUTED,
        }),
      ].map((command) => rejectionOf(t.chime.send(command as GetMeetingCommand))),
    );

    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(errors).toEqual(
      Array(9).fill(
        expect.objectContaining({
          name: 'NotFoundException',
          message: `Meeting <${MeetingId}> not found`,
          Code: 'NotFound',
          $fault: 'client',
          $metadata: expect.objectContaining({ httpStatusCode: 404 }),
        }),
      ),
    );
    expect(await t.published()).toEqual([
      expect.objectContaining({
        detail: expect.objectContaining({ eventType: 'chime:MeetingEnded' }),
      }),
    ]);
  });
});

describe('attendees', () => {
  it('creates an attendee with its own id, a JoinToken and SendReceive capabilities', async () => {
    const { MeetingId } = await createMeeting();

    const output = await t.chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'alice@example.com' }),
    );
    const bob = await createAttendee(MeetingId, 'bob');

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendee).toEqual({
      ExternalUserId: 'alice@example.com',
      AttendeeId: expect.stringMatching(UUID),
      JoinToken: expect.stringMatching(JOIN_TOKEN),
      Capabilities: ALL,
    });
    expect(bob.AttendeeId).not.toBe(output.Attendee?.AttendeeId);
    expect(bob.JoinToken).not.toBe(output.Attendee?.JoinToken);
    const { Attendee } = await t.chime.send(
      new GetAttendeeCommand({ MeetingId, AttendeeId: bob.AttendeeId }),
    );
    expect(Attendee).toEqual(bob);
  });

  it('returns the attendee an ExternalUserId already has, and a new one once it was deleted', async () => {
    const { MeetingId } = await createMeeting();
    const first = await createAttendee(MeetingId, 'alice');

    expect(await createAttendee(MeetingId, 'alice')).toEqual(first);
    await t.chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: first.AttendeeId }));
    const second = await createAttendee(MeetingId, 'alice');
    expect(second.AttendeeId).not.toBe(first.AttendeeId);
    expect(second.JoinToken).not.toBe(first.JoinToken);
  });

  it.each([
    ['explicit capabilities', {}, { Audio: 'Send', Video: 'Receive', Content: 'None' }, undefined],
    [
      'video Receive by default when video is off but content on',
      { Video: { MaxResolution: 'None' }, Content: { MaxResolution: 'FHD' } },
      undefined,
      { Audio: 'SendReceive', Video: 'Receive', Content: 'SendReceive' },
    ],
    [
      'video and content None by default when both are off',
      { Video: { MaxResolution: 'None' }, Content: { MaxResolution: 'None' } },
      undefined,
      { Audio: 'SendReceive', Video: 'None', Content: 'None' },
    ],
  ] as const)('gives %s', async (_case, MeetingFeatures, Capabilities, expected) => {
    const { MeetingId } = await createMeeting({ MeetingFeatures });

    const { Attendee } = await t.chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'alice', Capabilities }),
    );

    expect(Attendee?.Capabilities).toEqual(expected ?? Capabilities);
  });

  it('answers LimitExceededException once the meeting holds MaxCount attendees', async () => {
    const { MeetingId } = await createMeeting({ MeetingFeatures: { Attendee: { MaxCount: 2 } } });
    const alice = await createAttendee(MeetingId, 'alice');
    await createAttendee(MeetingId, 'bob');

    expect(await rejectionOf(createAttendee(MeetingId, 'carol'))).toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await createAttendee(MeetingId, 'alice')).toEqual(alice);
  });

  it('creates the valid entries of a batch (up to 100) and reports each refused one', async () => {
    const { MeetingId } = await createMeeting();
    const existing = await createAttendee(MeetingId, 'alice');
    const bob = { ExternalUserId: 'bob', Capabilities: MUTED };
    const carol = {
      ExternalUserId: 'carol',
      Capabilities: { ...MUTED, Content: 'Receive' },
    } as const;
    const many = Array.from({ length: 96 }, (_, i) => ({ ExternalUserId: `user-${i}` }));

    const output = await t.chime.send(
      new BatchCreateAttendeeCommand({
        MeetingId,
        Attendees: [{ ExternalUserId: 'alice' }, bob, { ExternalUserId: 'x' }, carol, ...many],
      }),
    );

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendees?.slice(0, 2)).toEqual([
      existing,
      {
        ...bob,
        AttendeeId: expect.stringMatching(UUID),
        JoinToken: expect.stringMatching(JOIN_TOKEN),
      },
    ]);
    expect(output.Attendees).toHaveLength(98);
    expect(output.Errors).toEqual([
      {
        ExternalUserId: 'x',
        ErrorCode: 'BadRequest',
        ErrorMessage: expect.stringMatching(/ExternalUserId/),
      },
      {
        ExternalUserId: 'carol',
        ErrorCode: 'BadRequest',
        ErrorMessage: expect.stringMatching(/Content/),
      },
    ]);
  });

  it('answers NotFoundException for an attendee of another meeting, or one deleted', async () => {
    const { MeetingId } = await createMeeting();
    const other = await createMeeting();
    const alice = await createAttendee(MeetingId, 'alice');
    const bob = await createAttendee(MeetingId, 'bob');

    const deleted = await t.chime.send(
      new DeleteAttendeeCommand({ MeetingId, AttendeeId: bob.AttendeeId }),
    );

    expect(deleted.$metadata.httpStatusCode).toBe(204);
    for (const [meeting, AttendeeId] of [
      [other.MeetingId, alice.AttendeeId],
      [MeetingId, bob.AttendeeId],
    ]) {
      expect(
        await rejectionOf(t.chime.send(new GetAttendeeCommand({ MeetingId: meeting, AttendeeId }))),
      ).toMatchObject({ name: 'NotFoundException', message: `Attendee <${AttendeeId}> not found` });
    }
    await expect(
      t.chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: bob.AttendeeId })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    expect((await t.chime.send(new ListAttendeesCommand({ MeetingId }))).Attendees).toEqual([
      alice,
    ]);
  });
});

describe('ListAttendees', () => {
  const list = (MeetingId: string, MaxResults?: number, NextToken?: string) =>
    t.chime.send(new ListAttendeesCommand({ MeetingId, MaxResults, NextToken }));

  it('pages in creation order with MaxResults and NextToken (the SDK paginator), all at once by default', async () => {
    const { MeetingId, ids } = await seedMeeting(7);
    const pages = [];

    for await (const page of paginateListAttendees(
      { client: t.chime, pageSize: 3 },
      { MeetingId },
    )) {
      pages.push([page.Attendees?.map((attendee) => attendee.AttendeeId), page.NextToken]);
    }
    const all = await list(MeetingId);

    expect(pages).toEqual([
      [ids.slice(0, 3), expect.any(String)],
      [ids.slice(3, 6), expect.any(String)],
      [ids.slice(6), undefined],
    ]);
    expect(all.Attendees?.map((a) => a.AttendeeId)).toEqual(ids);
    expect(all.NextToken).toBeUndefined();
    expect((await list((await seedMeeting(0)).MeetingId)).Attendees).toEqual([]);
  });

  it('neither skips nor repeats attendees deleted between pages', async () => {
    const { MeetingId, ids } = await seedMeeting(4);
    const first = await list(MeetingId, 2);
    await t.chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: ids[0] }));

    const second = await list(MeetingId, 2, first.NextToken);

    expect(second.Attendees?.map((a) => a.AttendeeId)).toEqual(ids.slice(2));
  });

  it('answers BadRequestException for a NextToken it did not issue, or of another meeting', async () => {
    const { MeetingId } = await seedMeeting(3);
    const other = await seedMeeting(0);
    const { NextToken } = await list(MeetingId, 1);

    for (const [meeting, token] of [
      [MeetingId, 'forged'],
      [other.MeetingId, NextToken],
    ]) {
      await expect(list(meeting as string, undefined, token)).rejects.toMatchObject({
        name: 'BadRequestException',
        message: 'Invalid NextToken',
      });
    }
  });
});

describe('capability updates', () => {
  it('set one attendee’s capabilities and return it; GetAttendee and ListAttendees show it, in order', async () => {
    const { MeetingId, ids } = await seedMeeting();
    const before = (await t.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId: ids[0] })))
      .Attendee;

    const output = await updateOne(MeetingId, ids[0], MUTED);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendee).toEqual({ ...before, Capabilities: MUTED });
    expect(
      (await t.chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId: ids[0] }))).Attendee,
    ).toEqual(output.Attendee);
    expect(Object.entries(await capabilitiesById(MeetingId))).toEqual([
      [ids[0], MUTED],
      [ids[1], ALL],
      [ids[2], ALL],
    ]);
  });

  it('publish chime:AttendeeCapabilitiesUpdated in the shape of the developer guide', async () => {
    const { MeetingId, ids } = await seedMeeting();

    await updateOne(MeetingId, ids[1], { Audio: 'Send', Video: 'Receive', Content: 'Receive' });

    // The envelope is every event's; the events tests check it whole.
    expect((await t.published()).map((event) => event.detail)).toEqual([
      {
        version: '0',
        eventType: 'chime:AttendeeCapabilitiesUpdated',
        success: '1',
        timestamp: NOW,
        meetingId: MeetingId,
        externalMeetingId: 'seed-1',
        attendeeId: ids[1],
        externalUserId: 'user-1-2',
        mediaRegion: 'eu-central-1',
        attendeeCapabilities: { audio: 'Send', video: 'Receive', content: 'Receive' },
      },
    ]);
  });

  it('set every attendee but the excluded ones (empty 200), one event each, ignoring ids of nobody', async () => {
    const { MeetingId, ids } = await seedMeeting(4);
    const [kept, a, b, alsoKept] = ids as [string, string, string, string];

    const output = await updateAllExcept(MeetingId, [kept, alsoKept, UNKNOWN_ID], MUTED);

    expect(output).toEqual({ $metadata: expect.objectContaining({ httpStatusCode: 200 }) });
    expect(await capabilitiesById(MeetingId)).toEqual({
      [kept]: ALL,
      [a]: MUTED,
      [b]: MUTED,
      [alsoKept]: ALL,
    });
    const published = await t.published();
    expect(published.map((event) => event.detail)).toEqual(
      [a, b].map((attendeeId, i) =>
        expect.objectContaining({
          eventType: 'chime:AttendeeCapabilitiesUpdated',
          attendeeId,
          externalUserId: `user-1-${i + 2}`,
          attendeeCapabilities: { audio: 'Receive', video: 'None', content: 'None' },
        }),
      ),
    );
    expect(new Set(published.map((event) => event.id)).size).toBe(2);
    t.events.length = 0;
    await updateAllExcept(MeetingId, ids, MUTED);
    expect(await t.published()).toEqual([]);
  });

  it('record their calls with the ids of the path', async () => {
    const { MeetingId, ids } = await seedMeeting();

    const one = await updateOne(MeetingId, ids[0], MUTED);
    const batch = await updateAllExcept(MeetingId, [ids[0] as string], MUTED);

    expect(t.emulator.calls()).toEqual([
      {
        operation: 'UpdateAttendeeCapabilities',
        status: 200,
        meetingId: MeetingId,
        attendeeId: ids[0],
        requestId: one.$metadata.requestId,
      },
      {
        operation: 'BatchUpdateAttendeeCapabilitiesExcept',
        status: 200,
        meetingId: MeetingId,
        requestId: batch.$metadata.requestId,
      },
    ]);
  });

  it('answer NotFoundException for an attendee unknown or deleted, publishing nothing', async () => {
    const { MeetingId, ids } = await seedMeeting(2);
    await t.chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: ids[0] }));
    await t.published();
    t.events.length = 0;

    for (const AttendeeId of [UNKNOWN_ID, ids[0]]) {
      expect(await rejectionOf(updateOne(MeetingId, AttendeeId, MUTED))).toMatchObject({
        name: 'NotFoundException',
        message: `Attendee <${AttendeeId}> not found`,
        $metadata: expect.objectContaining({ httpStatusCode: 404 }),
      });
    }
    expect(await t.published()).toEqual([]);
  });
});

describe('the documented capability rules', () => {
  const videoOff = { Video: { MaxResolution: 'None' } } as const;
  const contentOff = { Content: { MaxResolution: 'None' } } as const;
  const refuse = (Video: string, Content: string, features?: object) => [Video, Content, features];

  it.each([
    ...['Send', 'Receive', 'SendReceive'].map((video) => [
      ...refuse(video, 'None', videoOff),
      /Video capabilities must be None/,
    ]),
    ...['Send', 'Receive', 'SendReceive'].map((content) => [
      ...refuse('SendReceive', content, contentOff),
      /Content capabilities must be None/,
    ]),
    ...[
      ['None', 'Receive'],
      ['Send', 'Receive'],
      ['Send', 'SendReceive'],
      ['None', 'SendReceive'],
    ].map(([video, content]) => [...refuse(video as string, content as string), /require Video/]),
  ] as [string, string, sdk.MeetingFeaturesConfiguration | undefined, RegExp][])(
    'refuse Video %s with Content %s (features %j) with BadRequestException 400 in all three operations, changing nobody',
    async (Video, Content, meetingFeatures, message) => {
      const { MeetingId, ids } = await seedMeeting(2, meetingFeatures);
      const before = await capabilitiesById(MeetingId);
      const Capabilities = { Audio: 'SendReceive', Video, Content } as AttendeeCapabilities;

      const errors = await Promise.all(
        [
          t.chime.send(
            new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'zoe', Capabilities }),
          ),
          updateOne(MeetingId, ids[0], Capabilities),
          updateAllExcept(MeetingId, [UNKNOWN_ID], Capabilities),
        ].map(rejectionOf),
      );

      expect(errors).toMatchObject(
        Array(3).fill({
          name: 'BadRequestException',
          message: expect.stringMatching(message),
          $metadata: expect.objectContaining({ httpStatusCode: 400 }),
        }),
      );
      expect(await capabilitiesById(MeetingId)).toEqual(before);
      expect(await t.published()).toEqual([]);
    },
  );

  it.each([
    ['None', 'Send', undefined],
    ['Receive', 'Receive', undefined],
    ['SendReceive', 'SendReceive', undefined],
    ['None', 'Send', videoOff],
    ['Receive', 'None', contentOff],
    ['None', 'None', { ...videoOff, ...contentOff }],
  ] as const)('allow Video %s with Content %s (features %j)', async (Video, Content, features) => {
    const { MeetingId, ids } = await seedMeeting(2, features);
    const Capabilities = { Audio: 'Send', Video, Content } as const;

    await updateOne(MeetingId, ids[0], Capabilities);
    await updateAllExcept(MeetingId, [ids[0] as string], Capabilities);
    const { Attendee } = await t.chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'zoe', Capabilities }),
    );

    expect(Object.values(await capabilitiesById(MeetingId))).toEqual(Array(3).fill(Capabilities));
    expect(Attendee?.Capabilities).toEqual(Capabilities);
  });
});
