import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { FUNCTION_SETTINGS } from '../../../lambda/common/config/settings';
import { PREFETCH_QUEUE } from '../../../lambda/prefetch/queue-settings';
import { routeMeetingEvents } from '../../../local/aws/meeting-events';
import { startLocalPrefetch } from '../../../local/aws/prefetch';
import { createChimeEmulator } from '../../../local/chime-emulator';
import { type LocalTables, startLocalTables } from '../../helpers/local-dynamodb';

const S = FUNCTION_SETTINGS;

describe('the local prefetch path (npm start, the storm)', () => {
  let tables: LocalTables;
  beforeAll(async () => {
    tables = await startLocalTables();
  });
  afterAll(() => tables.stop());

  it('lists the meetings whose attendees the emulator created into the table, from the function’s own environment', async () => {
    const tableName = await tables.newTable();
    const lines: Record<string, unknown>[] = [];
    let route: ((event: never) => Promise<void>) | undefined;
    const emulator = createChimeEmulator({ onEvent: (event) => route?.(event as never) });
    const { url } = await emulator.start();
    const prefetch = startLocalPrefetch({
      env: {
        [S.chimeEndpoint.env]: url,
        [S.cacheTableName.env]: tableName,
        // Paced fast here; the rates of the emulator are on all the same.
        [S.cachePrefetchCallsPerSecond.env]: '100',
      },
      dynamodb: tables.client,
      log: (fields) => lines.push({ ...fields }),
    });
    route = routeMeetingEvents({ invalidate: async () => undefined, prefetch: prefetch.queue });
    try {
      // A full batch: the queue hands it over at once, without waiting for its window.
      const meetings = emulator.seed({
        meetings: PREFETCH_QUEUE.batchSize / 250,
        attendeesPerMeeting: 250,
      });
      await emulator.drainEvents();
      await prefetch.queue.drain();

      expect(prefetch.queue.stats()).toEqual({
        sent: PREFETCH_QUEUE.batchSize,
        batches: 1,
        failed: 0,
        deadLettered: 0,
      });
      expect(lines).toEqual(
        meetings.map((meeting) => ({
          meetingId: meeting.MeetingId.toLowerCase(),
          added: 250,
          action: 'listed',
        })),
      );
      const stats = emulator.stats();
      expect(stats.operations.ListAttendees?.calls).toBe(3 * meetings.length);
      expect(stats.operations.GetMeeting?.calls).toBe(meetings.length);
      for (const meeting of meetings) {
        const { Count } = await tables.client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :attendee)',
            ExpressionAttributeValues: {
              ':pk': { S: `MEETING#${meeting.MeetingId.toLowerCase()}` },
              ':attendee': { S: 'ATTENDEE#' },
            },
          }),
        );
        expect(Count).toBe(250);
      }
    } finally {
      await prefetch.stop();
      await emulator.stop();
    }
  });
});
