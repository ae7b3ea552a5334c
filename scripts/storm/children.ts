import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { once } from 'node:events';
import { track } from '../../bench/processes';

/** Forks `node --import tsx <script>` with an IPC channel and PATH, killed by `killAll` at exit. */
export function forkScript(script: string, options: ForkOptions) {
  const env = { PATH: process.env.PATH ?? '', ...options.env };
  return track(fork(script, [], { ...options, env, execArgv: ['--import', 'tsx'] }));
}

/** Ends a child by closing its IPC channel (it exits on `disconnect`), SIGKILL after `graceMs`. */
export async function endChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  if (child.connected) child.disconnect();
  else child.kill('SIGTERM');
  await exited.finally(() => clearTimeout(timer));
}

/** The first IPC message of a child, or its exit (with the tail of its stderr) as an error. */
export function firstMessage<T>(child: ChildProcess, what: string, timeoutMs: number): Promise<T> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} not ready in ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    );
    child.once('message', (message: T) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}):\n${stderr}`));
    });
  });
}
