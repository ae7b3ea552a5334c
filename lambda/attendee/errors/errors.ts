import type { ProblemCode } from './problem';

/**
 * A decided outcome that ends the request with a problem response. `reason` and `cause` are for
 * the log line only; the client sees the generic problem for `code`.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly code: ProblemCode,
    readonly reason: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(`${code}: ${reason}`, { cause: options?.cause });
    this.headers = options?.headers ?? {};
  }
  readonly headers: Readonly<Record<string, string>>;
}

/** Chime answered 200 with a body that is not the attendee we asked for (OWASP API10). */
export class UpstreamResponseError extends Error {
  override readonly name = 'UpstreamResponseError';
}
