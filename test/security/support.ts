import { request } from 'node:http';
import { connect } from 'node:net';
import {
  CreateAttendeeCommand,
  CreateMeetingCommand,
  type GetAttendeeCommandOutput,
} from '@aws-sdk/client-chime-sdk-meetings';
import type { CallRecord } from '../../local/chime-emulator';
import { DEFAULT_LOCAL_ORIGINS, type DevStack } from '../../local/cli/dev-stack';
import { capturedLines, registerSecret } from '../helpers/log-capture';

/** Every status the API contract allows for a request that reaches the function. */
export const CONTRACT_STATUSES: readonly number[] = Object.freeze([
  200, 400, 401, 404, 502, 503, 504,
]);

/** An origin the local stack allows (the dev stack's first default). */
export const LOCAL_ORIGIN = DEFAULT_LOCAL_ORIGINS[0] as string;

/** A GUID no test ever creates. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export interface HttpResponse {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
  readonly body: any;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Registers what a response body reveals of an attendee, so the log scan looks for it. */
function registerBody(body: unknown): void {
  const attendee = (body as { Attendee?: { JoinToken?: unknown; ExternalUserId?: unknown } })
    ?.Attendee;
  if (typeof attendee?.JoinToken === 'string') registerSecret(attendee.JoinToken);
  if (typeof attendee?.ExternalUserId === 'string') registerSecret(attendee.ExternalUserId);
}

/**
 * Sends one request with `node:http`, which (unlike `fetch`) keeps the path exactly as given:
 * no `..` resolution, no re-encoding. Any JoinToken or ExternalUserId in the answer is
 * registered as a secret.
 */
export function http(baseUrl: string, path: string, options: HttpOptions = {}) {
  return new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: {
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          registerBody(body);
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined)
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers, text, body });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Writes raw bytes to the server (for request lines `node:http` refuses to send) and returns the
 * status of the answer.
 */
export function rawHttp(baseUrl: string, bytes: Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text });
    });
  });
}

export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
});

export const attendeePath = (meetingId: string, attendeeId: string) =>
  `/meetings/${meetingId}/attendees/${attendeeId}`;

/** What two responses must share to be indistinguishable: all but the date and request ids. */
export function comparable(response: HttpResponse) {
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(
      ([name]) => !['date', 'apigw-requestid'].includes(name),
    ),
  );
  const body =
    response.body && typeof response.body === 'object'
      ? { ...response.body, requestId: '<request id>' }
      : response.text;
  return { status: response.status, headers, body };
}

/** The function's per-request log lines written since `mark` (from `capturedLines().length`). */
export function requestLogLines(mark: number): Record<string, unknown>[] {
  return capturedLines()
    .slice(mark)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.message === 'request');
}

/** The GetAttendee calls the emulator received. */
export const getAttendeeCalls = (stack: DevStack): CallRecord[] =>
  stack.emulator.calls().filter((call) => call.operation === 'GetAttendee');

/** Creates a meeting through the SDK, as the meeting-creating backend would. */
export async function createMeeting(stack: DevStack, name: string): Promise<string> {
  const { Meeting } = await stack.chime.send(
    new CreateMeetingCommand({
      ClientRequestToken: `${name}-${Date.now()}`.slice(0, 64),
      ExternalMeetingId: name,
      MediaRegion: 'us-east-1',
    }),
  );
  if (!Meeting?.MeetingId) throw new Error('CreateMeeting returned no MeetingId');
  return Meeting.MeetingId;
}

/** Creates an attendee; its ExternalUserId and JoinToken are registered as secrets. */
export async function createAttendee(
  stack: DevStack,
  meetingId: string,
  externalUserId: string,
): Promise<string> {
  registerSecret(externalUserId);
  const { Attendee } = await stack.chime.send(
    new CreateAttendeeCommand({ MeetingId: meetingId, ExternalUserId: externalUserId }),
  );
  if (!Attendee?.AttendeeId || !Attendee.JoinToken) throw new Error('CreateAttendee failed');
  registerSecret(Attendee.JoinToken);
  return Attendee.AttendeeId;
}

/** A well-formed GetAttendee answer for the mocked client, its secrets registered. */
export function attendeeOutput(
  attendeeId: string,
  externalUserId: string,
  joinToken: string,
): GetAttendeeCommandOutput {
  registerSecret(externalUserId);
  registerSecret(joinToken);
  return {
    Attendee: {
      AttendeeId: attendeeId,
      ExternalUserId: externalUserId,
      JoinToken: joinToken,
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'Receive' },
    },
    $metadata: { httpStatusCode: 200, requestId: 'chime-request', attempts: 1 },
  };
}
