import { createLambdaContext } from '../../../local/aws/lambda-context';

describe('the Lambda context of a local invocation', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
  afterEach(() => jest.useRealTimers());

  it('counts its remaining time down from the function timeout, stopping at 0', () => {
    const context = createLambdaContext({ functionName: 'f', awsRequestId: 'r', timeoutMs: 3_000 });
    expect(context.getRemainingTimeInMillis()).toBe(3_000);
    jest.advanceTimersByTime(1_000);
    expect(context.getRemainingTimeInMillis()).toBe(2_000);
    jest.advanceTimersByTime(5_000);
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });

  it('names the function and the request, with a 10 s timeout by default', () => {
    const context = createLambdaContext({ functionName: 'attendee-local', awsRequestId: 'req-1' });
    expect(context).toMatchObject({
      functionName: 'attendee-local',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:attendee-local',
      logGroupName: '/aws/lambda/attendee-local',
      awsRequestId: 'req-1',
    });
    expect(context.getRemainingTimeInMillis()).toBe(10_000);
  });
});
