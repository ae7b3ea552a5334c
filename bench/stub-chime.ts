import { EventEmitter } from 'node:events';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { Readable } from 'node:stream';

/** A Chime answer recorded from the emulator, replayed for every stubbed request. */
export interface CannedAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function chain<T>(this: T): T {
  return this;
}

/** A socket that is already connected: the handler's connect/keep-alive timers clear at once. */
class ConnectedSocket extends EventEmitter {
  readonly connecting = false;
  setKeepAlive = chain;
  setTimeout = chain;
  setNoDelay = chain;
  destroy = chain;
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

  setTimeout = chain;
  setNoDelay = chain;
  setSocketKeepAlive = chain;
  write = () => true;
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
 * request, and the ES module binding, re-synced) to see the requests sent to `origin` (the Chime
 * endpoint). With an `answer`, they get it without a socket; without, they go through, only
 * counted (a cache-hit measurement proves with it that no Chime call was made). Anything else
 * (the JWKS) goes through. Install it before the bundle sends anything. Returns the count so far.
 */
export function interceptChime(origin: string, answer?: CannedAnswer): () => number {
  const original = http.request as (...args: unknown[]) => http.ClientRequest;
  const target = new URL(origin);
  // The SDK passes options, never a URL or a string.
  const toChime = (first: unknown) => {
    if (typeof first !== 'object' || first === null || first instanceof URL) return false;
    const options = first as { host?: string; hostname?: string; port?: number | string };
    return (
      (options.hostname ?? options.host) === target.hostname && String(options.port) === target.port
    );
  };
  let seen = 0;
  const intercepting = (...args: unknown[]) => {
    if (!toChime(args[0])) return original.apply(http, args);
    seen += 1;
    if (!answer) return original.apply(http, args);
    const callback = typeof args[1] === 'function' ? args[1] : args[2];
    return new CannedRequest(answer, callback as (res: http.IncomingMessage) => void);
  };
  (http as unknown as { request: unknown }).request = intercepting;
  syncBuiltinESMExports();
  return () => seen;
}
