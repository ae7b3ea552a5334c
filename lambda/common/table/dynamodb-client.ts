import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { keptAliveSockets, reuseSigners } from '../chime/sdk-signer';

/** The one DynamoDB client of a container: time-outs that throw, kept-alive sockets, one signer. */
export function createDynamoDbClient(options: {
  readonly region: string;
  readonly endpoint?: string | undefined;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}): DynamoDBClient {
  const { endpoint, credentials, requestTimeoutMs } = options;
  const client = new DynamoDBClient({
    region: options.region,
    ...(endpoint ? { endpoint } : {}),
    ...(credentials ? { credentials: { ...credentials } } : {}),
    maxAttempts: options.maxAttempts,
    requestHandler: new NodeHttpHandler(keptAliveSockets(requestTimeoutMs, requestTimeoutMs)),
  });
  reuseSigners(client.config);
  return client;
}
