import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  BatchCreateAttendeeCommand,
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  type ChimeEmulator,
  type ChimeEmulatorOptions,
  type ChimeMeetingEvent,
  chimeClientFor,
  createChimeEmulator,
  InvalidEventTargetError,
} from '../../local/chime-emulator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NOW = Date.UTC(2026, 0, 15, 9, 30, 0, 123);

interface Running {
  readonly emulator: ChimeEmulator;
  readonly url: string;
  readonly chime: ChimeSDKMeetingsClient;
  readonly events: ChimeMeetingEvent[];
  readonly lines: string[];
}

const running: Running[] = [];

/** An emulator on a free port with a fixed clock, collecting events unless told otherwise. */
async function start(options: ChimeEmulatorOptions = {}): Promise<Running> {
  const events: ChimeMeetingEvent[] = [];
  const lines: string[] = [];
  const emulator = createChimeEmulator({
    accountId: '111122223333',
    region: 'us-east-1',
    clock: () => NOW,
    logger: (line) => lines.push(line),
    onEvent: (event) => {
      events.push(event);
    },
    ...options,
  });
  const { url } = await emulator.start();
  const chime = chimeClientFor(url, { maxAttempts: 1 });
  const started = { emulator, url, chime, events, lines };
  running.push(started);
  return started;
}

afterEach(async () => {
  for (const { emulator, chime } of running.splice(0)) {
    chime.destroy();
    await emulator.stop();
  }
});

/** Seeds one meeting, waits for its `chime:AttendeeAdded` events, then forgets them and their lines. */
const seedOne = async (emulator: ChimeEmulator, attendees = 1) => {
  const [meeting] = emulator.seed({
    meetings: 1,
    attendeesPerMeeting: attendees,
    externalUserIdPrefix: 'alice',
    externalMeetingIdPrefix: 'standup',
    mediaRegion: 'eu-central-1',
  });
  if (!meeting) throw new Error('seed returned nothing');
  await emulator.drainEvents();
  for (const started of running) {
    if (started.emulator !== emulator) continue;
    started.events.length = 0;
    started.lines.length = 0;
  }
  return meeting;
};

/** A loopback HTTP server that records the JSON bodies POSTed to it and answers `status`. */
async function startTarget(status = 200) {
  const bodies: unknown[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push({
        method: req.method,
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(status).end();
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/events`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('an attendee added', () => {
  it('publishes chime:AttendeeAdded for CreateAttendee, BatchCreateAttendee and seeding, in the shape of AttendeeDeleted', async () => {
    const { emulator, chime, events } = await start();
    const [meeting] = emulator.seed({
      meetings: 1,
      attendeesPerMeeting: 2,
      externalUserIdPrefix: 'alice',
      externalMeetingIdPrefix: 'standup',
      mediaRegion: 'eu-central-1',
    });
    const MeetingId = meeting?.MeetingId;

    const { Attendee } = await chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'carol' }),
    );
    const batch = await chime.send(
      new BatchCreateAttendeeCommand({
        MeetingId,
        Attendees: [{ ExternalUserId: 'dave' }, { ExternalUserId: 'x' }],
      }),
    );
    // An ExternalUserId already there returns that attendee: nothing was added.
    await chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'carol' }));
    await emulator.drainEvents();

    expect(batch.Errors).toHaveLength(1);
    const added = [
      ...(meeting?.Attendees ?? []).map((a) => a.AttendeeId),
      Attendee?.AttendeeId,
      batch.Attendees?.[0]?.AttendeeId,
    ];
    expect(events.map((event) => event.detail)).toEqual(
      added.map((attendeeId, i) => ({
        version: '0',
        eventType: 'chime:AttendeeAdded',
        timestamp: NOW,
        meetingId: MeetingId,
        attendeeId,
        externalUserId: ['alice-1-1', 'alice-1-2', 'carol', 'dave'][i],
        externalMeetingId: 'standup-1',
        mediaRegion: 'eu-central-1',
      })),
    );
    expect(new Set(events.map((event) => event.id)).size).toBe(4);
  });
});

describe('an attendee deleted through DeleteAttendee', () => {
  it('publishes chime:AttendeeDeleted in the shape Chime sends to EventBridge', async () => {
    const { emulator, chime, events } = await start();
    const meeting = await seedOne(emulator);
    const attendee = meeting.Attendees[0];

    await chime.send(
      new DeleteAttendeeCommand({ MeetingId: meeting.MeetingId, AttendeeId: attendee?.AttendeeId }),
    );
    await emulator.drainEvents();

    expect(events).toEqual([
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
          eventType: 'chime:AttendeeDeleted',
          timestamp: NOW,
          meetingId: meeting.MeetingId,
          attendeeId: attendee?.AttendeeId,
          externalUserId: 'alice-1-1',
          externalMeetingId: 'standup-1',
          mediaRegion: 'eu-central-1',
        },
      },
    ]);
    // The seeded attendee's chime:AttendeeAdded, then this one.
    expect(emulator.eventStats()).toEqual({ published: 2, delivered: 2, failed: 0 });
  });

  it('publishes nothing when the call fails: not found, or throttled', async () => {
    const { emulator, chime, events } = await start({ rates: { DeleteAttendee: { burst: 1 } } });
    const meeting = await seedOne(emulator, 2);
    const [first, second] = meeting.Attendees;

    await chime.send(
      new DeleteAttendeeCommand({ MeetingId: meeting.MeetingId, AttendeeId: first?.AttendeeId }),
    );
    await expect(
      chime.send(
        new DeleteAttendeeCommand({ MeetingId: meeting.MeetingId, AttendeeId: second?.AttendeeId }),
      ),
    ).rejects.toMatchObject({ name: 'ThrottlingException' });
    emulator.configureRates({ enabled: false });
    await expect(
      chime.send(
        new DeleteAttendeeCommand({ MeetingId: meeting.MeetingId, AttendeeId: first?.AttendeeId }),
      ),
    ).rejects.toMatchObject({ name: 'NotFoundException' });
    await emulator.drainEvents();

    expect(events.map((event) => event.detail.eventType)).toEqual(['chime:AttendeeDeleted']);
  });
});

describe('a meeting that ends', () => {
  it('publishes one chime:MeetingEnded on DeleteMeeting, with no event per attendee', async () => {
    const { emulator, chime, events } = await start();
    const meeting = await seedOne(emulator, 3);

    await chime.send(new DeleteMeetingCommand({ MeetingId: meeting.MeetingId }));
    await emulator.drainEvents();

    expect(events).toEqual([
      expect.objectContaining({
        source: 'aws.chime',
        'detail-type': 'Chime Meeting State Change',
        region: 'us-east-1',
        detail: {
          version: '0',
          eventType: 'chime:MeetingEnded',
          timestamp: NOW,
          meetingId: meeting.MeetingId,
          externalMeetingId: 'standup-1',
          mediaRegion: 'eu-central-1',
        },
      }),
    ]);
  });

  it('publishes chime:MeetingEnded when ended through the admin API or endMeeting()', async () => {
    const { emulator, url, events } = await start();
    const [one, two] = emulator.seed({ meetings: 2, attendeesPerMeeting: 1 });
    await emulator.drainEvents();
    events.length = 0;

    const response = await fetch(`${url}/_emulator/meetings/${one?.MeetingId}`, {
      method: 'DELETE',
    });
    emulator.endMeeting(two?.MeetingId as string);
    await emulator.drainEvents();

    expect(response.status).toBe(204);
    expect(events.map((event) => [event.detail.eventType, event.detail.meetingId])).toEqual([
      ['chime:MeetingEnded', one?.MeetingId],
      ['chime:MeetingEnded', two?.MeetingId],
    ]);
    expect(emulator.calls()).toEqual([]);
  });

  it('deletes an attendee through the admin API, with its event', async () => {
    const { emulator, url, events } = await start();
    const meeting = await seedOne(emulator);
    const path = `${url}/_emulator/meetings/${meeting.MeetingId}/attendees/${meeting.Attendees[0]?.AttendeeId}`;

    expect((await fetch(path, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(path, { method: 'DELETE' })).status).toBe(404);
    await emulator.drainEvents();

    expect(events.map((event) => event.detail.eventType)).toEqual(['chime:AttendeeDeleted']);
  });

  it.each([
    ['/meetings/0a1b2c3d-0000-4000-8000-000000000000', 404],
    ['/meetings/not-a-guid', 400],
    ['/meetings/%zz', 400],
    ['/meetings/0a1b2c3d-0000-4000-8000-000000000000/attendees/nope', 400],
  ])('answers DELETE /_emulator%s with %i and publishes nothing', async (path, status) => {
    const { emulator, url, events } = await start();

    const response = await fetch(`${url}/_emulator${path}`, { method: 'DELETE' });
    await emulator.drainEvents();

    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(events).toEqual([]);
  });

  it('publishes nothing on reset', async () => {
    const { emulator, events } = await start();
    await seedOne(emulator, 2);

    emulator.reset();
    await emulator.drainEvents();

    expect(events).toEqual([]);
  });
});

describe('delivery', () => {
  it('answers the API call while a slow handler is still running', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const { emulator, chime } = await start({
      onEvent: async (event) => {
        if (event.detail.eventType !== 'chime:MeetingEnded') return;
        order.push('handler started');
        await gate;
        order.push('handler finished');
      },
    });
    const meeting = await seedOne(emulator);

    const output = await chime.send(new DeleteMeetingCommand({ MeetingId: meeting.MeetingId }));
    const pendingWhenAnswered = !order.includes('handler finished');
    release();
    await emulator.drainEvents();

    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(pendingWhenAnswered).toBe(true);
    expect(order).toEqual(['handler started', 'handler finished']);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('handler broke on alice-1-1');
      },
    ],
    ['rejects', () => Promise.reject(new Error('handler broke on alice-1-1'))],
  ])(
    'never fails the API call when the handler %s, and logs and counts it without the user id',
    async (_, onEvent) => {
      const { emulator, chime, lines } = await start({ onEvent });
      const meeting = await seedOne(emulator);

      const output = await chime.send(
        new DeleteAttendeeCommand({
          MeetingId: meeting.MeetingId,
          AttendeeId: meeting.Attendees[0]?.AttendeeId,
        }),
      );
      await emulator.drainEvents();

      expect(output.$metadata.httpStatusCode).toBe(204);
      // The seeded attendee's chime:AttendeeAdded failed too.
      expect(emulator.eventStats()).toEqual({ published: 2, delivered: 0, failed: 2 });
      const failures = lines.filter((line) => line.includes('event delivery'));
      expect(failures).toEqual([
        expect.stringContaining(
          `event delivery to onEvent failed chime:AttendeeDeleted meetingId=${meeting.MeetingId}`,
        ),
      ]);
      expect(failures[0]).toContain('<externalUserId>');
      expect(lines.join('\n')).not.toContain('alice-1-1');
    },
  );

  it('POSTs each event as JSON to a loopback eventTarget', async () => {
    const target = await startTarget();
    try {
      const { emulator, chime, events } = await start({ eventTarget: target.url });
      const meeting = await seedOne(emulator);

      await chime.send(new DeleteMeetingCommand({ MeetingId: meeting.MeetingId }));
      await emulator.drainEvents();

      // After the seeded attendee's chime:AttendeeAdded.
      expect(target.bodies.slice(1)).toEqual([
        { method: 'POST', contentType: 'application/json', body: events[0] },
      ]);
      // The seeded attendee's chime:AttendeeAdded went to both too.
      expect(emulator.eventStats()).toEqual({ published: 2, delivered: 4, failed: 0 });
    } finally {
      await target.close();
    }
  });

  it('counts a target that answers 500 or is not listening as a failure, and the API call still succeeds', async () => {
    const failing = await startTarget(500);
    const gone = await startTarget();
    await gone.close();
    try {
      const { emulator, url, chime, lines } = await start({ eventTarget: failing.url });
      const [one, two] = emulator.seed({ meetings: 2, attendeesPerMeeting: 0 });

      await chime.send(new DeleteMeetingCommand({ MeetingId: one?.MeetingId }));
      await emulator.drainEvents();
      const set = await fetch(`${url}/_emulator/events/target`, {
        method: 'PUT',
        body: JSON.stringify({ url: gone.url }),
      });
      const output = await chime.send(new DeleteMeetingCommand({ MeetingId: two?.MeetingId }));
      await emulator.drainEvents();

      expect(set.status).toBe(200);
      expect(output.$metadata.httpStatusCode).toBe(204);
      expect(emulator.eventStats()).toEqual({ published: 2, delivered: 2, failed: 2 });
      expect(lines.filter((line) => line.includes('event delivery to http'))).toHaveLength(2);
    } finally {
      await failing.close();
    }
  });

  it('sets, clears and shows the target over the admin API, refusing anything but loopback', async () => {
    const { url } = await start();
    const put = (body: string) => fetch(`${url}/_emulator/events/target`, { method: 'PUT', body });

    const set = await put(JSON.stringify({ url: 'http://localhost:4999/hook' }));
    expect(await set.json()).toEqual({ target: 'http://localhost:4999/hook' });
    expect(await (await fetch(`${url}/_emulator/events`)).json()).toEqual({
      target: 'http://localhost:4999/hook',
      stats: { published: 0, delivered: 0, failed: 0 },
    });
    expect(await (await put(JSON.stringify({ url: null }))).json()).toEqual({ target: null });

    for (const body of [
      JSON.stringify({ url: 'http://example.com/hook' }),
      JSON.stringify({ url: 'file:///etc/passwd' }),
      JSON.stringify({ url: 42 }),
      JSON.stringify({}),
      '{',
    ]) {
      expect((await put(body)).status).toBe(400);
    }
  });

  it('refuses a non-loopback eventTarget when the emulator is created', () => {
    expect(() => createChimeEmulator({ eventTarget: 'https://events.example.com/' })).toThrow(
      InvalidEventTargetError,
    );
  });
});
