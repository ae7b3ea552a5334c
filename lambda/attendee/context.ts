import type { Context } from 'aws-lambda';
import type { Claims } from './auth/token-verifier';
import type { RequestMetrics } from './cache/metrics';
import type { ErrorOutcome } from './errors/classify-error';

/** What the middleware chain learns about one request, for the handler and the log line. */
export interface RequestState {
  startedAt: number;
  claims?: Claims;
  /** The policy's decision, for the log (`owner`, `moderator`, `none`). */
  role?: string;
  chimeRequestId?: string;
  chimeAttempts?: number;
  outcome?: ErrorOutcome;
  /** Chime calls, throttles and cache hits of this request, for the log line's metrics. */
  metrics?: RequestMetrics;
}

/** The Lambda context, with this request's state. */
export interface AppContext extends Context {
  state: RequestState;
}
