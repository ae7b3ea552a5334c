import type { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import { type ChimeEmulator, chimeClientFor } from '../../local/chime-emulator';
import { type LocalTables, startLocalTables } from './local-dynamodb';

/**
 * For a test file that needs the Chime emulator and the local DynamoDB: starts `emulator` and
 * the tables before the file's tests, hands over a client (one attempt per call) and the tables,
 * resets the emulator after each test and stops everything after the file.
 */
export function useChimeAndTables(
  emulator: ChimeEmulator,
  started: (chime: ChimeSDKMeetingsClient, tables: LocalTables) => void,
): void {
  let chime: ChimeSDKMeetingsClient | undefined;
  let tables: LocalTables | undefined;
  beforeAll(async () => {
    const { url } = await emulator.start();
    chime = chimeClientFor(url, { maxAttempts: 1 });
    tables = await startLocalTables();
    started(chime, tables);
  });
  afterEach(() => emulator.reset());
  afterAll(async () => {
    chime?.destroy();
    await tables?.stop();
    await emulator.stop();
  });
}
