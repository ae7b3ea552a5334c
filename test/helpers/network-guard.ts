/**
 * Tests reach nothing but this machine: a connection to anything other than loopback (127.0.0.0/8,
 * ::1, `localhost`), and a DNS query for any other name, fails as a connection error would, and
 * the test that tried it fails with a line naming the address (`jest.setup.ts`). A test that
 * reached out would pass on a connected laptop and fail in CI, or leak a request somewhere.
 *
 * Every client path ends in `net.Socket.prototype.connect`: `net.connect`, `tls.connect`,
 * `http(s).request` (through their agents) and Node's `fetch` (undici's connector calls
 * `net.connect`). Child processes (the browser, the bundled artifact) are not covered.
 */
import dns from 'node:dns';
import net from 'node:net';

/** The code of the error a blocked connection or lookup fails with. */
export const NETWORK_BLOCKED = 'ERR_TEST_NETWORK_BLOCKED';

/** Whether `host` (a name or an address, IPv6 with or without brackets) is this machine. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  if (net.isIPv4(v4)) return v4.startsWith('127.');
  return net.isIPv6(name) && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(name);
}

/**
 * `.invalid` names never resolve (RFC 6761 §6.4: resolvers "SHOULD always return immediately with
 * a negative response"), so a test can use one for an unknown host: its lookup answers ENOTFOUND
 * here, and nothing is sent.
 */
const isInvalidName = (host: string): boolean => /(^|\.)invalid\.?$/i.test(host);

function notFound(hostname: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  error.code = 'ENOTFOUND';
  error.syscall = 'getaddrinfo';
  return error;
}

type Sink = (attempt: string) => void;

interface GuardState {
  sink: Sink;
}

// Core modules are shared by every test file of a Jest worker while this file is loaded anew
// for each, so the patch is installed once and only its sink is replaced per file.
const STATE = Symbol.for('chime-attendee-bff.network-guard');
type Guarded = { [STATE]?: GuardState };

function blockedError(what: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    `Network access is blocked in tests: ${what} (only 127.0.0.0/8, ::1 and localhost are allowed).`,
  );
  error.code = NETWORK_BLOCKED;
  return error;
}

/** The host and port (or path) a `Socket#connect` call names, whatever its overload. */
function targetOf(args: unknown[]): { host?: string; port?: unknown; path?: string | null } {
  const first = args[0];
  if (Array.isArray(first)) return (first[0] ?? {}) as { host?: string; port?: unknown };
  if (typeof first === 'object' && first !== null) return first as { host?: string };
  if (typeof first === 'string' && Number.isNaN(Number(first))) return { path: first };
  return { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
}

function install(state: GuardState): void {
  const socketProto = net.Socket.prototype as unknown as {
    connect: (this: net.Socket, ...args: unknown[]) => net.Socket;
  };
  const connect = socketProto.connect;
  socketProto.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    // IPC (a Unix socket or pipe) stays on this machine. `http` passes `path: null` for TCP.
    if (typeof target.path === 'string') return connect.apply(this, args);
    const host = target.host ?? 'localhost';
    if (isLoopback(host) || isInvalidName(host)) return connect.apply(this, args);
    const what = `connect to ${host}:${String(target.port)}`;
    state.sink(what);
    const error = blockedError(what);
    process.nextTick(() => this.destroy(error));
    return this;
  };

  const lookup = dns.lookup;
  const guardedLookup = function guardedLookup(hostname: string, ...rest: unknown[]) {
    const callback = rest.at(-1);
    if (isInvalidName(String(hostname))) {
      if (typeof callback === 'function') process.nextTick(() => callback(notFound(hostname)));
      return;
    }
    if (isLoopback(String(hostname))) {
      return (lookup as (...args: unknown[]) => void).call(dns, hostname, ...rest);
    }
    const what = `DNS lookup of ${hostname}`;
    state.sink(what);
    if (typeof callback === 'function') process.nextTick(() => callback(blockedError(what)));
  };
  dns.lookup = guardedLookup as typeof dns.lookup;

  const lookupPromise = dns.promises.lookup;
  dns.promises.lookup = ((hostname: string, ...rest: unknown[]) => {
    if (isInvalidName(String(hostname))) return Promise.reject(notFound(hostname));
    if (isLoopback(String(hostname))) {
      return (lookupPromise as (...args: unknown[]) => Promise<unknown>)(hostname, ...rest);
    }
    const what = `DNS lookup of ${hostname}`;
    state.sink(what);
    return Promise.reject(blockedError(what));
  }) as typeof dns.promises.lookup;

  // Queries sent to a DNS server (c-ares, not `net`): refused whatever the name.
  for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname'] as const) {
    dns[name] = ((hostname: string, ...rest: unknown[]) => {
      const what = `DNS query for ${hostname}`;
      state.sink(what);
      const callback = rest.at(-1);
      if (typeof callback === 'function') process.nextTick(() => callback(blockedError(what)));
    }) as never;
    dns.promises[name] = ((hostname: string) => {
      const what = `DNS query for ${hostname}`;
      state.sink(what);
      return Promise.reject(blockedError(what));
    }) as never;
  }
}

/**
 * Blocks non-loopback connections and lookups in this process (once) and reports each attempt to
 * `sink` (the latest caller's).
 */
function installNetworkGuard(sink: Sink): void {
  const holder = net as unknown as Guarded;
  const existing = holder[STATE];
  if (existing) {
    existing.sink = sink;
    return;
  }
  const state: GuardState = { sink };
  holder[STATE] = state;
  install(state);
}

const attempts: string[] = [];

/** Installs the guard for this test file, collecting attempts for {@link takeBlockedAttempts}. */
export function guardNetwork(): void {
  installNetworkGuard((attempt) => attempts.push(attempt));
}

/** The attempts blocked since the last call, which it forgets (so a test may expect them). */
export function takeBlockedAttempts(): string[] {
  return attempts.splice(0, attempts.length);
}
