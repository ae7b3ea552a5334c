import type { Fetcher } from 'aws-jwt-verify/https';
import { isJsonObject, safeJsonParse } from 'aws-jwt-verify/safe-json-parse';
import { ConfigError } from '../../common/config/validators';
import { FAILURE_MEMORY_MS } from './idp-fetcher';

/**
 * Where the issuer's JWKS is: `jwks_uri` of its OpenID Connect discovery document, as the HTTP
 * API JWT authorizer finds it, unless an explicit JWKS URI overrides discovery.
 * https://openid.net/specs/openid-connect-discovery-1_0.html
 */

const SUFFIX = '/.well-known/openid-configuration';

/** Longest excerpt of the provider's document quoted in a message. */
const MAX_QUOTED = 200;

const quote = (value: string) => JSON.stringify(value.slice(0, MAX_QUOTED));

/**
 * The discovery document's URL. OpenID Connect Discovery 1.0 §4: the issuer followed by
 * `/.well-known/openid-configuration`, and "if the Issuer value contains a path component, any
 * terminating / MUST be removed before appending" it: so `https://tenant.auth0.com/` and
 * `https://tenant.auth0.com` share `https://tenant.auth0.com/.well-known/openid-configuration`.
 *
 * @example
 * discoveryUrlOf('https://login.example.com/realms/app/') // 'https://login.example.com/realms/app/.well-known/openid-configuration'
 */
export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${SUFFIX}`;
}

/**
 * The discovery document could not be fetched or read: the identity provider's fault (503,
 * retried by a request after {@link FAILURE_MEMORY_MS}), never the caller's. `url` and `why` are
 * for the log.
 */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
  constructor(
    readonly url: string,
    readonly why: string,
  ) {
    super(`${url}: ${why}`);
  }
}

/**
 * The configured issuer is not the one the discovery document names: a configuration error
 * (OpenID Connect Discovery 1.0 §4.3: the `issuer` returned "MUST be identical to the Issuer
 * URL that was used as the prefix", and to the `iss` of its tokens). Init fails on it.
 */
export class IssuerMismatchError extends ConfigError {
  constructor(
    readonly configured: string,
    readonly discovered: string,
    readonly url: string,
  ) {
    super(
      'JWT_ISSUER',
      `${quote(configured)} differs from the issuer ${quote(discovered)} of its discovery document ${url}; set it to exactly the issuer its tokens carry in "iss"`,
    );
  }
}

/**
 * Reads `jwks_uri` from a discovery document, after checking that it names `issuer` exactly.
 * Throws an {@link IssuerMismatchError} for another issuer, a {@link DiscoveryError} for any
 * other fault (not JSON, no `jwks_uri`, a `jwks_uri` that is not https unless `allowHttp`).
 */
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
  let parsed: URL;
  try {
    parsed = new URL(jwksUri);
  } catch {
    throw new DiscoveryError(url, `jwks_uri ${quote(jwksUri)} is not an absolute URL`);
  }
  if (parsed.protocol !== 'https:' && !(allowHttp && parsed.protocol === 'http:')) {
    throw new DiscoveryError(
      url,
      `jwks_uri ${quote(jwksUri)} is not https (JWT_JWKS_URI overrides discovery)`,
    );
  }
  return jwksUri;
}

/** The JWKS URI of the configured issuer, discovered once per container. */
export interface JwksLocator {
  /** The discovery document's URL, or `undefined` when an explicit JWKS URI is configured. */
  readonly discoveryUrl: string | undefined;
  /**
   * The JWKS URI. One discovery at a time, shared by concurrent callers; its result is kept for
   * the container's life, a failure for {@link FAILURE_MEMORY_MS} (callers within that interval
   * get the same error without a fetch; the first caller after it discovers again).
   */
  jwksUri(): Promise<string>;
}

/** Why a fetch failed, without the library's `Failed to fetch <url>: ` prefix. */
function whyFetchFailed(error: unknown, url: string): string {
  if (!(error instanceof Error)) return 'unknown error';
  const prefix = `Failed to fetch ${url}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/**
 * Locates the JWKS of `issuer`: `jwksUri` when given, else from the discovery document fetched
 * with `fetcher` (aws-jwt-verify's, with the JWKS time-out and the same http rule). `now` is the
 * clock that times a remembered failure.
 */
export function createJwksLocator(options: {
  readonly issuer: string;
  readonly jwksUri: string | undefined;
  readonly allowHttp: boolean;
  readonly fetcher: Fetcher;
  readonly now?: () => number;
}): JwksLocator {
  const { issuer, allowHttp, fetcher, now = () => Date.now() } = options;
  if (options.jwksUri !== undefined) {
    const fixed = Promise.resolve(options.jwksUri);
    return { discoveryUrl: undefined, jwksUri: () => fixed };
  }
  const url = discoveryUrlOf(issuer);
  let found: Promise<string> | undefined;
  /** Set while `found` is a failure: when a caller may discover again. */
  let retryAt: number | undefined;
  const discover = () =>
    fetcher
      .fetch(url)
      .then(
        (body) => jwksUriFromDocument(body, { issuer, url, allowHttp }),
        (error: unknown) => {
          throw new DiscoveryError(url, whyFetchFailed(error, url));
        },
      )
      .catch((error: unknown) => {
        retryAt = now() + FAILURE_MEMORY_MS;
        throw error;
      });
  return {
    discoveryUrl: url,
    jwksUri: () => {
      if (found === undefined || (retryAt !== undefined && now() >= retryAt)) {
        retryAt = undefined;
        found = discover();
      }
      return found;
    },
  };
}
