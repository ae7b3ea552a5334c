import { createChimeClient } from '../common/chime/chime-client';
import { formatClaimPath } from '../common/config/claim-path';
import { type Config, parseConfig } from '../common/config/settings';
import { createDynamoDbClient } from '../common/table/dynamodb-client';
import { IssuerMismatchError } from './auth/oidc-discovery';
import { createTokenVerifier } from './auth/token-verifier';
import { createHandler } from './handler';
import { createLogger } from './logger';

export type Container = ReturnType<typeof createContainer>;

/** Builds everything a container needs from its environment, once. */
export function createContainer(env: Readonly<Record<string, string | undefined>>) {
  const config = parseConfig(env);
  const logger = createLogger(config);
  const verifier = createTokenVerifier(config);
  if (logger.debugEnabled) logger.debug('configuration', configurationSummary(config));
  return {
    handler: createHandler({
      config,
      chime: createChimeClient(config, logger),
      dynamodb: config.cacheTableName
        ? createDynamoDbClient({
            region: config.tableRegion,
            endpoint: config.dynamodbEndpoint,
            requestTimeoutMs: config.dynamodbRequestTimeoutMs,
            // A cache that fails falls back to Chime anyway: one retry at most.
            maxAttempts: 2,
          })
        : undefined,
      verifier,
      logger,
    }),
    /** Fetches the JWKS early: a failure is logged (requests retry), an issuer mismatch thrown. */
    warmUp: (): Promise<void> =>
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
  return {
    chimeRegion: config.chimeRegion,
    chimeEndpoint: config.chimeEndpoint !== undefined,
    chimeMaxAttempts: config.chimeMaxAttempts,
    deadlineMs: config.deadlineMs,
    issuer: config.identityIssuer,
    audiences: config.identityAudience.length,
    jwks: config.identityJwksUri === undefined ? 'discovery' : 'explicit',
    algorithms: config.jwtAlgorithms.join(','),
    joinTokenPolicy: config.joinTokenPolicy,
    identityClaim: formatClaimPath(config.identityClaim),
    moderatorClaim: formatClaimPath(config.moderatorClaim),
    moderatorScope: config.moderatorScope,
    sharedCache: config.cacheTableName !== undefined,
    attendeeTtlMs: config.cacheAttendeeTtlMs,
    meetingTtlMs: config.cacheMeetingTtlMs,
    hotThreshold: config.cacheHotThreshold,
    callerBudgetPerMinute: config.callerBudgetPerMinute,
  };
}
