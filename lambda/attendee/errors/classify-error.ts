import { type ChimeErrorRule, chimeErrorRule } from './chime-errors';
import { ProblemError, UpstreamResponseError } from './errors';
import { PROBLEMS, type ProblemCode } from './problem';

/** What an error means for the client (code, headers) and for the log (cause, level). */
export interface ErrorOutcome {
  readonly code: ProblemCode;
  readonly headers: Readonly<Record<string, string>>;
  /** An error class name or a reason, never a message from upstream. */
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
  $metadata?: { requestId?: unknown };
  RetryAfterSeconds?: unknown;
}

/** Clamps an upstream `Retry-After` (delta-seconds) to 1–60, else the default. */
function clampRetryAfter(raw: unknown, fallback: number): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d+$/.test(text)) return fallback;
  return Math.min(60, Math.max(1, Number(text)));
}

/** A 5xx is a warning, anything else information; an error (which pages) is chosen apart. */
const levelOf = (code: ProblemCode) => (PROBLEMS[code].status >= 500 ? 'warn' : 'info');

function fromRule(
  rule: ChimeErrorRule,
  error: ErrorLike,
  name: string,
  retryAfterSeconds: number,
): ErrorOutcome {
  const retryAfter =
    rule.retryAfter === 'upstream'
      ? clampRetryAfter(error.RetryAfterSeconds, retryAfterSeconds)
      : retryAfterSeconds;
  const requestId = error.$metadata?.requestId;
  return {
    code: rule.code,
    headers: rule.retryAfter ? { 'Retry-After': String(retryAfter) } : {},
    cause: name,
    level: rule.alarm ? 'error' : levelOf(rule.code),
    ...(typeof requestId === 'string' ? { chimeRequestId: requestId } : {}),
  };
}

/**
 * Translates anything a request can throw into its outcome. Chime errors go through the one
 * table (`chime-errors.ts`) by `name`: bundling can duplicate classes, so never by `instanceof`.
 */
export function classifyError(error: unknown, retryAfterSeconds: number): ErrorOutcome {
  if (error instanceof ProblemError) {
    const { code, headers, reason } = error;
    return { code, headers, cause: reason, level: levelOf(code) };
  }
  if (error instanceof UpstreamResponseError) {
    return { code: 'upstream_malformed', headers: {}, cause: error.message, level: 'error' };
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : 'UnknownError';
  const rule = chimeErrorRule(name);
  const fromService = e.$fault === 'client' || e.$fault === 'server' || e.$metadata !== undefined;
  if (rule && (rule.sdk || fromService)) return fromRule(rule, e, name, retryAfterSeconds);
  // Before timeouts: the SDK renames a reset socket `TimeoutError`, keeping its code.
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return { code: 'upstream_failure', headers: {}, cause: `${name}:${e.code}`, level: 'warn' };
  }
  if (TIMEOUT_NAMES.has(name)) {
    return { code: 'upstream_timeout', headers: {}, cause: name, level: 'warn' };
  }
  if (fromService) return fromRule({ code: 'upstream_failure' }, e, name, retryAfterSeconds);
  return { code: 'internal_error', headers: {}, cause: name, level: 'error' };
}
