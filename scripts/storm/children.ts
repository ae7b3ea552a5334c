import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Every child this run forked and has not seen exit, for the exit and signal paths. */
const live = new Set<ChildProcess>();

/** Forks `node --import tsx <script>` with an IPC channel, remembered until it exits. */
export function forkScript(
  script: string,
  options: Pick<ForkOptions, 'env' | 'stdio' | 'serialization'>,
): ChildProcess {
  const child = fork(script, [], { ...options, execArgv: ['--import', 'tsx'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills every child still running, each by its own pid (only children this run forked). */
export function killChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/** Ends a child by closing its IPC channel (it exits on `disconnect`), SIGKILL after `graceMs`. */
export function endChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill('SIGTERM');
  });
}

/** The tail of a child's stderr, for the error when it dies. */
export function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return () => tail;
}

/** The first IPC message of a child, or its exit (with the tail of its stderr) as an error. */
export function firstMessage<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  const stderr = stderrTail(child);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} not ready in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('message', (message: T) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}):\n${stderr()}`));
    });
  });
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (fields 14 and
 * 15, in USER_HZ ticks, 100 a second; proc(5)); undefined where there is no /proc.
 */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
