import type { Context } from 'aws-lambda';

/**
 * A request's deadline, folded into Middy's early timeout: one timer and one abort signal per
 * request, Middy's own. Middy starts its timer when the route starts, due `timeoutEarlyInMillis`
 * before the end of `context.getRemainingTimeInMillis()`; on it, it aborts the signal it hands
 * the route (the SDK calls then stop) and answers with `timeoutEarlyResponse`. The context Middy
 * runs with ({@link deadlineContext}) reports as remaining time whichever ends first: the Lambda
 * invocation, or the request deadline plus that margin. So the timer fires at the deadline, or
 * `earlyMs` before the Lambda timeout if that comes first.
 */
export interface RequestDeadline {
  /** Aborted at the deadline (Middy's signal). */
  readonly signal: AbortSignal;
  /** Epoch milliseconds of the deadline, for the retry strategy (`withDeadline`). */
  readonly at: number;
}

/**
 * The invocation's context with `getRemainingTimeInMillis` ending at the request deadline plus
 * `earlyMs` (or at the Lambda's own end, if sooner). The deadline counts from this call, the
 * start of the request. A context without `getRemainingTimeInMillis` (tests, other hosts) gets
 * the deadline alone.
 */
export function deadlineContext<C extends Context>(
  context: C,
  deadlineMs: number,
  earlyMs: number,
): C {
  const lambdaRemaining = context.getRemainingTimeInMillis as (() => number) | undefined;
  const endsAt = performance.now() + deadlineMs + earlyMs;
  const remaining = lambdaRemaining
    ? () => Math.min(lambdaRemaining(), endsAt - performance.now())
    : () => endsAt - performance.now();
  return { ...context, getRemainingTimeInMillis: remaining };
}

/** The deadline of a request whose context came from {@link deadlineContext}. */
export function requestDeadline(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  signal: AbortSignal,
  earlyMs: number,
): RequestDeadline {
  return {
    signal,
    at: Date.now() + Math.max(0, Math.floor(context.getRemainingTimeInMillis() - earlyMs)),
  };
}

/** What Middy answers with when the timer fires: the request was aborted at its deadline. */
export function deadlinePassed(): never {
  throw new DOMException('The request deadline passed', 'AbortError');
}
