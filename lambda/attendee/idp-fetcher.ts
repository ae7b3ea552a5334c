import { request as httpRequest } from 'node:http';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Fetcher, SimpleFetcher } from 'aws-jwt-verify/https';

/**
 * Fetches from the identity provider (its discovery document and its JWKS) over https with
 * aws-jwt-verify's own fetcher; over plain http only when the configuration allows it (a local
 * identity provider), with the same errors and time-out.
 */
export class IdpFetcher implements Fetcher {
  private readonly https: SimpleFetcher;
  constructor(
    private readonly timeoutMs: number,
    private readonly allowHttp: boolean,
  ) {
    this.https = new SimpleFetcher({ defaultRequestOptions: { responseTimeout: timeoutMs } });
  }

  fetch(uri: string): Promise<ArrayBuffer> {
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
