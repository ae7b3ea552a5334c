import { GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import { withSignal } from '../../../../lambda/common/chime/call-scope';
import { createChimeClient } from '../../../../lambda/common/chime/chime-client';
import { parseConfig } from '../../../../lambda/common/config/settings';
import { type ChimeEmulator, createChimeEmulator } from '../../../../local/chime-emulator';

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
      const client = createChimeClient(config);
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

  const configWith = (env: Record<string, string> = {}) =>
    parseConfig({
      CHIME_REGION: 'us-east-1',
      CHIME_ENDPOINT: endpoint,
      JWT_ISSUER: 'https://issuer.example.com',
      JWT_AUDIENCE: 'api',
      CHIME_MAX_ATTEMPTS: '3',
      DEADLINE_MS: '20000',
      ...env,
    });

  it("resolves a command's middleware stack once, not once per call", async () => {
    emulator.injectFault({
      operation: 'GetAttendee',
      count: 'unlimited',
      fault: { type: 'error', name: 'NotFoundException' },
    });
    const resolved = jest.spyOn(GetAttendeeCommand.prototype, 'resolveMiddleware');
    const client = createChimeClient(configWith());
    try {
      for (let i = 0; i < 3; i += 1) {
        await withSignal(new AbortController().signal, () =>
          client.send(new GetAttendeeCommand(IDS)),
        ).catch(() => undefined);
      }
      expect(emulator.calls()).toHaveLength(3);
      expect(resolved).toHaveBeenCalledTimes(1);
    } finally {
      resolved.mockRestore();
      client.destroy();
    }
  });

  it('aborts the attempt in flight when the signal of its call scope aborts, and retries nothing', async () => {
    emulator.injectFault({ operation: 'GetAttendee', count: 'unlimited', fault: { type: 'hang' } });
    const client = createChimeClient(configWith({ CHIME_REQUEST_TIMEOUT_MS: '10000' }));
    const controller = new AbortController();
    try {
      const pending = withSignal(controller.signal, () =>
        client.send(new GetAttendeeCommand(IDS)),
      ).catch((e: unknown) => e);
      // Yields to the event loop until the emulator holds the attempt (no timer).
      while (emulator.calls().length < 1) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(new DOMException('The request deadline passed', 'AbortError'));
      expect(await pending).toMatchObject({ name: 'AbortError' });
      expect(emulator.calls()).toEqual([expect.objectContaining({ status: null, fault: 'hang' })]);
    } finally {
      client.destroy();
    }
  });

  it("keeps an outer scope's signal off a call made with none", async () => {
    const aborted = new AbortController();
    aborted.abort();
    const client = createChimeClient(configWith());
    try {
      const error = await withSignal(aborted.signal, () =>
        withSignal(undefined, () => client.send(new GetAttendeeCommand(IDS))),
      ).catch((e: unknown) => e);
      // The emulator answered (NotFound: no such meeting), the call was not aborted.
      expect((error as { name: string }).name).toBe('NotFoundException');
      expect(emulator.calls()).toHaveLength(1);
    } finally {
      client.destroy();
    }
  });
});
