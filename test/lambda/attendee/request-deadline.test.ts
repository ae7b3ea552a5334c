import type { Context } from 'aws-lambda';
import {
  deadlineContext,
  deadlinePassed,
  requestDeadline,
} from '../../../lambda/attendee/request-deadline';

/** A Lambda context whose invocation ends `ms` from now (by the faked clock). */
const lambdaContext = (ms: number): Context => {
  const endsAt = Date.now() + ms;
  return {
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => endsAt - Date.now(),
  } as unknown as Context;
};

describe('the request deadline on Middy’s timer', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12) }));
  afterEach(() => jest.useRealTimers());

  it('reports the deadline plus the early margin as remaining time, counting from the request’s start', () => {
    const context = deadlineContext(lambdaContext(30_000), 2_000, 250);

    expect(context.getRemainingTimeInMillis()).toBe(2_250);
    jest.advanceTimersByTime(1_000);
    expect(context.getRemainingTimeInMillis()).toBe(1_250);
    expect(context.awsRequestId).toBe('req-1');
  });

  it('reports the Lambda’s own end when that comes first', () => {
    const context = deadlineContext(lambdaContext(1_000), 2_000, 250);

    expect(context.getRemainingTimeInMillis()).toBe(1_000);
  });

  it('works on a context without getRemainingTimeInMillis, and leaves the original alone', () => {
    const bare = { awsRequestId: 'local' } as unknown as Context;
    const context = deadlineContext(bare, 500, 100);

    expect(context.getRemainingTimeInMillis()).toBe(600);
    expect(bare.getRemainingTimeInMillis).toBeUndefined();
  });

  it('tells the retry strategy the deadline as an epoch time, never in the past', () => {
    const signal = new AbortController().signal;
    const context = deadlineContext(lambdaContext(30_000), 2_000, 250);

    expect(requestDeadline(context, signal, 250)).toEqual({ signal, at: Date.now() + 2_000 });
    jest.advanceTimersByTime(5_000);
    expect(requestDeadline(context, signal, 250).at).toBe(Date.now());
  });

  it('answers with an AbortError when Middy’s timer fires', () => {
    expect(deadlinePassed).toThrow(expect.objectContaining({ name: 'AbortError' }));
  });
});
