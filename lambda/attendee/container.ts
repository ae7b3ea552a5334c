import { createChimeClient } from './chime-client';
import { parseConfig } from './config';
import { type ApiHandler, createHandler } from './handler';
import { createLogger } from './logger';
import { createTokenVerifier } from './token-verifier';

type Env = Readonly<Record<string, string | undefined>>;

/** What one Lambda container holds: its handler, and the means to warm it up. */
export interface Container {
  readonly handler: ApiHandler;
  /**
   * Fetches the JWKS ahead of the first request. A JWKS that cannot be fetched now is fetched
   * again on the first request (which answers 503 if it still fails): the failure is logged,
   * not thrown, so a passing identity-provider fault never crashes init.
   */
  warmUp(): Promise<void>;
}

/**
 * Builds everything a container needs from its environment, once: configuration (validated,
 * naming a bad variable), the Chime client, the token verifier, the logger and the Middy chain.
 * The deployed entry (`index.ts`), `npm start`, the tests and the load script all use it.
 */
export function createContainer(env: Env): Container {
  const config = parseConfig(env);
  const logger = createLogger(config);
  const verifier = createTokenVerifier(config.auth);
  return {
    handler: createHandler({ config, chime: createChimeClient(config.chime), verifier, logger }),
    warmUp: () =>
      verifier.hydrate().catch((error: unknown) => {
        logger.warn('jwks hydration failed', {
          cause: error instanceof Error ? error.name : 'unknown',
        });
      }),
  };
}
