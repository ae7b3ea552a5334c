import {
  type Attendee,
  type AttendeeCapabilities,
  BatchUpdateAttendeeCapabilitiesExceptCommand,
  type ChimeSDKMeetingsClient,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  GetAttendeeCommand,
  GetMeetingCommand,
  ListAttendeesCommand,
  type MeetingFeaturesConfiguration,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  type ChimeMeetingEvent,
  chimeClientFor,
  createChimeEmulator,
} from '../../local/chime-emulator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOW = Date.UTC(2026, 0, 15, 9, 30, 0, 123);
const UNKNOWN_ID = '0a1b2c3d-0000-4000-8000-000000000000';

const events: ChimeMeetingEvent[] = [];
const emulator = createChimeEmulator({
  accountId: '111122223333',
  region: 'us-east-1',
  clock: () => NOW,
  onEvent: (event) => {
    events.push(event);
  },
});
let url: string;
let chime: ChimeSDKMeetingsClient;

beforeAll(async () => {
  ({ url } = await emulator.start());
  chime = chimeClientFor(url, { maxAttempts: 1 });
});
afterEach(async () => {
  await emulator.drainEvents();
  emulator.reset();
  events.length = 0;
});
afterAll(async () => {
  chime.destroy();
  await emulator.stop();
});

/**
 * Seeds one meeting (eu-central-1, `seed-1`) with `attendees` attendees (`user-1-1`, …),
 * then forgets their `chime:AttendeeAdded` events and the calls so far.
 */
const seedMeeting = async (
  options: { attendees?: number; meetingFeatures?: MeetingFeaturesConfiguration } = {},
) => {
  const [meeting] = emulator.seed({
    meetings: 1,
    attendeesPerMeeting: options.attendees ?? 3,
    mediaRegion: 'eu-central-1',
    ...(options.meetingFeatures === undefined ? {} : { meetingFeatures: options.meetingFeatures }),
  });
  if (!meeting) throw new Error('seed returned nothing');
  await emulator.drainEvents();
  events.length = 0;
  emulator.resetCalls();
  return {
    MeetingId: meeting.MeetingId,
    attendeeIds: meeting.Attendees.map((attendee) => attendee.AttendeeId),
  };
};

const getAttendee = async (MeetingId: string, AttendeeId: string | undefined) =>
  (await chime.send(new GetAttendeeCommand({ MeetingId, AttendeeId }))).Attendee as Attendee;

const capabilitiesById = async (MeetingId: string) => {
  const { Attendees = [] } = await chime.send(new ListAttendeesCommand({ MeetingId }));
  return Object.fromEntries(Attendees.map((a) => [a.AttendeeId, a.Capabilities]));
};

/** The events published so far, once every delivery has finished. */
const publishedEvents = async () => {
  await emulator.drainEvents();
  return events;
};

const rejectionOf = async (promise: Promise<unknown>): Promise<Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('Expected the call to fail');
};

const ALL_SEND_RECEIVE = { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' };
const MUTED = { Audio: 'Receive', Video: 'None', Content: 'None' } as const;

const updateOne = (MeetingId: string, AttendeeId: string | undefined, Capabilities: unknown) =>
  chime.send(
    new UpdateAttendeeCapabilitiesCommand({
      MeetingId,
      AttendeeId,
      Capabilities: Capabilities as AttendeeCapabilities,
    }),
  );

const updateAllExcept = (MeetingId: string, excluded: readonly string[], Capabilities: unknown) =>
  chime.send(
    new BatchUpdateAttendeeCapabilitiesExceptCommand({
      MeetingId,
      ExcludedAttendeeIds: excluded.map((AttendeeId) => ({ AttendeeId })),
      Capabilities: Capabilities as AttendeeCapabilities,
    }),
  );

describe('UpdateAttendeeCapabilities', () => {
  it('sets one attendee’s capabilities and returns the attendee, which GetAttendee and ListAttendees then show', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting();
    const [target, other] = attendeeIds;
    const before = await getAttendee(MeetingId, target);

    const output = await updateOne(MeetingId, target, MUTED);

    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(output.Attendee).toEqual({ ...before, Capabilities: MUTED });
    expect(await getAttendee(MeetingId, target)).toEqual({ ...before, Capabilities: MUTED });
    expect(await capabilitiesById(MeetingId)).toEqual({
      [target as string]: MUTED,
      [other as string]: ALL_SEND_RECEIVE,
      [attendeeIds[2] as string]: ALL_SEND_RECEIVE,
    });
  });

  it('keeps the attendees’ order in ListAttendees', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting();

    await updateOne(MeetingId, attendeeIds[0], MUTED);
    const { Attendees = [] } = await chime.send(new ListAttendeesCommand({ MeetingId }));

    expect(Attendees.map((a) => a.AttendeeId)).toEqual(attendeeIds);
  });

  it('publishes chime:AttendeeCapabilitiesUpdated in the shape of the developer guide', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting();

    await updateOne(MeetingId, attendeeIds[1], {
      Audio: 'Send',
      Video: 'Receive',
      Content: 'Receive',
    });

    expect(await publishedEvents()).toEqual([
      {
        version: '0',
        id: expect.stringMatching(UUID),
        'detail-type': 'Chime Meeting State Change',
        source: 'aws.chime',
        account: '111122223333',
        time: '2026-01-15T09:30:00Z',
        region: 'us-east-1',
        resources: [],
        detail: {
          version: '0',
          eventType: 'chime:AttendeeCapabilitiesUpdated',
          success: '1',
          timestamp: NOW,
          meetingId: MeetingId,
          externalMeetingId: 'seed-1',
          attendeeId: attendeeIds[1],
          externalUserId: 'user-1-2',
          mediaRegion: 'eu-central-1',
          attendeeCapabilities: { audio: 'Send', video: 'Receive', content: 'Receive' },
        },
      },
    ]);
  });

  it('records the call with its ids, and counts it in the stats', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting();

    const output = await updateOne(MeetingId, attendeeIds[0], MUTED);

    expect(emulator.calls()).toEqual([
      {
        operation: 'UpdateAttendeeCapabilities',
        status: 200,
        meetingId: MeetingId,
        attendeeId: attendeeIds[0],
        requestId: output.$metadata.requestId,
      },
    ]);
    expect(emulator.stats().operations.UpdateAttendeeCapabilities).toEqual({
      calls: 1,
      throttled: 0,
    });
  });
});

describe('BatchUpdateAttendeeCapabilitiesExcept', () => {
  it('sets the capabilities of every attendee but the excluded ones, with an empty 200', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 4 });
    const [kept, a, b, alsoKept] = attendeeIds as [string, string, string, string];
    const before = await getAttendee(MeetingId, a);

    const output = await updateAllExcept(MeetingId, [kept, alsoKept], MUTED);

    expect(output).toEqual({ $metadata: expect.objectContaining({ httpStatusCode: 200 }) });
    expect(await capabilitiesById(MeetingId)).toEqual({
      [kept]: ALL_SEND_RECEIVE,
      [a]: MUTED,
      [b]: MUTED,
      [alsoKept]: ALL_SEND_RECEIVE,
    });
    expect(await getAttendee(MeetingId, a)).toEqual({ ...before, Capabilities: MUTED });
  });

  it('publishes one chime:AttendeeCapabilitiesUpdated per attendee updated, none for the excluded', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 3 });
    const [kept, a, b] = attendeeIds;

    await updateAllExcept(MeetingId, [kept as string], MUTED);

    const published = await publishedEvents();
    expect(published.map((event) => event.detail)).toEqual(
      [
        [a, 'user-1-2'],
        [b, 'user-1-3'],
      ].map(([attendeeId, externalUserId]) => ({
        version: '0',
        eventType: 'chime:AttendeeCapabilitiesUpdated',
        success: '1',
        timestamp: NOW,
        meetingId: MeetingId,
        externalMeetingId: 'seed-1',
        attendeeId,
        externalUserId,
        mediaRegion: 'eu-central-1',
        attendeeCapabilities: { audio: 'Receive', video: 'None', content: 'None' },
      })),
    );
    expect(published.every((event) => event.source === 'aws.chime')).toBe(true);
    expect(new Set(published.map((event) => event.id)).size).toBe(2);
  });

  it('succeeds without events when every attendee is excluded, and ignores ids that name nobody', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 2 });

    await updateAllExcept(MeetingId, [...attendeeIds, UNKNOWN_ID], MUTED);

    expect(await publishedEvents()).toEqual([]);
    expect(Object.values(await capabilitiesById(MeetingId))).toEqual([
      ALL_SEND_RECEIVE,
      ALL_SEND_RECEIVE,
    ]);
  });

  it('records the call with the meeting id', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting();

    const output = await updateAllExcept(MeetingId, [attendeeIds[0] as string], MUTED);

    expect(emulator.calls()).toEqual([
      {
        operation: 'BatchUpdateAttendeeCapabilitiesExcept',
        status: 200,
        meetingId: MeetingId,
        requestId: output.$metadata.requestId,
      },
    ]);
  });
});

describe('the documented capability rules', () => {
  const videoOff = { Video: { MaxResolution: 'None' } } as const;
  const contentOff = { Content: { MaxResolution: 'None' } } as const;
  const bothOff = { ...videoOff, ...contentOff } as const;

  it.each([
    [
      'Video Send when the meeting has video off',
      videoOff,
      'Send',
      'None',
      /Video capabilities must be None/,
    ],
    [
      'Video Receive when the meeting has video off',
      videoOff,
      'Receive',
      'None',
      /Video capabilities must be None/,
    ],
    [
      'Video SendReceive when the meeting has video off',
      videoOff,
      'SendReceive',
      'None',
      /Video capabilities must be None/,
    ],
    [
      'Content Send when the meeting has content off',
      contentOff,
      'None',
      'Send',
      /Content capabilities must be None/,
    ],
    [
      'Content Receive when the meeting has content off',
      contentOff,
      'Receive',
      'Receive',
      /Content capabilities must be None/,
    ],
    [
      'Content SendReceive when the meeting has content off',
      contentOff,
      'SendReceive',
      'SendReceive',
      /Content capabilities must be None/,
    ],
    ['Content Receive with Video None', undefined, 'None', 'Receive', /require Video/],
    ['Content Receive with Video Send', undefined, 'Send', 'Receive', /require Video/],
    ['Content SendReceive with Video Send', undefined, 'Send', 'SendReceive', /require Video/],
    ['Content SendReceive with Video None', undefined, 'None', 'SendReceive', /require Video/],
  ] as const)(
    'refuse %s with BadRequestException 400, in both operations, changing nobody',
    async (_case, meetingFeatures, Video, Content, message) => {
      const { MeetingId, attendeeIds } = await seedMeeting({
        attendees: 2,
        ...(meetingFeatures === undefined ? {} : { meetingFeatures }),
      });
      const before = await capabilitiesById(MeetingId);
      const capabilities = { Audio: 'SendReceive', Video, Content };

      const single = await rejectionOf(updateOne(MeetingId, attendeeIds[0], capabilities));
      const batch = await rejectionOf(updateAllExcept(MeetingId, [UNKNOWN_ID], capabilities));

      for (const error of [single, batch]) {
        expect(error).toMatchObject({
          name: 'BadRequestException',
          message: expect.stringMatching(message),
          $metadata: expect.objectContaining({ httpStatusCode: 400 }),
        });
      }
      expect(await capabilitiesById(MeetingId)).toEqual(before);
      expect(await publishedEvents()).toEqual([]);
    },
  );

  it.each([
    ['Content Send with Video None', undefined, 'None', 'Send'],
    ['Content Receive with Video Receive', undefined, 'Receive', 'Receive'],
    ['Content SendReceive with Video SendReceive', undefined, 'SendReceive', 'SendReceive'],
    ['Video None and Content Send when video is off', videoOff, 'None', 'Send'],
    ['Video Receive and Content None when content is off', contentOff, 'Receive', 'None'],
    ['Video None and Content None when both are off', bothOff, 'None', 'None'],
  ] as const)('allow %s', async (_case, meetingFeatures, Video, Content) => {
    const { MeetingId, attendeeIds } = await seedMeeting({
      attendees: 2,
      ...(meetingFeatures === undefined ? {} : { meetingFeatures }),
    });
    const capabilities = { Audio: 'Send', Video, Content } as const;

    await updateOne(MeetingId, attendeeIds[0], capabilities);
    await updateAllExcept(MeetingId, [attendeeIds[0] as string], capabilities);

    expect(Object.values(await capabilitiesById(MeetingId))).toEqual([capabilities, capabilities]);
  });
});

describe('missing resources', () => {
  it('answers NotFoundException for an unknown meeting, in both operations', async () => {
    for (const call of [
      updateOne(UNKNOWN_ID, UNKNOWN_ID, MUTED),
      updateAllExcept(UNKNOWN_ID, [UNKNOWN_ID], MUTED),
    ]) {
      expect(await rejectionOf(call)).toMatchObject({
        name: 'NotFoundException',
        message: `Meeting <${UNKNOWN_ID}> not found`,
        $metadata: expect.objectContaining({ httpStatusCode: 404 }),
      });
    }
    expect(await publishedEvents()).toEqual([]);
  });

  it('answers NotFoundException for an unknown attendee, and for one deleted', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 1 });
    await chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId: attendeeIds[0] }));
    await emulator.drainEvents();
    events.length = 0;

    for (const AttendeeId of [UNKNOWN_ID, attendeeIds[0]]) {
      expect(await rejectionOf(updateOne(MeetingId, AttendeeId, MUTED))).toMatchObject({
        name: 'NotFoundException',
        message: `Attendee <${AttendeeId}> not found`,
        $metadata: expect.objectContaining({ httpStatusCode: 404 }),
      });
    }
    expect(await publishedEvents()).toEqual([]);
  });

  it('answers NotFoundException once the meeting was deleted', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 1 });
    await chime.send(new DeleteMeetingCommand({ MeetingId }));

    expect(await rejectionOf(updateOne(MeetingId, attendeeIds[0], MUTED))).toMatchObject({
      name: 'NotFoundException',
    });
    expect(await rejectionOf(updateAllExcept(MeetingId, [UNKNOWN_ID], MUTED))).toMatchObject({
      name: 'NotFoundException',
    });
  });
});

describe('input validation', () => {
  const badRequest = (message: RegExp) => ({
    name: 'BadRequestException',
    message: expect.stringMatching(message),
    $metadata: expect.objectContaining({ httpStatusCode: 400 }),
  });

  it('refuses path ids that are not GUIDs', async () => {
    const { MeetingId } = await seedMeeting({ attendees: 1 });

    expect(await rejectionOf(updateOne('not-a-guid', UNKNOWN_ID, MUTED))).toMatchObject(
      badRequest(/MeetingId does not match/),
    );
    expect(await rejectionOf(updateOne(MeetingId, 'not-a-guid', MUTED))).toMatchObject(
      badRequest(/AttendeeId does not match/),
    );
    expect(await rejectionOf(updateAllExcept('not-a-guid', [UNKNOWN_ID], MUTED))).toMatchObject(
      badRequest(/MeetingId does not match/),
    );
  });

  it.each([
    ['no Capabilities', undefined, /Capabilities is required/],
    ['Capabilities without Content', { Audio: 'None', Video: 'None' }, /Content is required/],
    ['an unknown Audio value', { Audio: 'Loud', Video: 'None', Content: 'None' }, /Audio must be/],
    ['an unknown Video value', { Audio: 'None', Video: 'On', Content: 'None' }, /Video must be/],
    ['Capabilities that are not an object', 'SendReceive', /must be an object/],
  ])('refuses %s in both operations', async (_case, capabilities, message) => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 1 });

    expect(await rejectionOf(updateOne(MeetingId, attendeeIds[0], capabilities))).toMatchObject(
      badRequest(message),
    );
    expect(await rejectionOf(updateAllExcept(MeetingId, [UNKNOWN_ID], capabilities))).toMatchObject(
      badRequest(message),
    );
  });

  it.each([
    ['missing', undefined, /ExcludedAttendeeIds is required/],
    ['empty', [], /between 1 and 250/],
    ['longer than 250', Array.from({ length: 251 }, () => ({ AttendeeId: UNKNOWN_ID })), /250/],
    ['holding an item without AttendeeId', [{}], /AttendeeId is required/],
    ['holding an id that is not a GUID', [{ AttendeeId: 'alice' }], /AttendeeId does not match/],
  ])('refuses ExcludedAttendeeIds %s', async (_case, ExcludedAttendeeIds, message) => {
    const { MeetingId } = await seedMeeting({ attendees: 1 });

    const error = await rejectionOf(
      chime.send(
        new BatchUpdateAttendeeCapabilitiesExceptCommand({
          MeetingId,
          ExcludedAttendeeIds: ExcludedAttendeeIds as never,
          Capabilities: MUTED,
        }),
      ),
    );

    expect(error).toMatchObject(badRequest(message));
  });

  it('accepts 250 excluded ids', async () => {
    const { MeetingId } = await seedMeeting({ attendees: 1 });
    const excluded = Array.from({ length: 250 }, () => UNKNOWN_ID);

    await updateAllExcept(MeetingId, excluded, MUTED);

    expect(Object.values(await capabilitiesById(MeetingId))).toEqual([MUTED]);
  });

  it('refuses a body that is not a JSON object', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 1 });

    for (const path of [
      `/meetings/${MeetingId}/attendees/${attendeeIds[0]}/capabilities`,
      `/meetings/${MeetingId}/attendees/capabilities?operation=batch-update-except`,
    ]) {
      const response = await fetch(`${url}${path}`, { method: 'PUT', body: '[1]' });
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    }
  });

  it('answers the capabilities path without the batch operation as an unknown operation', async () => {
    const { MeetingId } = await seedMeeting({ attendees: 1 });

    const response = await fetch(`${url}/meetings/${MeetingId}/attendees/capabilities`, {
      method: 'PUT',
      body: JSON.stringify({
        ExcludedAttendeeIds: [{ AttendeeId: UNKNOWN_ID }],
        Capabilities: MUTED,
      }),
    });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await publishedEvents()).toEqual([]);
  });
});

describe('faults and rates', () => {
  it('applies an injected fault to the operation it names, changing nothing', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 2 });
    emulator.injectFault({
      operation: 'UpdateAttendeeCapabilities',
      match: { attendeeId: attendeeIds[0] as string },
      fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 3 },
    });
    emulator.injectFault({
      operation: 'BatchUpdateAttendeeCapabilitiesExcept',
      fault: { type: 'error', name: 'ThrottlingException' },
    });

    const single = await rejectionOf(updateOne(MeetingId, attendeeIds[0], MUTED));
    const batch = await rejectionOf(updateAllExcept(MeetingId, [UNKNOWN_ID], MUTED));

    expect(single).toMatchObject({ name: 'ServiceUnavailableException', RetryAfterSeconds: '3' });
    expect(batch).toMatchObject({ name: 'ThrottlingException' });
    expect(
      emulator.calls().map(({ operation, status, fault }) => [operation, status, fault]),
    ).toEqual([
      ['UpdateAttendeeCapabilities', 503, 'error'],
      ['BatchUpdateAttendeeCapabilitiesExcept', 429, 'error'],
    ]);
    expect(Object.values(await capabilitiesById(MeetingId))).toEqual([
      ALL_SEND_RECEIVE,
      ALL_SEND_RECEIVE,
    ]);
    expect(await publishedEvents()).toEqual([]);
  });

  it('accepts fault rules for both operations through the admin API', async () => {
    const response = await fetch(`${url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify([
        { operation: 'UpdateAttendeeCapabilities', fault: { type: 'reset' } },
        { operation: 'BatchUpdateAttendeeCapabilitiesExcept', fault: { type: 'hang', ms: 1 } },
      ]),
    });

    expect(response.status).toBe(201);
    expect(emulator.faults().map((fault) => fault.operation)).toEqual([
      'UpdateAttendeeCapabilities',
      'BatchUpdateAttendeeCapabilitiesExcept',
    ]);
  });

  it('draws both operations from the meeting-management bucket that GetAttendee uses', async () => {
    const { MeetingId, attendeeIds } = await seedMeeting({ attendees: 1 });
    emulator.configureRates({ buckets: { MeetingManagement: { burst: 3 } } });

    await getAttendee(MeetingId, attendeeIds[0]);
    await updateOne(MeetingId, attendeeIds[0], MUTED);
    await updateAllExcept(MeetingId, [UNKNOWN_ID], MUTED);
    const throttled = await rejectionOf(updateOne(MeetingId, attendeeIds[0], MUTED));
    await chime.send(new GetMeetingCommand({ MeetingId }));

    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      $metadata: expect.objectContaining({ httpStatusCode: 429 }),
    });
    expect(emulator.stats().operations.UpdateAttendeeCapabilities).toEqual({
      calls: 2,
      throttled: 1,
    });
  });
});
