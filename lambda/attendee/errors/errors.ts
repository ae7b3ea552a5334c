import type { ProblemCode } from './problem';

/** A decided outcome: the client gets the generic problem of `code`, the log gets `reason`. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly code: ProblemCode,
    readonly reason: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${reason}`);
  }
}

/** Chime answered 200 with a body that is not the attendee we asked for (OWASP API10). */
export class UpstreamResponseError extends Error {
  override readonly name = 'UpstreamResponseError';
}
