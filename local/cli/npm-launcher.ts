/**
 * Whether the `npm` that runs a local server is still there. npm passes a SIGTERM only to its
 * child, `sh -c "tsx …"`; dash (Debian's and Ubuntu's sh) dies of it without passing it on,
 * leaving tsx and the server running with their ports taken. So the server watches the processes
 * between itself and npm, and stops when one of them is gone. Linux only (it reads /proc): on
 * macOS, sh is bash, which execs tsx, so the signal reaches tsx, and tsx hands it on.
 */
import { readFileSync } from 'node:fs';

/** /proc/`pid`/`file`, or undefined once `pid` is gone, or without /proc. */
function proc(pid: number, file: 'stat' | 'cmdline'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** `pid`'s parent: "pid (comm) state ppid …", where comm may hold spaces and parentheses. */
function parentOf(pid: number): number | undefined {
  const stat = proc(pid, 'stat');
  const ppid = Number(stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** npm titles itself `npm <command> …` (process.title); before that it is `node …/npm …`. */
function isNpm(pid: number): boolean {
  const [first = '', second = ''] = proc(pid, 'cmdline')?.split('\0') ?? [];
  return /^npm(\s|$)/.test(first) || /(^|\/)npm(-cli\.js)?$/.test(second);
}

/**
 * The processes from this one's parent up to the npm running it (npm last), or none when this
 * process is not an npm script's (no `npm_lifecycle_event`) or /proc is missing.
 */
export function npmAncestry(env: Readonly<Record<string, string | undefined>>): readonly number[] {
  if (!env.npm_lifecycle_event) return [];
  const chain: number[] = [];
  // tsx, sh, npm: a few steps; the bound only keeps a strange tree from being walked to init.
  for (let pid = parentOf(process.pid); pid !== undefined && pid > 1 && chain.length < 8; ) {
    chain.push(pid);
    if (isNpm(pid)) return chain;
    pid = parentOf(pid);
  }
  return [];
}

/**
 * Calls `onGone` with npm's pid once a process of `ancestry` has gone: its child then has a new
 * parent (a dead process's children are handed to init or a subreaper at once, zombie or not).
 * Checked twice a second, on a timer that keeps nothing alive.
 */
export function whenNpmGone(ancestry: readonly number[], onGone: (npmPid: number) => void): void {
  const npmPid = ancestry.at(-1);
  if (npmPid === undefined) return;
  const timer = setInterval(() => {
    const children = [process.pid, ...ancestry];
    if (ancestry.every((pid, i) => parentOf(children[i] as number) === pid)) return;
    clearInterval(timer);
    onGone(npmPid);
  }, 500);
  timer.unref();
}
