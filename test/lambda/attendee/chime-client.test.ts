import { GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import { createChimeClient } from '../../../lambda/attendee/chime-client';
import { parseConfig } from '../../../lambda/attendee/config';
import { type ChimeEmulator, createChimeEmulator } from '../../../local/chime-emulator';

const IDS = {
  MeetingId: '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f',
  AttendeeId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
};
let emulator: ChimeEmulator;
let endpoint: string;

beforeAll(async () => {
  emulator = createChimeEmulator({ rates: false });
  endpoint = (await emulator.start()).url;
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
});
afterAll(() => emulator.stop());
beforeEach(() => {
  emulator.clearFaults();
  emulator.resetCalls();
});

describe('the Chime client', () => {
  it.each(['1', '2', '4'])(
    'makes exactly CHIME_MAX_ATTEMPTS=%s attempts at a failing call, and says so in its config',
    async (attempts) => {
      const config = parseConfig({
        CHIME_REGION: 'us-east-1',
        CHIME_ENDPOINT: endpoint,
        JWT_ISSUER: 'https://issuer.example.com',
        JWT_AUDIENCE: 'api',
        CHIME_MAX_ATTEMPTS: attempts,
        DEADLINE_MS: '20000',
      });
      emulator.injectFault({
        operation: 'GetAttendee',
        count: 10,
        fault: { type: 'error', name: 'ServiceFailureException' },
      });
      const client = createChimeClient(config.chime);
      try {
        const error = await client.send(new GetAttendeeCommand(IDS)).catch((e: unknown) => e);
        expect((error as { name: string }).name).toBe('ServiceFailureException');
        expect(emulator.calls()).toHaveLength(Number(attempts));
        expect(await client.config.maxAttempts()).toBe(Number(attempts));
      } finally {
        client.destroy();
      }
    },
  );
});
