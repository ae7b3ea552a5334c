import { writeSync } from 'node:fs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createLambdaContext } from '../local/aws/lambda-context';

/** What one benchmark invocation asks for: the attendee route, its IDs and the bearer token. */
export interface InvokeTarget {
  readonly routeKey: string;
  readonly meetingId: string;
  readonly attendeeId: string;
  readonly token: string;
}

/**
 * The payload 2.0 event API Gateway sends for `target` (its route key's path with the IDs filled
 * in), a fresh object per call, as the runtime parses one per invocation.
 */
export function apiEvent(target: InvokeTarget, requestId: string): APIGatewayProxyEventV2 {
  const rawPath = target.routeKey
    .slice(target.routeKey.indexOf(' ') + 1)
    .replace('{meetingId}', target.meetingId)
    .replace('{attendeeId}', target.attendeeId);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: target.routeKey,
    rawPath,
    rawQueryString: '',
    headers: {
      accept: '*/*',
      authorization: `Bearer ${target.token}`,
      host: '127.0.0.1',
      'user-agent': 'bench',
    },
    pathParameters: { meetingId: target.meetingId, attendeeId: target.attendeeId },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: {
        method: 'GET',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId,
      routeKey: target.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

/** The context the runtime passes with the invocation `requestId`. */
export const lambdaContext = (requestId: string): Context =>
  createLambdaContext({ functionName: 'attendee-bench', awsRequestId: requestId });

/** The handler export both bundles have. */
export type BundleHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode?: number; body?: string }>;

/** True when the response is a 200 carrying the requested attendee. */
export function isExpectedAnswer(
  response: { statusCode?: number; body?: string } | undefined,
  attendeeId: string,
): boolean {
  if (response?.statusCode !== 200 || typeof response.body !== 'string') return false;
  try {
    const body = JSON.parse(response.body) as { Attendee?: { AttendeeId?: unknown } };
    return body.Attendee?.AttendeeId === attendeeId;
  } catch {
    return false;
  }
}

/**
 * Writes `value` as one JSON line on file descriptor 3, whole, before the child exits: children
 * report there so that stdout stays the function's log.
 */
export function writeReport(value: unknown): void {
  const data = Buffer.from(`${JSON.stringify(value)}\n`);
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += writeSync(3, data, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

/** A service's life: it runs until the parent closes its stdin (or a signal), then `stop()`s. */
export function stopWhenStdinCloses(stop: () => Promise<void>): void {
  let stopping = false;
  const exit = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.stdin.on('end', exit).on('close', exit).resume();
  process.on('SIGTERM', exit).on('SIGINT', exit);
}
