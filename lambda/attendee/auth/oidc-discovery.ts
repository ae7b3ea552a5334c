import type { Fetcher } from 'aws-jwt-verify/https';
import { isJsonObject, safeJsonParse } from 'aws-jwt-verify/safe-json-parse';
import { ConfigError } from '../../common/config/validators';
import { FAILURE_MEMORY_MS } from './idp-fetcher';

const quote = (value: string) => JSON.stringify(value.slice(0, 200));

/** OpenID Connect Discovery 1.0 §4: an issuer's terminating `/` is removed before appending. */
export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** The discovery document could not be fetched or read: the provider's fault (503). */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
  constructor(url: string, why: string) {
    super(`${url}: ${why}`);
  }
}

/** The document names another issuer (§4.3: it must be identical): init fails on it. */
export class IssuerMismatchError extends ConfigError {
  constructor(configured: string, discovered: string, url: string) {
    super(
      'JWT_ISSUER',
      `${quote(configured)} differs from the issuer ${quote(discovered)} of its discovery document ${url}; set it to exactly the issuer its tokens carry in "iss"`,
    );
  }
}

/** `jwks_uri` of a discovery document that names `issuer` exactly, https unless `allowHttp`. */
export function jwksUriFromDocument(
  body: ArrayBuffer,
  expected: { readonly issuer: string; readonly url: string; readonly allowHttp: boolean },
): string {
  const { issuer, url, allowHttp } = expected;
  let document: ReturnType<typeof safeJsonParse>;
  try {
    // safeJsonParse drops `__proto__` and `constructor`, as for the tokens themselves.
    document = safeJsonParse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new DiscoveryError(url, 'the document is not JSON');
  }
  if (!isJsonObject(document)) throw new DiscoveryError(url, 'the document is not a JSON object');
  const named = document.issuer;
  if (typeof named !== 'string') throw new DiscoveryError(url, 'the document has no issuer');
  if (named !== issuer) throw new IssuerMismatchError(issuer, named, url);
  const jwksUri = document.jwks_uri;
  if (typeof jwksUri !== 'string') throw new DiscoveryError(url, 'the document has no jwks_uri');
  const protocol = URL.parse(jwksUri)?.protocol;
  if (protocol === undefined) {
    throw new DiscoveryError(url, `jwks_uri ${quote(jwksUri)} is not an absolute URL`);
  }
  if (protocol !== 'https:' && !(allowHttp && protocol === 'http:')) {
    throw new DiscoveryError(
      url,
      `jwks_uri ${quote(jwksUri)} is not https (JWT_JWKS_URI overrides discovery)`,
    );
  }
  return jwksUri;
}

/**
 * Locates the JWKS of `issuer`: `jwksUri` when given (no `discoveryUrl`), else by discovery with
 * `fetcher`, one at a time, its result kept for good, a failure for {@link FAILURE_MEMORY_MS}.
 */
export function createJwksLocator(options: {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly allowHttp: boolean;
  readonly fetcher: Fetcher;
  readonly now?: () => number;
}): { readonly discoveryUrl: string | undefined; jwksUri(): Promise<string> } {
  const { issuer, allowHttp, fetcher, now = () => Date.now() } = options;
  if (options.jwksUri !== undefined) {
    const fixed = Promise.resolve(options.jwksUri);
    return { discoveryUrl: undefined, jwksUri: () => fixed };
  }
  const url = discoveryUrlOf(issuer);
  const prefix = `Failed to fetch ${url}: `;
  let found: Promise<string> | undefined;
  let retryAt = Number.POSITIVE_INFINITY;
  const discover = async () => {
    const body = await fetcher.fetch(url).catch((error: unknown) => {
      // Why, without the library's `Failed to fetch <url>: ` prefix.
      const why = error instanceof Error ? error.message : 'unknown error';
      throw new DiscoveryError(url, why.startsWith(prefix) ? why.slice(prefix.length) : why);
    });
    return jwksUriFromDocument(body, { issuer, url, allowHttp });
  };
  return {
    discoveryUrl: url,
    jwksUri: () => {
      if (found === undefined || now() >= retryAt) {
        retryAt = Number.POSITIVE_INFINITY;
        found = discover().catch((error: unknown) => {
          retryAt = now() + FAILURE_MEMORY_MS;
          throw error;
        });
      }
      return found;
    },
  };
}
