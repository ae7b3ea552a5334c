/**
 * What the page tells a user about each failure: one sentence they can act on, and a line of
 * details for support. Pure, so the table is tested without a browser.
 */
import { ApiError } from '../../../client/src';

/** Auto-retry a busy answer at most this many times, and only when the wait is this short. */
export const AUTO_RETRY = Object.freeze({ maxRetries: 1, maxDelaySeconds: 10 });

/** Seconds to wait before retrying automatically after `error`, or undefined not to retry. */
export function autoRetryDelay(error: unknown, retriesSoFar: number): number | undefined {
  if (!(error instanceof ApiError) || retriesSoFar >= AUTO_RETRY.maxRetries) return undefined;
  if (error.status !== 503 && error.status !== 429) return undefined;
  const delay = error.retryAfter;
  return delay !== undefined && delay <= AUTO_RETRY.maxDelaySeconds ? delay : undefined;
}

/**
 * The sentence shown to the user. `retryingIn` is the countdown while an automatic retry is
 * pending; without it a busy answer says when to try again.
 */
export function userMessage(error: unknown, retryingIn?: number): string {
  if (!(error instanceof ApiError)) {
    return 'Something went wrong in this page — reload it and try again.';
  }
  if (error.needsSignIn) return 'Your session has expired — sign in again.';
  if (error.notFound) return 'This meeting has ended or you are not a participant.';
  switch (error.code) {
    case 'invalid_id':
      return 'This meeting link is not valid — check the link you were sent.';
    case 'network_error':
      return 'The meeting service cannot be reached — check your connection and try again.';
    case 'gateway_not_found':
      return 'This app is not set up correctly — please tell the people who run it.';
    case 'identity_provider_unavailable':
      return `Sign-in is briefly unavailable — ${retryLater(error.retryAfter, retryingIn)}.`;
    default:
  }
  if (error.status === 503 || error.status === 429) {
    return `The meeting service is busy — ${retryLater(error.retryAfter, retryingIn)}.`;
  }
  if (error.status === 504) {
    return 'The meeting service did not answer in time — try again.';
  }
  if (error.status === 502) return 'The meeting service is having problems — try again later.';
  return 'Something went wrong on our side — try again later.';
}

/** The sentence shown when the roster cannot be read: its 404 says who may see it. */
export function rosterMessage(error: unknown): string {
  return error instanceof ApiError && error.notFound
    ? 'Only participants and moderators see the roster — you are neither, or the meeting has ended.'
    : userMessage(error);
}

function retryLater(retryAfter: number | undefined, retryingIn: number | undefined): string {
  if (retryingIn !== undefined) return `retrying in ${retryingIn} s`;
  return retryAfter === undefined ? 'try again in a moment' : `try again in ${retryAfter} s`;
}

/** One line for support and developers: status, code, Retry-After, the request id to quote. */
export function errorDetails(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  const parts = [error.status === 0 ? 'no HTTP answer' : `HTTP ${error.status}`, error.code];
  if (error.code === 'network_error') {
    // In a browser a CORS refusal is indistinguishable from a network error.
    parts.push("or a CORS refusal: is this page's origin in CORS_ALLOWED_ORIGINS?");
  }
  if (error.retryAfter !== undefined) parts.push(`Retry-After ${error.retryAfter} s`);
  if (error.requestId) parts.push(`reference ${error.requestId}`);
  return parts.join(' · ');
}
