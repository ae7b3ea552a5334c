import { writeSync } from 'node:fs';
import type * as Lambda from 'aws-lambda';
import { createLambdaContext } from '../local/aws/lambda-context';

/** What one benchmark invocation asks for: the attendee route, its IDs and the bearer token. */
export type InvokeTarget = Readonly<
  Record<'routeKey' | 'meetingId' | 'attendeeId' | 'token', string>
>;

/** The payload 2.0 event API Gateway sends for `target`, a fresh object per invocation. */
export function apiEvent(target: InvokeTarget, requestId: string): Lambda.APIGatewayProxyEventV2 {
  const { routeKey, meetingId, attendeeId } = target;
  const rawPath = routeKey
    .slice(routeKey.indexOf(' ') + 1)
    .replace('{meetingId}', meetingId)
    .replace('{attendeeId}', attendeeId);
  const now = Date.now();
  const userAgent = 'bench';
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {
      accept: '*/*',
      authorization: `Bearer ${target.token}`,
      host: '127.0.0.1',
      'user-agent': userAgent,
    },
    pathParameters: { meetingId, attendeeId },
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
        userAgent,
      },
      requestId,
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
}

export const lambdaContext = (requestId: string): Lambda.Context =>
  createLambdaContext({ functionName: 'attendee-bench', awsRequestId: requestId });

/** Writes `value` as one JSON line on fd 3 (stdout stays the function's log), whole. */
export function writeReport(value: unknown): void {
  const data = Buffer.from(`${JSON.stringify(value)}\n`);
  for (let offset = 0; offset < data.length; ) {
    try {
      offset += writeSync(3, data, offset);
    } catch (error) {
      // fd 3 is a non-blocking pipe: a report larger than its buffer waits for the parent.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
