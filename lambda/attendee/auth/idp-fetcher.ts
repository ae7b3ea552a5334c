import { request as httpRequest } from 'node:http';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Fetcher, SimpleFetcher } from 'aws-jwt-verify/https';

/**
 * How long a failed fetch from the identity provider (or a failed discovery) is remembered in a
 * container. During an outage every request would otherwise wait for its own time-out
 * (`JWT_JWKS_TIMEOUT_MS`) before its 503; within this interval it gets the same 503 at once,
 * and the first request after it tries again. Short, so that a provider that is back is used
 * again within seconds.
 */
export const FAILURE_MEMORY_MS = 5_000;

/**
 * Fetches from the identity provider (its discovery document and its JWKS) over https with
 * aws-jwt-verify's own fetcher; over plain http only when the configuration allows it (a local
 * identity provider), with the same errors and time-out. A failed fetch of a URI is remembered
 * for {@link FAILURE_MEMORY_MS}: fetching it again within that interval rejects at once with the
 * same error, without a request. A successful fetch is not remembered (the JWKS cache keeps the
 * keys, and refetches them for a key it does not know). Concurrent fetches of one URI are not
 * merged here: the JWKS cache and the discovery locator each make one at a time.
 */
export class IdpFetcher implements Fetcher {
  private readonly https: SimpleFetcher;
  private readonly failures = new Map<
    string,
    { readonly error: unknown; readonly until: number }
  >();

  constructor(
    private readonly timeoutMs: number,
    private readonly allowHttp: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.https = new SimpleFetcher({ defaultRequestOptions: { responseTimeout: timeoutMs } });
  }

  fetch(uri: string): Promise<ArrayBuffer> {
    const failure = this.failures.get(uri);
    if (failure !== undefined) {
      if (this.now() < failure.until) return Promise.reject(failure.error);
      this.failures.delete(uri);
    }
    return this.request(uri).catch((error: unknown) => {
      this.failures.set(uri, { error, until: this.now() + FAILURE_MEMORY_MS });
      throw error;
    });
  }

  private request(uri: string): Promise<ArrayBuffer> {
    if (uri.startsWith('https:')) return this.https.fetch(uri);
    if (!this.allowHttp) return Promise.reject(new NonRetryableFetchError(uri, 'http not allowed'));
    return new Promise((resolve, reject) => {
      const req = httpRequest(uri, { method: 'GET', timeout: this.timeoutMs }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new NonRetryableFetchError(uri, `Status code is ${res.statusCode}, expected 200`));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new FetchError(uri, error.message)));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
        });
      });
      req.on('timeout', () =>
        req.destroy(new Error(`Response time-out (after ${this.timeoutMs} ms.)`)),
      );
      req.on('error', (error) => reject(new FetchError(uri, error.message)));
      req.end();
    });
  }
}
