import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchCreateAttendeeCommand,
  CreateAttendeeCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import {
  NOW,
  ownEmulator,
  type RunningEmulator,
  UNKNOWN_ID,
  UUID,
  useEmulator,
} from '../../helpers/chime-emulator';

const t = useEmulator();

const seedOne = (running: RunningEmulator = t, attendees = 1) => running.meeting(attendees);

const detailOf = (
  eventType: string,
  meetingId: string,
  attendee?: [string | undefined, string],
) => ({
  version: '0',
  eventType,
  timestamp: NOW,
  meetingId,
  ...(attendee && { attendeeId: attendee[0], externalUserId: attendee[1] }),
  externalMeetingId: 'seed-1',
  mediaRegion: 'eu-central-1',
});

/** A loopback server that records the requests POSTed to it and answers `status`. */
async function startTarget(status = 200) {
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ method: req.method, contentType: req.headers['content-type'], body });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise((resolve) => server.close(resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received,
    close,
  };
}

describe('the events', () => {
  it('publishes chime:AttendeeAdded for seeding, CreateAttendee and BatchCreateAttendee, not for an attendee already there', async () => {
    const [meeting] = t.emulator.seed({
      meetings: 1,
      attendeesPerMeeting: 1,
      mediaRegion: 'eu-central-1',
    });
    const MeetingId = meeting?.MeetingId as string;

    const { Attendee } = await t.chime.send(
      new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'carol' }),
    );
    const batch = await t.chime.send(
      new BatchCreateAttendeeCommand({
        MeetingId,
        Attendees: [{ ExternalUserId: 'dave' }, { ExternalUserId: 'x' }],
      }),
    );
    await t.chime.send(new CreateAttendeeCommand({ MeetingId, ExternalUserId: 'carol' }));

    const published = await t.published();
    expect(published.map((event) => event.detail)).toEqual([
      detailOf('chime:AttendeeAdded', MeetingId, [meeting?.Attendees[0]?.AttendeeId, 'user-1-1']),
      detailOf('chime:AttendeeAdded', MeetingId, [Attendee?.AttendeeId, 'carol']),
      detailOf('chime:AttendeeAdded', MeetingId, [batch.Attendees?.[0]?.AttendeeId, 'dave']),
    ]);
    expect(new Set(published.map((event) => event.id)).size).toBe(3);
  });

  it('publishes chime:AttendeeDeleted in the shape Chime sends to EventBridge, and nothing for a failed call', async () => {
    const { MeetingId, ids } = await seedOne(t, 2);
    t.emulator.configureRates({ buckets: { DeleteAttendee: { burst: 1 } } });
    const remove = (AttendeeId?: string) =>
      t.chime.send(new DeleteAttendeeCommand({ MeetingId, AttendeeId }));

    await remove(ids[0]);
    await expect(remove(ids[1])).rejects.toMatchObject({ name: 'ThrottlingException' });
    t.emulator.configureRates({ enabled: false });
    await expect(remove(ids[0])).rejects.toMatchObject({ name: 'NotFoundException' });

    expect(await t.published()).toEqual([
      {
        version: '0',
        id: expect.stringMatching(UUID),
        'detail-type': 'Chime Meeting State Change',
        source: 'aws.chime',
        account: '111122223333',
        time: '2026-01-15T09:30:00Z',
        region: 'us-east-1',
        resources: [],
        detail: detailOf('chime:AttendeeDeleted', MeetingId, [ids[0], 'user-1-1']),
      },
    ]);
  });

  it('publishes one chime:MeetingEnded, without events per attendee, for DeleteMeeting, the admin API and endMeeting()', async () => {
    const meetings = [await seedOne(t, 3), await seedOne(t), await seedOne(t)];
    const [byApi, byAdmin, byCode] = meetings.map((meeting) => meeting.MeetingId) as [
      string,
      string,
      string,
    ];

    await t.chime.send(new DeleteMeetingCommand({ MeetingId: byApi }));
    const response = await t.admin(`/meetings/${byAdmin}`, 'DELETE');
    t.emulator.endMeeting(byCode);

    expect(response.status).toBe(204);
    expect((await t.published()).map((event) => event.detail)).toEqual(
      [byApi, byAdmin, byCode].map((id) => detailOf('chime:MeetingEnded', id)),
    );
    expect(t.emulator.calls().map((call) => call.operation)).toEqual(['DeleteMeeting']);
  });

  it('publishes chime:AttendeeDeleted for an attendee deleted over the admin API, and nothing on reset', async () => {
    const { MeetingId, ids } = await seedOne(t, 2);
    const path = `/meetings/${MeetingId}/attendees/${ids[0]}`;

    expect((await t.admin(path, 'DELETE')).status).toBe(204);
    expect((await t.admin(path, 'DELETE')).status).toBe(404);
    t.emulator.reset();

    expect((await t.published()).map((event) => event.detail.eventType)).toEqual([
      'chime:AttendeeDeleted',
    ]);
  });

  it.each([
    [`/meetings/${UNKNOWN_ID}`, 404],
    ['/meetings/not-a-guid', 400],
    ['/meetings/%zz', 400],
    [`/meetings/${UNKNOWN_ID}/attendees/nope`, 400],
  ])('answers DELETE /_emulator%s with %i and publishes nothing', async (path, status) => {
    const response = await t.admin(path, 'DELETE');

    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ message: expect.any(String) });
    expect(await t.published()).toEqual([]);
  });
});

describe('delivery', () => {
  it('answers the API call while a slow handler is still running', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const own = await ownEmulator({
      onEvent: async (event) => {
        if (event.detail.eventType !== 'chime:MeetingEnded') return;
        order.push('handler started');
        await gate;
        order.push('handler finished');
      },
    });
    const { MeetingId } = await seedOne(own);

    const output = await own.chime.send(new DeleteMeetingCommand({ MeetingId }));
    const pendingWhenAnswered = !order.includes('handler finished');
    release();
    await own.emulator.drainEvents();

    expect(output.$metadata.httpStatusCode).toBe(204);
    expect(pendingWhenAnswered).toBe(true);
    expect(order).toEqual(['handler started', 'handler finished']);
  });

  it.each([
    [
      'throws',
      () => {
        throw new Error('handler broke on user-1-1');
      },
    ],
    ['rejects', () => Promise.reject(new Error('handler broke on user-1-1'))],
  ])(
    'never fails the API call when the handler %s, and logs and counts it without the user id',
    async (_, onEvent) => {
      const own = await ownEmulator({ onEvent });
      const { MeetingId, ids } = await seedOne(own);

      const output = await own.chime.send(
        new DeleteAttendeeCommand({ MeetingId, AttendeeId: ids[0] }),
      );
      await own.emulator.drainEvents();

      expect(output.$metadata.httpStatusCode).toBe(204);
      // The seeded attendee's chime:AttendeeAdded failed too.
      expect(own.emulator.eventStats()).toEqual({ published: 2, delivered: 0, failed: 2 });
      expect(own.lines.filter((line) => line.includes('event delivery'))).toEqual([
        expect.stringContaining(
          `event delivery to onEvent failed chime:AttendeeDeleted meetingId=${MeetingId} attendeeId=${ids[0]} Error: handler broke on <externalUserId>`,
        ),
      ]);
      expect(own.lines.join('\n')).not.toContain('user-1-1');
    },
  );

  it('POSTs each event as JSON to a loopback target; a target answering 500 or gone is a failure, never the caller’s', async () => {
    const target = await startTarget();
    const failing = await startTarget(500);
    const gone = await startTarget();
    await gone.close();
    const own = await ownEmulator({ eventTarget: target.url });
    const meetings = await Promise.all([1, 2, 3].map(() => seedOne(own, 0)));

    for (const [index, url] of [
      [0, undefined],
      [1, failing.url],
      [2, gone.url],
    ] as const) {
      if (url) await own.admin('/events/target', 'PUT', { url });
      const output = await own.chime.send(
        new DeleteMeetingCommand({ MeetingId: meetings[index]?.MeetingId }),
      );
      expect(output.$metadata.httpStatusCode).toBe(204);
      await own.emulator.drainEvents();
    }
    await Promise.all([target.close(), failing.close()]);

    expect(target.received).toEqual([
      { method: 'POST', contentType: 'application/json', body: own.events[0] },
    ]);
    expect(failing.received).toHaveLength(1);
    // Each event went to onEvent as well.
    expect(own.emulator.eventStats()).toEqual({ published: 3, delivered: 4, failed: 2 });
    expect(own.lines.filter((line) => line.includes('event delivery to http'))).toHaveLength(2);
  });

  it('sets, clears and shows the target over the admin API, refusing anything but loopback', async () => {
    const put = (body: unknown) => t.admin('/events/target', 'PUT', body);

    expect(await (await put({ url: 'http://localhost:4999/hook' })).json()).toEqual({
      target: 'http://localhost:4999/hook',
    });
    expect(await (await t.admin('/events')).json()).toEqual({
      target: 'http://localhost:4999/hook',
      stats: { published: 0, delivered: 0, failed: 0 },
    });
    expect(await (await put({ url: null })).json()).toEqual({ target: null });
    for (const body of [
      { url: 'http://example.com/hook' },
      { url: 'file:///etc/passwd' },
      { url: 42 },
      {},
      '{',
    ]) {
      expect((await put(body)).status).toBe(400);
    }
  });
});
