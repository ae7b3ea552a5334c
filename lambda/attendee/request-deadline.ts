import type { Context } from 'aws-lambda';

/** A request's deadline is Middy's early timeout: its one timer and abort signal per request. */
export type RequestDeadline = ReturnType<typeof requestDeadline>;

/**
 * The context with `getRemainingTimeInMillis` ending `deadlineMs + earlyMs` from now, or at the
 * Lambda's own end if sooner (a context without one, in tests or other hosts: the deadline).
 */
export function deadlineContext<C extends Context>(
  context: C,
  deadlineMs: number,
  earlyMs: number,
): C {
  const lambdaRemaining = context.getRemainingTimeInMillis as (() => number) | undefined;
  const endsAt = performance.now() + deadlineMs + earlyMs;
  const remaining = () => Math.min(lambdaRemaining?.() ?? Infinity, endsAt - performance.now());
  return { ...context, getRemainingTimeInMillis: remaining };
}

/** Middy's signal and the epoch deadline (for `withDeadline`) of a {@link deadlineContext}. */
export function requestDeadline(
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  signal: AbortSignal,
  earlyMs: number,
) {
  return {
    signal,
    at: Date.now() + Math.max(0, Math.floor(context.getRemainingTimeInMillis() - earlyMs)),
  };
}

/** What Middy answers with when the timer fires: an AbortError. */
export function deadlinePassed(): never {
  throw new DOMException('The request deadline passed', 'AbortError');
}
