/**
 * The Lambda `context` for code that invokes the handler itself instead of the Lambda runtime:
 * the local HTTP API stand-in, the benchmark's runners and the tests. One builder, so they all
 * hand the handler the same shape.
 */
import type { Context } from 'aws-lambda';

/**
 * A context named for `functionName` (its ARN and log group follow) whose remaining time counts
 * down from the function timeout (default 10 s) and stops at 0, as the runtime's does. Nothing
 * else of it is read by the deployed handler.
 *
 * @example
 * handler(event, createLambdaContext({ functionName: 'attendee-local', awsRequestId: requestId }));
 */
export function createLambdaContext(options: {
  readonly functionName: string;
  readonly awsRequestId: string;
  readonly timeoutMs?: number;
}): Context {
  const { functionName, awsRequestId, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
