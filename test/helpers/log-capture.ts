/**
 * Captures every line written to stdout/stderr (and console) during a test file, and fails the
 * file if any contains a secret: a JWT, or a value registered with {@link registerSecret}
 * (JoinTokens, ExternalUserIds). Installed for every test file by `jest.setup.ts`.
 */
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;

const secrets = new Set<string>();
const lines: string[] = [];

/** Marks a value that must never appear in a log line. */
export function registerSecret(value: string): string {
  if (value.length >= 2) secrets.add(value);
  return value;
}

/** Lines captured so far in this test file. */
export function capturedLines(): readonly string[] {
  return lines;
}

/** Lines written after `mark` (an index from `capturedLines().length`). */
export function linesSince(mark: number): string[] {
  return lines.slice(mark);
}

/** The captured lines that contain a secret. */
export function leakingLines(): string[] {
  return lines.filter((line) => JWT.test(line) || [...secrets].some((s) => line.includes(s)));
}

function record(chunk: unknown): void {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : '';
  for (const line of text.split('\n')) if (line.trim() !== '') lines.push(line);
}

/**
 * Wraps stdout/stderr writes. stdout is swallowed unless `echo` is set; stderr always passes
 * through, since Jest's own reporter writes there when it runs a file in band.
 */
export function installLogCapture(echo: boolean): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    const passThrough = echo || stream === process.stderr;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      record(chunk);
      return passThrough ? original(chunk, ...rest) : true;
    }) as typeof stream.write;
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[method] = (...args: unknown[]) => {
      record(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    };
  }
}
