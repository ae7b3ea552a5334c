/**
 * One Lambda container of the storm: builds the deployed container from its environment, warms
 * it up, answers `{ ready: true }`, then answers each `{ id, event }` its parent sends (one at a
 * time, as Lambda) with `{ id, result }` or `{ id, error }`. Exits when the IPC channel closes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { lambdaContext } from '../../bench/event';
import { createContainer } from '../../lambda/attendee/container';

export type InvocationAnswer =
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

const send = (message: { ready: true } | InvocationAnswer) => process.send?.(message);

const container = createContainer(process.env);
await container.warmUp();

process.on('message', ({ id, event }: { id: number; event: APIGatewayProxyEventV2 }) => {
  container.handler(event, lambdaContext(event.requestContext.requestId)).then(
    (result) => send({ id, result }),
    // An unhandled error is Lambda's 500; the parent's gateway answers it as API Gateway does.
    (error: unknown) => send({ id, error: error instanceof Error ? error.name : 'UnknownError' }),
  );
});
process.on('disconnect', () => process.exit(0));
send({ ready: true });
