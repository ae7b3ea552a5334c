import { get } from 'node:http';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Fetcher, SimpleFetcher } from 'aws-jwt-verify/https';

/** A failure remembered this long answers a provider outage at once, not after a time-out. */
export const FAILURE_MEMORY_MS = 5_000;

/**
 * aws-jwt-verify's fetcher, plus plain http with the same errors when allowed (a local provider).
 * A failure is answered again without a request for {@link FAILURE_MEMORY_MS}; a success is not.
 */
export class IdpFetcher implements Fetcher {
  private readonly https: SimpleFetcher;
  private readonly failures = new Map<string, { error: unknown; until: number }>();

  constructor(
    private readonly timeoutMs: number,
    private readonly allowHttp: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.https = new SimpleFetcher({ defaultRequestOptions: { responseTimeout: timeoutMs } });
  }

  fetch(uri: string): Promise<ArrayBuffer> {
    const failure = this.failures.get(uri);
    if (failure !== undefined && this.now() < failure.until) return Promise.reject(failure.error);
    return this.request(uri).catch((error: unknown) => {
      this.failures.set(uri, { error, until: this.now() + FAILURE_MEMORY_MS });
      throw error;
    });
  }

  private request(uri: string): Promise<ArrayBuffer> {
    if (uri.startsWith('https:')) return this.https.fetch(uri);
    if (!this.allowHttp) return Promise.reject(new NonRetryableFetchError(uri, 'http not allowed'));
    return new Promise((resolve, reject) => {
      const req = get(uri, { timeout: this.timeoutMs }, (res) => {
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
    });
  }
}
