import { EventEmitter } from 'node:events';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { Readable } from 'node:stream';

/** A Chime answer recorded from the emulator, replayed for every stubbed request. */
export interface CannedAnswer {
  /** `http://127.0.0.1:<port>`: the Chime endpoint whose requests are answered here. */
  readonly origin: string;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A socket that is already connected: the handler's connect/keep-alive timers clear at once. */
class ConnectedSocket extends EventEmitter {
  readonly connecting = false;
  setKeepAlive() {
    return this;
  }
  setTimeout() {
    return this;
  }
  setNoDelay() {
    return this;
  }
  destroy() {
    return this;
  }
}

/**
 * Enough of `http.ClientRequest` for `@smithy/node-http-handler`: it emits `socket` on the next
 * tick (as a kept-alive agent socket does) and, once ended, `response` with the canned answer as
 * a readable stream on the next turn of the event loop, then `close`.
 */
class CannedRequest extends EventEmitter {
  socket: ConnectedSocket | null = null;
  destroyed = false;

  constructor(
    private readonly answer: CannedAnswer,
    onResponse: ((res: http.IncomingMessage) => void) | undefined,
  ) {
    super();
    if (onResponse) this.once('response', onResponse);
    process.nextTick(() => {
      this.socket = new ConnectedSocket();
      this.emit('socket', this.socket);
    });
  }

  setTimeout() {
    return this;
  }
  setNoDelay() {}
  setSocketKeepAlive() {}
  write() {
    return true;
  }
  end() {
    setImmediate(() => this.respond());
    return this;
  }
  destroy(error?: Error) {
    this.destroyed = true;
    if (error) this.emit('error', error);
    return this;
  }
  abort() {
    this.destroy();
  }

  private respond() {
    if (this.destroyed) return;
    const res = Object.assign(new Readable({ read() {} }), {
      statusCode: this.answer.statusCode,
      statusMessage: 'OK',
      headers: { ...this.answer.headers },
      complete: false,
    });
    res.once('end', () => {
      res.complete = true;
      process.nextTick(() => this.emit('close'));
    });
    this.emit('response', res);
    res.push(Buffer.from(this.answer.body));
    res.push(null);
  }
}

/**
 * Replaces `http.request` (the CommonJS export both SDK builds read when they send their first
 * request, and the ES module binding, re-synced) so that requests to `answer.origin` get the
 * canned answer without a socket; anything else (the JWKS) goes through. Install it before the
 * bundle sends anything. Returns how many requests it answered.
 */
export function installChimeStub(answer: CannedAnswer): () => number {
  const original = http.request;
  const toChime = isRequestTo(answer.origin);
  let answered = 0;
  const stub = (...args: unknown[]) => {
    if (!toChime(args[0])) return (original as (...a: unknown[]) => unknown).apply(http, args);
    answered += 1;
    const callback = typeof args[1] === 'function' ? args[1] : args[2];
    return new CannedRequest(answer, callback as (res: http.IncomingMessage) => void);
  };
  (http as unknown as { request: unknown }).request = stub;
  syncBuiltinESMExports();
  return () => answered;
}

/** Whether the first argument of `http.request` (the SDK passes options) targets `origin`. */
function isRequestTo(origin: string): (first: unknown) => boolean {
  const target = new URL(origin);
  return (first) => {
    if (typeof first !== 'object' || first === null || first instanceof URL) return false;
    const options = first as { host?: string; hostname?: string; port?: number | string };
    return (
      (options.hostname ?? options.host) === target.hostname && String(options.port) === target.port
    );
  };
}

/**
 * Counts the requests sent to `origin` (the Chime endpoint) and lets every request through, as
 * {@link installChimeStub} sees them: a cache-hit measurement proves with it that no Chime call
 * was made. Install it before the bundle sends anything. Returns the count so far.
 */
export function countRequestsTo(origin: string): () => number {
  const original = http.request;
  const toChime = isRequestTo(origin);
  let sent = 0;
  const counting = (...args: unknown[]) => {
    if (toChime(args[0])) sent += 1;
    return (original as (...a: unknown[]) => unknown).apply(http, args);
  };
  (http as unknown as { request: unknown }).request = counting;
  syncBuiltinESMExports();
  return () => sent;
}
