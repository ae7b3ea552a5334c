/**
 * One Lambda container of the storm (`npm run storm`): a child Node process that builds the
 * deployed container from its environment (`createContainer(process.env)`), warms it up, and
 * answers the payload 2.0 events its parent sends over IPC, one at a time as Lambda gives a
 * container one request at a time (the parent never sends a second before the first answer).
 *
 * Parent → child: `{ id, event }`; child → parent: `{ ready: true }` once warm, then
 * `{ id, result }` or `{ id, error }` per event. It exits when the IPC channel closes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaContext } from '../../bench/event';
import { createContainer } from '../../lambda/attendee/container';

/** What the parent sends: one invocation. */
export interface Invocation {
  readonly id: number;
  readonly event: APIGatewayProxyEventV2;
}

/** What the child answers. */
export type InvocationAnswer =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => {
    if (!process.send) return reject(new Error('no IPC channel: run me with fork()'));
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });

const container = createContainer(process.env);
await container.warmUp();

process.on('message', (message: Invocation) => {
  container.handler(message.event, lambdaContext(message.event.requestContext.requestId)).then(
    (result) => send({ id: message.id, result }),
    // An unhandled error is Lambda's 500; the parent's gateway answers it as API Gateway does.
    (error: unknown) =>
      send({ id: message.id, error: error instanceof Error ? error.name : 'UnknownError' }),
  );
});
process.on('disconnect', () => process.exit(0));
await send({ ready: true });
