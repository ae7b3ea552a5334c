import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Config } from './config';
import { BoundedRetryStrategy } from './retry-strategy';

/**
 * The one Chime SDK Meetings client of a container: the control region, standard retries bounded
 * by the deadline, a per-attempt timeout that throws, and kept-alive sockets.
 */
export function createChimeClient(chime: Config['chime']): ChimeSDKMeetingsClient {
  return new ChimeSDKMeetingsClient({
    region: chime.region,
    ...(chime.endpoint ? { endpoint: chime.endpoint } : {}),
    // The strategy makes the attempts; the client's own setting says the same number, so
    // `client.config.maxAttempts()` (and any middleware that reads it) agrees.
    maxAttempts: chime.maxAttempts,
    retryStrategy: new BoundedRetryStrategy(
      chime.maxAttempts,
      chime.maxRetryAfterMs,
      chime.requestTimeoutMs,
    ),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: chime.connectionTimeoutMs,
      requestTimeout: chime.requestTimeoutMs,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
    }),
  });
}
