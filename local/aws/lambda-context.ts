import type { Context } from 'aws-lambda';

/** The Lambda `context` for whatever invokes the handler itself; time counts down from 10 s. */
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
