/**
 * Matrix group G: nothing secret reaches a log line. jest.setup.ts scans every line each test
 * file writes (a JWT, or any value given to registerSecret: JoinTokens, ExternalUserIds); these
 * tests prove that scan works, and look for what it cannot know about.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
  GetAttendeeCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { createTokenVerifier } from '../../lambda/attendee/auth/token-verifier';
import { createHandler } from '../../lambda/attendee/handler';
import { createLogger } from '../../lambda/attendee/logger';
import { parseConfig } from '../../lambda/common/config/settings';
import type { DevStack } from '../../local/cli/dev-stack';
import { attendeeEvent, lambdaContext } from '../helpers/events';
import { startLocalStack } from '../helpers/local-stack';
import { capturedLines, registerSecret } from '../helpers/log-capture';
import { startTestApi, testEnv } from '../helpers/test-api';
import { invalidTokens } from '../helpers/tokens';
import {
  attendeePath,
  bearer,
  createAttendee,
  createMeeting,
  http,
  LOCAL_ORIGIN,
  requestLogLines,
} from './support';

const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;

let stack: DevStack;
let meetingId: string;
let aliceAttendee: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  stack = await startLocalStack();
  meetingId = await createMeeting(stack, 'log-hygiene');
  aliceAttendee = await createAttendee(stack, meetingId, 'alice-log-hygiene');
  tokens.alice = await stack.idp.mint({ sub: 'alice-log-hygiene' });
  tokens.maria = await stack.idp.mint({ sub: 'maria', groups: ['moderators'] });
  tokens.bob = await stack.idp.mint({ sub: 'bob' });
});
afterAll(() => stack.stop());
beforeEach(() => {
  stack.emulator.clearFaults();
  stack.emulator.resetCalls();
});

describe('the scanner', () => {
  /** Runs the fixture in a child Jest and returns its exit status and output. */
  function runFixture(plant: 'secrets' | 'nothing') {
    const jest = join(process.cwd(), 'node_modules', 'jest', 'bin', 'jest.js');
    const result = spawnSync(
      process.execPath,
      [jest, '--ci', '--runInBand', '--testMatch', '**/fixtures/planted-leak.fixture.ts'],
      {
        cwd: process.cwd(),
        env: { ...process.env, PLANT: plant, ECHO_LOGS: '0', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  }

  it('[G1] fails a test file that logs a JWT, a registered JoinToken or a registered ExternalUserId', () => {
    const { status, output } = runFixture('secrets');
    expect(status).not.toBe(0);
    expect(output).toContain('Log lines leaked a secret');
    const leaks = output.slice(output.indexOf('Log lines leaked a secret'));
    expect(leaks).toMatch(/authorization: Bearer eyJ/);
    expect(leaks).toContain('PLANTEDJOINTOKEN');
    expect(leaks).toContain('planted-user-');
  });

  it('[G1] passes the same file when it logs nothing secret (the control)', () => {
    const { status, output } = runFixture('nothing');
    expect(output).not.toContain('Log lines leaked a secret');
    expect(status).toBe(0);
  });
});

describe('what the function logs', () => {
  it('[G1] logs no token, JoinToken, ExternalUserId or Authorization header across every kind of answer', async () => {
    const mark = capturedLines().length;
    const path = attendeePath(meetingId, aliceAttendee);
    const get = (authorization?: string) =>
      http(stack.apiUrl, path, {
        headers: { origin: LOCAL_ORIGIN, ...(authorization ? { authorization } : {}) },
      });
    const owner = await get(`Bearer ${tokens.alice}`);
    expect(owner.status).toBe(200);
    await get(`Bearer ${tokens.maria}`);
    await get(`Bearer ${tokens.bob}`);
    for (const token of Object.values(invalidTokens(stack.idp))) await get(`Bearer ${token}`);
    for (const name of [
      'ForbiddenException',
      'BadRequestException',
      'ServiceUnavailableException',
    ] as const) {
      stack.emulator.injectFault({ operation: 'GetAttendee', fault: { type: 'error', name } });
      await get(`Bearer ${tokens.alice}`);
    }
    stack.emulator.injectFault({
      operation: 'GetAttendee',
      fault: { type: 'malformed', status: 200, body: { Attendee: { AttendeeId: 'x' } } },
    });
    await get(`Bearer ${tokens.alice}`);
    const lines = capturedLines().slice(mark);
    expect(requestLogLines(mark).length).toBeGreaterThanOrEqual(25);
    const text = lines.join('\n');
    expect(text).not.toMatch(JWT);
    expect(text).not.toContain(owner.body.Attendee.JoinToken);
    expect(text).not.toContain('alice-log-hygiene');
    expect(text).not.toMatch(/authorization|bearer|cookie/i);
    for (const line of requestLogLines(mark)) {
      expect(Object.keys(line).sort()).toEqual(
        expect.arrayContaining(['level', 'message', 'requestId', 'route', 'status', 'code']),
      );
      expect(line).not.toHaveProperty('headers');
      expect(line).not.toHaveProperty('event');
      expect(line).not.toHaveProperty('claims');
    }
  });

  it('[G2] never logs the event, even with POWERTOOLS_LOGGER_LOG_EVENT=true, and the source never asks for it', async () => {
    // The attendee function's own folder and the shared code bundled with it.
    const sources = ['attendee', 'common'].flatMap((folder) =>
      readdirSync(join('lambda', folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => readFileSync(join('lambda', folder, file), 'utf8')),
    );
    for (const source of sources) {
      expect(source).not.toMatch(
        /logEvent\s*:\s*true|injectLambdaContext|logger\.\w+\([^)]*event\b/,
      );
    }
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    const api = await startTestApi({ CHIME_ENDPOINT: stack.emulatorUrl }, stack.idp);
    try {
      const mark = capturedLines().length;
      await api.call({
        meetingId,
        attendeeId: aliceAttendee,
        token: tokens.alice,
        headers: { 'x-custom-header': 'planted-header-value' },
      });
      const text = capturedLines().slice(mark).join('\n');
      expect(requestLogLines(mark)).toHaveLength(1);
      expect(text).not.toMatch(/planted-header-value|authorization|"headers"|rawPath/);
    } finally {
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
      await api.stop();
    }
  });

  it('[G3] shows the SDK masking JoinToken and ExternalUserId as ***SensitiveInformation*** if its logger is ever enabled', async () => {
    const logged: string[] = [];
    const sink = (...args: unknown[]) => logged.push(JSON.stringify(args));
    const client = new ChimeSDKMeetingsClient({
      endpoint: stack.emulatorUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      logger: { debug: sink, info: sink, warn: sink, error: sink },
    });
    try {
      const { Meeting } = await client.send(
        new CreateMeetingCommand({
          ClientRequestToken: 'log-hygiene-sdk',
          ExternalMeetingId: 'sdk-logger',
          MediaRegion: 'us-east-1',
        }),
      );
      const externalUserId = registerSecret('sdk-logger-user');
      const { Attendee } = await client.send(
        new CreateAttendeeCommand({
          MeetingId: Meeting?.MeetingId,
          ExternalUserId: externalUserId,
        }),
      );
      const joinToken = registerSecret(Attendee?.JoinToken as string);
      await client.send(
        new GetAttendeeCommand({ MeetingId: Meeting?.MeetingId, AttendeeId: Attendee?.AttendeeId }),
      );
      const text = logged.join('\n');
      expect(text).toContain('GetAttendeeCommand');
      expect(text).toContain('***SensitiveInformation***');
      expect(text).not.toContain(joinToken);
      expect(text).not.toContain(externalUserId);
    } finally {
      client.destroy();
    }
  });

  it('[G4] logs an unexpected error as one line with its class only, never the error or its message', async () => {
    const config = parseConfig(testEnv(stack.idp));
    const planted = registerSecret('planted-error-message-with-a-secret');
    const handler = createHandler({
      config,
      chime: {
        send: async () => {
          throw new TypeError(planted);
        },
      },
      verifier: createTokenVerifier(config),
      logger: createLogger(config),
    });
    const mark = capturedLines().length;
    const response = await handler(
      attendeeEvent({ meetingId, attendeeId: aliceAttendee, token: tokens.alice }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(planted);
    const lines = capturedLines().slice(mark);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'ERROR',
      status: 500,
      code: 'internal_error',
      cause: 'TypeError',
    });
    expect(lines[0]).not.toMatch(/planted|stack|at /);
  });

  it('[G5] logs why a token was refused by label, never the token or a part of it', async () => {
    const opaque = registerSecret(`opaque-${'x'.repeat(40)}`);
    const cases = { ...invalidTokens(stack.idp), opaque };
    const mark = capturedLines().length;
    for (const token of Object.values(cases)) {
      await http(stack.apiUrl, attendeePath(meetingId, aliceAttendee), { headers: bearer(token) });
    }
    const lines = requestLogLines(mark);
    expect(lines).toHaveLength(Object.keys(cases).length);
    for (const line of lines) {
      expect(line.cause).toMatch(
        /^(Jwt\w+Error|KidNotFoundInJwksError|WaitPeriodNotYetEndedJwkError|TokenPolicyError|not a bearer token)$/,
      );
    }
    const text = capturedLines().slice(mark).join('\n');
    for (const token of Object.values(cases)) {
      for (const part of token.split('.').filter((p) => p.length >= 10)) {
        expect(text).not.toContain(part);
      }
    }
  });
});
