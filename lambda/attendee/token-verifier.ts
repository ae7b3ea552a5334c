import { request as httpRequest } from 'node:http';
import { CognitoJwtVerifier } from 'aws-jwt-verify/cognito-verifier';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Fetcher, SimpleFetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtHeader, JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import type { Config } from './config';
import { VerifiedTokens } from './verified-tokens';

/** Verified claims of the caller's token. */
export type Claims = Readonly<Record<string, unknown>>;

/** Verifies bearer JWTs; `hydrate` fetches the JWKS ahead of the first request. */
export interface TokenVerifier {
  verify(token: string): Promise<Claims>;
  hydrate(): Promise<void>;
}

/** Clock skew tolerated between the issuer and this function on `iat`. */
const IAT_SKEW_SECONDS = 60;

/** The token failed a check that aws-jwt-verify leaves optional; treated like any invalid token. */
export class TokenPolicyError extends Error {
  override readonly name = 'TokenPolicyError';
}

/**
 * Fetches JWKS over https with aws-jwt-verify's own fetcher; over plain http only when the
 * configuration allows it (a local identity provider), with the same errors and time-out.
 */
class JwksFetcher implements Fetcher {
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

/**
 * Creates the verifier for the configured issuer: aws-jwt-verify's Cognito verifier (client id
 * and `token_use` checked) for a Cognito user pool, its generic verifier otherwise. On top of
 * the library: `exp` is required, `iat` may not be in the future, the algorithms are pinned, and
 * a verified token is not verified again until it expires ({@link VerifiedTokens}).
 */
export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const jwksCache = new SimpleJwksCache({
    fetcher: new JwksFetcher(auth.jwksTimeoutMs, auth.allowHttpJwks),
  });
  const iatSkewSeconds = Math.max(auth.graceSeconds, IAT_SKEW_SECONDS);
  const customJwtCheck = ({ header, payload }: { header: JwtHeader; payload: JwtPayload }) => {
    if (!auth.algorithms.includes(header.alg as (typeof auth.algorithms)[number])) {
      throw new TokenPolicyError('algorithm not allowed');
    }
    if (typeof payload.exp !== 'number') throw new TokenPolicyError('exp is required');
    // As the HTTP API authorizer does: a token cannot be issued in the future (beyond the skew).
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + iatSkewSeconds) {
      throw new TokenPolicyError('iat is in the future');
    }
  };
  const verifier = auth.cognitoUserPoolId
    ? CognitoJwtVerifier.create(
        {
          userPoolId: auth.cognitoUserPoolId,
          clientId: [...auth.audience],
          tokenUse: auth.cognitoTokenUse ?? 'access',
          graceSeconds: auth.graceSeconds,
          customJwtCheck,
        },
        { jwksCache },
      )
    : JwtVerifier.create(
        {
          issuer: auth.issuer,
          audience: [...auth.audience],
          jwksUri: auth.jwksUri ?? `${auth.issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
          graceSeconds: auth.graceSeconds,
          customJwtCheck,
        },
        { jwksCache },
      );
  const verified = new VerifiedTokens();
  return {
    verify: async (token) => {
      const known = verified.get(token);
      if (known) return known;
      const claims = (await verifier.verify(token)) as Claims;
      verified.set(token, claims);
      return claims;
    },
    hydrate: () => verifier.hydrate(),
  };
}
