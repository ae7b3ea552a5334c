import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createLambdaContext } from '../../local/aws/lambda-context';

const ROUTE_KEY = 'GET /meetings/{meetingId}/attendees/{attendeeId}';

export interface EventOptions {
  readonly meetingId?: string;
  readonly attendeeId?: string;
  readonly token?: string;
  readonly authorization?: string;
  readonly origin?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

/** An API Gateway HTTP API (payload 2.0) event for the attendee route, with overridable parts. */
export function attendeeEvent(options: EventOptions = {}): APIGatewayProxyEventV2 {
  const meetingId = options.meetingId ?? randomUUID();
  const attendeeId = options.attendeeId ?? randomUUID();
  const rawPath = `/meetings/${meetingId}/attendees/${attendeeId}`;
  const headers: Record<string, string> = { host: 'api.example.com', ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.origin !== undefined) headers.origin = options.origin;
  const query = options.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  return {
    version: '2.0',
    routeKey: ROUTE_KEY,
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: { ...query } } : {}),
    pathParameters: { meetingId, attendeeId },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method: 'GET',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'jest',
      },
      requestId: randomUUID(),
      routeKey: ROUTE_KEY,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
  };
}

/** A Lambda context whose remaining time starts at `timeoutMs`. */
export const lambdaContext = (timeoutMs = 10_000): Context =>
  createLambdaContext({ functionName: 'attendee', awsRequestId: randomUUID(), timeoutMs });
