import * as sdk from '@aws-sdk/client-chime-sdk-meetings';
import {
  BatchCreateAttendeeCommand,
  type ChimeSDKMeetingsClient,
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
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  CHIME_ERRORS,
  chimeClientFor,
  createChimeEmulator,
  OPERATIONS,
} from '../../local/chime-emulator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOIN_TOKEN = /^[a-zA-Z0-9+/]+$/;
const UNKNOWN_ID = '0a1b2c3d-0000-4000-8000-000000000000';

const emulator = createChimeEmulator({ accountId: '111122223333' });
let chime: ChimeSDKMeetingsClient;

beforeAll(async () => {
  const { url } = await emulator.start();
  chime = chimeClientFor(url, { maxAttempts: 1 });
});
afterEach(() => emulator.reset());
afterAll(async () => {
  chime.destroy();
  await emulator.stop();
});

const createMeeting = async (input: Partial<CreateMeetingCommandInput> = {}) => {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({ MediaRegion: 'us-east-1', ExternalMeetingId: 'room-1', ...input }),
  );
  if (!Meeting?.MeetingId) throw new Error('CreateMeeting returned no meeting');
  return { ...Meeting, MeetingId: Meeting.MeetingId };
};

const createAttendee = async (MeetingId: string, ExternalUserId: string) => {
  const { Attendee } = await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId }));
  if (!Attendee?.AttendeeId) throw new Error('CreateAttendee returned no attendee');
  return { ...Attendee, AttendeeId: Attendee.AttendeeId };
};

const rejectionOf = async (promise: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('Expected the call to fail');
};

describe('the wire contract', () => {
  const schemaOf = (name: string) =>
    (sdk as unknown as Record<string, readonly unknown[]>)[`${name}$`]?.[3] as Record<
      string,
      unknown
    >;

  it.each(Object.entries(OPERATIONS))(
    'binds %s to the method, URI and status of the SDK schema',
    (name, http) => {
      expect(schemaOf(name).http).toEqual(http);
    },
  );

  it.each(Object.entries(CHIME_ERRORS))(
    'answers %s with the status of the SDK error schema',
    (name, error) => {
      expect(schemaOf(name).httpError).toBe(error.status);
    },
  );
});

describe('CreateMeeting', () => {
  it('creates a meeting with an ARN and media placement in its media Region', async () => {
    const output = await chime.send(
      new CreateMeetingCommand({ MediaRegion: 'eu-central-1', ExternalMeetingId: 'room-1' }),
    );
    const meeting = output.Meeting;
    const id = meeting?.MeetingId as string;

    expect(output.$metadata).toMatchObject({
      httpStatusCode: 200,
      requestId: expect.stringMatching(UUID),
    });
    expect(id).toMatch(UUID);
    expect(meeting).toEqual({
      MeetingId: id,
      ExternalMeetingId: 'room-1',
      MediaRegion: 'eu-central-1',
      MediaPlacement: {
        AudioHostUrl: `${id.replaceAll('-', '')}.k.m3.ec1.app.chime.aws:3478`,
        AudioFallbackUrl: `wss://wss.k.m3.ec1.app.chime.aws:443/calls/${id}`,
        SignalingUrl: `wss://signal.m3.ec1.app.chime.aws/control/${id}`,
        TurnControlUrl: `https://${id.slice(-4)}.cell.eu-central-1.meetings.chime.aws/v2/turn_sessions`,
        ScreenDataUrl: `wss://bitpw.m3.ec1.app.chime.aws:443/v2/screen/${id}`,
        ScreenViewingUrl: `wss://bitpw.m3.ec1.app.chime.aws:443/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id=${id}`,
        ScreenSharingUrl: `wss://bitpw.m3.ec1.app.chime.aws:443/v2/screen/${id}`,
        EventIngestionUrl: 'https://data.svc.ue1.ingest.chime.aws/v1/client-events',
      },
      TenantIds: [],
      MeetingArn: `arn:aws:chime:eu-central-1:111122223333:meeting/${id}`,
    });
  });

  it('echoes the optional members it was given', async () => {
    const meeting = await createMeeting({
      MeetingHostId: 'host-1',
      TenantIds: ['tenant-a'],
      MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' }, Video: { MaxResolution: 'FHD' } },
      Tags: [{ Key: 'team', Value: 'bff' }],
      NotificationsConfiguration: { SqsQueueArn: 'arn:aws:sqs:us-east-1:111122223333:events' },
    });

    expect(meeting).toMatchObject({
      MeetingHostId: 'host-1',
      TenantIds: ['tenant-a'],
      MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' }, Video: { MaxResolution: 'FHD' } },
    });
  });

  it('returns the same meeting for a repeated ClientRequestToken', async () => {
    const first = await createMeeting({ ClientRequestToken: 'token-1' });
    const again = await createMeeting({ ClientRequestToken: 'token-1' });
    const other = await createMeeting({ ClientRequestToken: 'token-2' });

    expect(again).toEqual(first);
    expect(other.MeetingId).not.toBe(first.MeetingId);
  });

  it('creates a new meeting for each call when the SDK fills in the token', async () => {
    const first = await createMeeting();
    const second = await createMeeting();

    expect(second.MeetingId).not.toBe(first.MeetingId);
  });

  it('replicates from an existing primary meeting', async () => {
    const primary = await createMeeting();
    const replica = await createMeeting({ PrimaryMeetingId: primary.MeetingId });

    expect(replica.PrimaryMeetingId).toBe(primary.MeetingId);
  });
});

describe('CreateMeetingWithAttendees', () => {
  it('creates the meeting and its attendees, reporting refused entries', async () => {
    const output = await chime.send(
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
});

describe('GetMeeting', () => {
  it('returns the meeting as CreateMeeting described it', async () => {
    const created = await createMeeting();

    const { Meeting } = await chime.send(new GetMeetingCommand({ MeetingId: created.MeetingId }));

    expect(Meeting).toEqual(created);
  });

  it('answers NotFoundException for an unknown meeting', async () => {
    const error = await rejectionOf(chime.send(new GetMeetingCommand({ MeetingId: UNKNOWN_ID })));

    expect(error).toMatchObject({
      name: 'NotFoundException',
      message: `Meeting <${UNKNOWN_ID}> not found`,
      Code: 'NotFound',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
    });
  });
});

describe('DeleteMeeting', () => {
  it('answers 204 and ends the meeting and every attendee in it', async () => {
    const { MeetingId } = await createMeeting();
    const { AttendeeId } = await createAttendee(MeetingId, 'alice');

    const output = await chime.send(new DeleteMeetingCommand({ MeetingId }));

    expect(output.$metadata.httpStatusCode).toBe(204);
    const afterwards = await Promise.allSettled([
      chime.send(new GetMeetingCommand({ MeetingId })),
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId })),
      chime.send(new ListAttendeesCommand({ MeetingId })),
      chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'bob' })),
      chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId })),
      chime.send(new DeleteMeetingCommand({ MeetingId })),
    ]);
    expect(afterwards).toEqual(
      Array(6).fill({
        status: 'rejected',
        reason: expect.objectContaining({ name: 'NotFoundException' }),
      }),
    );
  });
});

describe('CreateAttendee', () => {
  it('creates an attendee with a JoinToken and SendReceive capabilities by default', async () => {
    const { MeetingId } = await createMeeting();

    const output = await chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'alice@example.com' }),
    );
    const attendee = output.Attendee;

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(attendee).toEqual({
      ExternalUserId: 'alice@example.com',
      AttendeeId: expect.stringMatching(UUID),
      JoinToken: expect.stringMatching(JOIN_TOKEN),
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
    });
    expect(attendee?.JoinToken?.length).toBeGreaterThanOrEqual(180);
  });

  it('returns the existing attendee for an ExternalUserId already in the meeting', async () => {
    const { MeetingId } = await createMeeting();
    const first = await createAttendee(MeetingId, 'alice');

    const again = await createAttendee(MeetingId, 'alice');

    expect(again).toEqual(first);
  });

  it('creates a new attendee for the same ExternalUserId after the first was deleted', async () => {
    const { MeetingId } = await createMeeting();
    const first = await createAttendee(MeetingId, 'alice');
    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: first.AttendeeId }));

    const second = await createAttendee(MeetingId, 'alice');

    expect(second.AttendeeId).not.toBe(first.AttendeeId);
    expect(second.JoinToken).not.toBe(first.JoinToken);
  });

  it('gives each attendee its own id and token', async () => {
    const { MeetingId } = await createMeeting();

    const alice = await createAttendee(MeetingId, 'alice');
    const bob = await createAttendee(MeetingId, 'bob');

    expect(bob.AttendeeId).not.toBe(alice.AttendeeId);
    expect(bob.JoinToken).not.toBe(alice.JoinToken);
  });

  it('keeps explicit capabilities that follow the rules', async () => {
    const { MeetingId } = await createMeeting();
    const Capabilities = { Audio: 'Send', Video: 'Receive', Content: 'None' } as const;

    const { Attendee } = await chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'alice', Capabilities }),
    );

    expect(Attendee?.Capabilities).toEqual(Capabilities);
  });

  it('defaults video to Receive in a meeting with video off but content on', async () => {
    const { MeetingId } = await createMeeting({
      MeetingFeatures: { Video: { MaxResolution: 'None' }, Content: { MaxResolution: 'FHD' } },
    });

    const { Capabilities } = await createAttendee(MeetingId, 'alice');

    expect(Capabilities).toEqual({
      Audio: 'SendReceive',
      Video: 'Receive',
      Content: 'SendReceive',
    });
  });

  it('defaults video and content to None in a meeting with both off', async () => {
    const { MeetingId } = await createMeeting({
      MeetingFeatures: { Video: { MaxResolution: 'None' }, Content: { MaxResolution: 'None' } },
    });

    const { Capabilities } = await createAttendee(MeetingId, 'alice');

    expect(Capabilities).toEqual({ Audio: 'SendReceive', Video: 'None', Content: 'None' });
  });

  it('answers LimitExceededException once the meeting holds MaxCount attendees', async () => {
    const { MeetingId } = await createMeeting({ MeetingFeatures: { Attendee: { MaxCount: 2 } } });
    await createAttendee(MeetingId, 'alice');
    await createAttendee(MeetingId, 'bob');

    const error = await rejectionOf(createAttendee(MeetingId, 'carol'));

    expect(error).toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(createAttendee(MeetingId, 'alice')).resolves.toBeDefined();
  });

  it('answers NotFoundException for an unknown meeting', async () => {
    await expect(createAttendee(UNKNOWN_ID, 'alice')).rejects.toMatchObject({
      name: 'NotFoundException',
    });
  });
});

describe('BatchCreateAttendee', () => {
  it('creates the valid entries and reports each refused one', async () => {
    const { MeetingId } = await createMeeting();
    const existing = await createAttendee(MeetingId, 'alice');

    const output = await chime.send(
      new BatchCreateAttendeeCommand({
        MeetingId,
        Attendees: [
          { ExternalUserId: 'alice' },
          {
            ExternalUserId: 'bob',
            Capabilities: { Audio: 'SendReceive', Video: 'None', Content: 'None' },
          },
          { ExternalUserId: 'x' },
          {
            ExternalUserId: 'carol',
            Capabilities: { Audio: 'None', Video: 'Send', Content: 'Receive' },
          },
        ],
      }),
    );

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendees).toEqual([
      existing,
      {
        ExternalUserId: 'bob',
        AttendeeId: expect.stringMatching(UUID),
        JoinToken: expect.stringMatching(JOIN_TOKEN),
        Capabilities: { Audio: 'SendReceive', Video: 'None', Content: 'None' },
      },
    ]);
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

  it('accepts the model maximum of 100 entries', async () => {
    const { MeetingId } = await createMeeting();
    const Attendees = Array.from({ length: 100 }, (_, i) => ({ ExternalUserId: `user-${i}` }));

    const output = await chime.send(new BatchCreateAttendeeCommand({ MeetingId, Attendees }));

    expect(output.Attendees).toHaveLength(100);
    expect(output.Errors).toEqual([]);
  });

  it('answers NotFoundException for an unknown meeting', async () => {
    await expect(
      chime.send(
        new BatchCreateAttendeeCommand({
          MeetingId: UNKNOWN_ID,
          Attendees: [{ ExternalUserId: 'alice' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});

describe('GetAttendee', () => {
  it('returns the attendee with its JoinToken', async () => {
    const { MeetingId } = await createMeeting();
    const created = await createAttendee(MeetingId, 'alice');

    const { Attendee } = await chime.send(
      new GetAttendeeCommand({ MeetingId, AttendeeId: created.AttendeeId }),
    );

    expect(Attendee).toEqual(created);
  });

  it('answers NotFoundException for an attendee of another meeting', async () => {
    const first = await createMeeting();
    const second = await createMeeting();
    const { AttendeeId } = await createAttendee(first.MeetingId, 'alice');

    const error = await rejectionOf(
      chime.send(new GetAttendeeCommand({ MeetingId: second.MeetingId, AttendeeId })),
    );

    expect(error).toMatchObject({
      name: 'NotFoundException',
      message: `Attendee <${AttendeeId}> not found`,
    });
  });
});

describe('ListAttendees', () => {
  const seed = async (count: number) => {
    const { MeetingId } = await createMeeting();
    const attendees = [];
    for (let i = 0; i < count; i += 1) attendees.push(await createAttendee(MeetingId, `user-${i}`));
    return { MeetingId, attendees };
  };

  it('lists every attendee in creation order when no page size is given', async () => {
    const { MeetingId, attendees } = await seed(3);

    const output = await chime.send(new ListAttendeesCommand({ MeetingId }));

    expect(output.Attendees).toEqual(attendees);
    expect(output.NextToken).toBeUndefined();
  });

  it('pages with MaxResults and NextToken over three pages', async () => {
    const { MeetingId, attendees } = await seed(7);

    const first = await chime.send(new ListAttendeesCommand({ MeetingId, MaxResults: 3 }));
    const second = await chime.send(
      new ListAttendeesCommand({ MeetingId, MaxResults: 3, NextToken: first.NextToken }),
    );
    const third = await chime.send(
      new ListAttendeesCommand({ MeetingId, MaxResults: 3, NextToken: second.NextToken }),
    );

    expect(first.Attendees).toEqual(attendees.slice(0, 3));
    expect(second.Attendees).toEqual(attendees.slice(3, 6));
    expect(third.Attendees).toEqual(attendees.slice(6));
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.NextToken).toEqual(expect.any(String));
    expect(third.NextToken).toBeUndefined();
  });

  it('works with the SDK paginator', async () => {
    const { MeetingId, attendees } = await seed(5);
    const pages = [];

    for await (const page of paginateListAttendees({ client: chime, pageSize: 2 }, { MeetingId })) {
      pages.push(page.Attendees?.map((attendee) => attendee.ExternalUserId));
    }

    expect(pages).toEqual([['user-0', 'user-1'], ['user-2', 'user-3'], ['user-4']]);
    expect(pages.flat()).toHaveLength(attendees.length);
  });

  it('neither skips nor repeats attendees deleted between pages', async () => {
    const { MeetingId, attendees } = await seed(4);
    const first = await chime.send(new ListAttendeesCommand({ MeetingId, MaxResults: 2 }));
    await chime.send(
      new DeleteAttendeeCommand({ MeetingId, AttendeeId: attendees[0]?.AttendeeId }),
    );

    const second = await chime.send(
      new ListAttendeesCommand({ MeetingId, MaxResults: 2, NextToken: first.NextToken }),
    );

    expect(second.Attendees).toEqual(attendees.slice(2));
  });

  it('answers BadRequestException for a NextToken it did not issue', async () => {
    const { MeetingId } = await seed(1);

    await expect(
      chime.send(new ListAttendeesCommand({ MeetingId, NextToken: 'forged' })),
    ).rejects.toMatchObject({ name: 'BadRequestException', message: 'Invalid NextToken' });
  });

  it('answers BadRequestException for a NextToken of another meeting', async () => {
    const { MeetingId } = await seed(3);
    const other = await seed(0);
    const { NextToken } = await chime.send(new ListAttendeesCommand({ MeetingId, MaxResults: 1 }));

    await expect(
      chime.send(new ListAttendeesCommand({ MeetingId: other.MeetingId, NextToken })),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
  });

  it('lists an empty meeting as no attendees', async () => {
    const { MeetingId } = await seed(0);

    const output = await chime.send(new ListAttendeesCommand({ MeetingId }));

    expect(output.Attendees).toEqual([]);
  });
});

describe('DeleteAttendee', () => {
  it('answers 204 and removes the attendee, leaving the others', async () => {
    const { MeetingId } = await createMeeting();
    const alice = await createAttendee(MeetingId, 'alice');
    const bob = await createAttendee(MeetingId, 'bob');

    const output = await chime.send(
      new DeleteAttendeeCommand({ MeetingId, AttendeeId: alice.AttendeeId }),
    );

    expect(output.$metadata.httpStatusCode).toBe(204);
    await expect(
      chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId: alice.AttendeeId })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    const { Attendees } = await chime.send(new ListAttendeesCommand({ MeetingId }));
    expect(Attendees).toEqual([bob]);
  });

  it('answers NotFoundException when the attendee is already gone', async () => {
    const { MeetingId } = await createMeeting();
    const { AttendeeId } = await createAttendee(MeetingId, 'alice');
    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId }));

    await expect(
      chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId })),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
  });
});
