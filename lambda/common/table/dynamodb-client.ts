import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { keptAliveSockets, reuseSigners } from '../chime/sdk-signer';

/** Options of {@link createDynamoDbClient}. */
export interface DynamoDbClientOptions {
  readonly region: string;
  /** `DYNAMODB_ENDPOINT`: a local server, DynamoDB Local, or none for the regional endpoint. */
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Connect and response time-out of one attempt. */
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
}

/** The one DynamoDB client of a container: time-outs that throw, kept-alive sockets, one signer. */
export function createDynamoDbClient(options: DynamoDbClientOptions): DynamoDBClient {
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
