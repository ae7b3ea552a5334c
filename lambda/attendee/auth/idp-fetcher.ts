import { Agent } from 'node:http';
import { NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Fetcher, fetch, SimpleFetcher } from 'aws-jwt-verify/https';

/**
 * How long a failed fetch (or discovery) is remembered: during an outage every request gets its
 * 503 at once instead of waiting for its own time-out; short, so a provider back is used again.
 */
export const FAILURE_MEMORY_MS = 5_000;

/**
 * aws-jwt-verify's fetcher, also over plain http when allowed (a local identity provider). A
 * failed URI rejects with the same error, without a request, for {@link FAILURE_MEMORY_MS}; a
 * success is not kept (the JWKS cache keeps the keys).
 */
export class IdpFetcher implements Fetcher {
  private readonly https: SimpleFetcher;
  private readonly httpAgent: Agent | undefined;
  private readonly failures = new Map<
    string,
    { readonly error: unknown; readonly until: number }
  >();

  constructor(
    private readonly timeoutMs: number,
    allowHttp: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.https = new SimpleFetcher({ defaultRequestOptions: { responseTimeout: timeoutMs } });
    this.httpAgent = allowHttp ? new Agent() : undefined;
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
    if (!this.httpAgent) return Promise.reject(new NonRetryableFetchError(uri, 'http not allowed'));
    // The library's single-attempt fetch: an http agent makes its `https.request` speak http.
    return fetch(uri, { agent: this.httpAgent, responseTimeout: this.timeoutMs });
  }
}
