import type { Context } from 'aws-lambda';
import type { Claims } from './auth/token-verifier';
import type { RequestMetrics } from './cache/metrics';
import type { ErrorOutcome } from './errors/classify-error';

/** What the chain learns about one request, for the route and the log line. */
export interface RequestState {
  startedAt: number;
  claims?: Claims;
  /** The policy's decision, for the log. */
  role?: string;
  chimeRequestId?: string;
  chimeAttempts?: number;
  outcome?: ErrorOutcome;
  metrics?: RequestMetrics;
}

export interface AppContext extends Context {
  state: RequestState;
}
