import { EventEmitter } from 'node:events';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { Readable } from 'node:stream';

/** A Chime answer recorded from the emulator, replayed for every stubbed request. */
export type CannedAnswer = { statusCode: number; headers: Record<string, string>; body: string };

/** An already connected socket: the handler's connect/keep-alive timers clear at once. */
class ConnectedSocket extends EventEmitter {
  readonly connecting = false;
  setKeepAlive = () => this;
  setTimeout = () => this;
  destroy = () => this;
}

/**
 * Enough of `http.ClientRequest` for `@smithy/node-http-handler`: `socket` on the next tick (as a
 * kept-alive agent socket), and once ended, `response` on the next turn of the loop, then `close`.
 */
class CannedRequest extends EventEmitter {
  socket: ConnectedSocket | null = null;
  destroyed = false;

  constructor(private readonly answer: CannedAnswer) {
    super();
    process.nextTick(() => {
      this.socket = new ConnectedSocket();
      this.emit('socket', this.socket);
    });
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
 * Replaces `http.request`, which both SDK builds read at their first request, to count those to
 * `origin` (Chime) and, given an `answer`, answer them without a socket; the JWKS goes through.
 */
export function interceptChime(origin: string, answer?: CannedAnswer): () => number {
  const original = http.request as (...args: unknown[]) => http.ClientRequest;
  const { hostname, port } = new URL(origin);
  let seen = 0;
  const intercepting = (...args: unknown[]) => {
    // The SDK passes options; a URL or a string (the JWKS fetch) never names Chime's port.
    const options = args[0] as { host?: string; hostname?: string; port?: number | string };
    const toChime =
      (options.hostname ?? options.host) === hostname && String(options.port) === port;
    if (toChime) seen += 1;
    if (!toChime || !answer) return original.apply(http, args);
    const request = new CannedRequest(answer);
    const callback = typeof args[1] === 'function' ? args[1] : args[2];
    if (typeof callback === 'function') request.once('response', callback as () => void);
    return request;
  };
  (http as unknown as { request: unknown }).request = intercepting;
  syncBuiltinESMExports();
  return () => seen;
}
