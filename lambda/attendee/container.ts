import { createChimeClient } from '../common/chime/chime-client';
import { formatClaimPath } from '../common/config/claim-path';
import { createDynamoDbClient } from '../common/table/dynamodb-client';
import { IssuerMismatchError } from './auth/oidc-discovery';
import { createTokenVerifier } from './auth/token-verifier';
import { type Config, parseConfig } from './config';
import { type ApiHandler, createHandler } from './handler';
import { createLogger } from './logger';

type Env = Readonly<Record<string, string | undefined>>;

/** What one Lambda container holds: its handler, and the means to warm it up. */
export interface Container {
  readonly handler: ApiHandler;
  /**
   * Discovers the JWKS URI and fetches the JWKS ahead of the first request. What cannot be
   * fetched now is fetched again on the first request (which answers 503 if it still fails):
   * the failure is logged with the URL and why, not thrown, so a passing identity-provider fault
   * never crashes init. An issuer that differs from its discovery document's is a configuration
   * error: thrown, so init fails naming both.
   */
  warmUp(): Promise<void>;
}

/**
 * Builds everything a container needs from its environment, once: configuration (validated,
 * naming a bad variable), the Chime client, the cache table's client, the token verifier, the
 * logger and the Middy chain.
 * The deployed entry (`index.ts`), `npm start`, the tests and the load script all use it.
 */
export function createContainer(env: Env): Container {
  const config = parseConfig(env);
  const logger = createLogger(config);
  const verifier = createTokenVerifier(config.auth);
  if (logger.debugEnabled) logger.debug('configuration', configurationSummary(config));
  return {
    handler: createHandler({
      config,
      chime: createChimeClient(config.chime, logger),
      ...(config.cache.tableName
        ? {
            dynamodb: createDynamoDbClient({
              region: config.cache.region,
              endpoint: config.cache.dynamodbEndpoint,
              requestTimeoutMs: config.cache.dynamodbRequestTimeoutMs,
              // A cache that fails falls back to Chime anyway: one retry at most.
              maxAttempts: 2,
            }),
          }
        : {}),
      verifier,
      logger,
    }),
    warmUp: () =>
      verifier.hydrate().catch((error: unknown) => {
        if (error instanceof IssuerMismatchError) throw error;
        logger.warn('jwks hydration failed', {
          cause: error instanceof Error ? error.name : 'unknown',
          // aws-jwt-verify's errors and DiscoveryError name the URL and why; never a token.
          reason: error instanceof Error ? error.message.slice(0, 400) : undefined,
        });
      }),
  };
}

/** What `LOG_LEVEL=DEBUG` shows of the configuration at init: settings, never secrets. */
function configurationSummary(config: Config): Readonly<Record<string, string | number | boolean>> {
  const { chime, auth, policy, cache } = config;
  return {
    chimeRegion: chime.region,
    chimeEndpoint: chime.endpoint !== undefined,
    chimeMaxAttempts: chime.maxAttempts,
    deadlineMs: config.deadlineMs,
    issuer: auth.issuer,
    audiences: auth.audience.length,
    jwks: auth.jwksUri === undefined ? 'discovery' : 'explicit',
    algorithms: auth.algorithms.join(','),
    joinTokenPolicy: policy.joinToken,
    identityClaim: formatClaimPath(policy.identityClaim),
    moderatorClaim: formatClaimPath(policy.moderatorClaim),
    moderatorScope: policy.moderatorScope,
    sharedCache: cache.tableName !== undefined,
    attendeeTtlMs: cache.containerAttendeeTtlMs,
    meetingTtlMs: cache.containerMeetingTtlMs,
    hotThreshold: cache.hotThreshold,
    callerBudgetPerMinute: config.callerBudgetPerMinute,
  };
}
