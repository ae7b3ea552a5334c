/**
 * Whether the `npm` that runs a local server is still there. npm passes a SIGTERM only to its
 * child, `sh -c "tsx …"`; dash (Debian's and Ubuntu's sh) dies of it without passing it on,
 * leaving tsx and the server running with their ports taken. So the server watches the processes
 * between itself and npm, and stops when one of them is gone. Linux only (it reads /proc): on
 * macOS, sh is bash, which execs tsx, so the signal reaches tsx, and tsx hands it on.
 */
import { readFileSync } from 'node:fs';

/** `pid`'s parent, from /proc; undefined once `pid` is gone, or without /proc. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** npm titles itself `npm <command> …` (process.title); before that it is `node …/npm …`. */
function isNpm(pid: number): boolean {
  try {
    const [first = '', second = ''] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return /^npm(\s|$)/.test(first) || /(^|\/)npm(-cli\.js)?$/.test(second);
  } catch {
    return false;
  }
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
    let child = process.pid;
    for (const pid of ancestry) {
      if (parentOf(child) !== pid) {
        clearInterval(timer);
        onGone(npmPid);
        return;
      }
      child = pid;
    }
  }, 500);
  timer.unref();
}
