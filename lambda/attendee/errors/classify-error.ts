import { type ChimeErrorRule, chimeErrorRule, OTHER_SERVICE_ERROR } from './chime-errors';
import { ProblemError, UpstreamResponseError } from './errors';
import { PROBLEMS, type ProblemCode } from './problem';

/** What an error means for the client (code, headers) and for the log (cause, level). */
export interface ErrorOutcome {
  readonly code: ProblemCode;
  readonly headers: Readonly<Record<string, string>>;
  /** Why, for the log only: an error class name or a reason, never a message from upstream. */
  readonly cause: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly chimeRequestId?: string;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPROTO',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { requestId?: unknown; httpStatusCode?: unknown };
  RetryAfterSeconds?: unknown;
}

/** Clamps an upstream `Retry-After` (delta-seconds) to 1–60, else the default. */
function clampRetryAfter(raw: unknown, fallback: number): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(text)) return fallback;
  return Math.min(60, Math.max(1, Number(text)));
}

function isServiceError(error: ErrorLike): boolean {
  return error.$fault === 'client' || error.$fault === 'server' || error.$metadata !== undefined;
}

function fromRule(
  rule: ChimeErrorRule,
  error: ErrorLike,
  name: string,
  retryAfterSeconds: number,
): ErrorOutcome {
  const headers: Record<string, string> = {};
  if (rule.retryAfter === 'default') headers['Retry-After'] = String(retryAfterSeconds);
  if (rule.retryAfter === 'upstream') {
    headers['Retry-After'] = String(clampRetryAfter(error.RetryAfterSeconds, retryAfterSeconds));
  }
  const requestId = error.$metadata?.requestId;
  const status = PROBLEMS[rule.code].status;
  return {
    code: rule.code,
    headers,
    cause: name,
    level: rule.alarm ? 'error' : status >= 500 ? 'warn' : 'info',
    ...(typeof requestId === 'string' ? { chimeRequestId: requestId } : {}),
  };
}

/**
 * Translates anything a request can throw into its outcome. Chime errors go through the one
 * table, `CHIME_ERROR_RULES` (through {@link chimeErrorRule}), matched by `name` (bundling can
 * duplicate classes, so never by `instanceof` alone, and SDK v3 errors have no `.code`).
 */
export function classifyError(error: unknown, retryAfterSeconds: number): ErrorOutcome {
  if (error instanceof ProblemError) {
    const status = PROBLEMS[error.code].status;
    return {
      code: error.code,
      headers: error.headers,
      cause: error.reason,
      level: status >= 500 ? 'warn' : 'info',
    };
  }
  if (error instanceof UpstreamResponseError) {
    return { code: 'upstream_malformed', headers: {}, cause: error.message, level: 'error' };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'UnknownError';
  const rule = chimeErrorRule(name);
  if (rule && (rule.sdk || isServiceError(e))) return fromRule(rule, e, name, retryAfterSeconds);
  // Before timeouts: the SDK renames a reset socket (ECONNRESET, EPIPE) `TimeoutError`, keeping
  // its code.
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return { code: 'upstream_failure', headers: {}, cause: `${name}:${e.code}`, level: 'warn' };
  }
  if (TIMEOUT_NAMES.has(name)) {
    return { code: 'upstream_timeout', headers: {}, cause: name, level: 'warn' };
  }
  if (isServiceError(e)) return fromRule(OTHER_SERVICE_ERROR, e, name, retryAfterSeconds);
  return { code: 'internal_error', headers: {}, cause: name, level: 'error' };
}
