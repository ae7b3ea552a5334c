import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** A `node <script>` child that reported (one JSON line on fd 3, so stdout stays its log). */
export interface Child<T> {
  readonly report: T;
  /** Parent clock: spawn → report line received (ms). */
  readonly reportAfterMs: number;
  readonly pid: number | undefined;
  /** Lines the child wrote on stdout so far: the function's own log. */
  stdoutLines(): number;
  /** Closes its stdin, which stops a service, and waits for it to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** How to run a child: its environment, its time limit, a file for its stdout. */
export interface ChildOptions {
  readonly env: NodeJS.ProcessEnv;
  /** For a service, until its report; for a run, until its exit. Then it is killed. */
  readonly timeoutMs: number;
  /** Under load, a pipe to the busy parent could block the function: a file never does. */
  readonly logFile?: string;
}

const live = new Set<ChildProcess>();

/** Kills what is still running (by pid, each one this benchmark started); for exit paths. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

const countLines = (data: Buffer) => data.reduce((lines, byte) => lines + (byte === 10 ? 1 : 0), 0);

async function spawnNode<T>(
  script: string,
  args: readonly string[],
  { env, timeoutMs, logFile }: ChildOptions,
  toEnd: boolean,
): Promise<Child<T>> {
  const spawnedAt = performance.now();
  const logFd = logFile === undefined ? undefined : openSync(logFile, 'w');
  const child = spawn(process.execPath, [script, ...args], {
    env,
    stdio: [toEnd ? 'ignore' : 'pipe', logFd ?? 'pipe', 'pipe', 'pipe'],
  });
  if (logFd !== undefined) closeSync(logFd);
  live.add(child);
  let piped = 0;
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    piped += countLines(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const killAfter = (ms: number) => setTimeout(() => child.kill('SIGKILL'), ms).unref();
  let timer = killAfter(timeoutMs);
  // 'close', not 'exit': the child's stdout and fd 3 are drained by then.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      live.delete(child);
      clearTimeout(timer);
      resolve(code);
    }),
  );
  const failure = (what: string, code: number | null) =>
    new Error(`${script} ${what} (exit ${code ?? 'killed'}, limit ${timeoutMs} ms):\n${stderr}`);
  let reportAfterMs = Number.NaN;
  const report = await new Promise<T>((resolve, reject) => {
    let buffered = '';
    (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      reportAfterMs = performance.now() - spawnedAt;
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(buffered.slice(0, end)) as T);
    });
    exited.then((code) => reject(failure('ended without a report', code)));
  });
  if (toEnd) {
    const code = await exited;
    if (code !== 0) throw failure('failed', code);
  } else clearTimeout(timer);
  return {
    report,
    reportAfterMs,
    pid: child.pid,
    stdoutLines: () => (logFile === undefined ? piped : countLines(readFileSync(logFile))),
    stop: async () => {
      child.stdin?.end();
      timer = killAfter(5000);
      await exited;
    },
  };
}

/** Runs `node <script> …args` to a clean exit, for its report. */
export const runNode = <T>(script: string, args: readonly string[], options: ChildOptions) =>
  spawnNode<T>(script, args, options, true);

/** Starts `node <script> …args` as a service: ready once it reports, stopped by `stop()`. */
export const startService = <T>(script: string, args: readonly string[], options: ChildOptions) =>
  spawnNode<T>(script, args, options, false);

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system, ms) a child has used so far, from `/proc/<pid>/stat` (fields 14 and
 * 15, after the parenthesised command name); NaN where there is no procfs. The resolution is a
 * clock tick (10 ms): measure over seconds of load.
 * @see https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
export function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
