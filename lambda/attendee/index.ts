/**
 * The deployed entry: configuration, clients and the verifier are created once per container,
 * at init, and the JWKS is fetched before the first request (top-level await in the ESM bundle).
 */
import { createChimeClient } from './chime-client';
import { parseConfig } from './config';
import { createHandler } from './handler';
import { createLogger } from './logger';
import { createTokenVerifier } from './token-verifier';

const config = parseConfig(process.env);
const logger = createLogger(config);
const verifier = createTokenVerifier(config.auth);

// A JWKS that cannot be fetched now is fetched again on the first request, which then answers
// 503 if it still fails: init must not crash on a passing identity-provider fault.
await verifier.hydrate().catch((error: unknown) => {
  logger.warn('jwks hydration failed', {
    cause: error instanceof Error ? error.name : 'unknown',
  });
});

export const handler = createHandler({
  config,
  chime: createChimeClient(config.chime),
  verifier,
  logger,
});
