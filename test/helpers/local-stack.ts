import { createChimeClient } from '../../lambda/attendee/chime-client';
import { parseConfig } from '../../lambda/attendee/config';
import { createHandler } from '../../lambda/attendee/handler';
import { createLogger } from '../../lambda/attendee/logger';
import { createTokenVerifier } from '../../lambda/attendee/token-verifier';
import { type DevStack, type DevStackOptions, startDevStack } from '../../local/dev-stack';

/**
 * The `npm start` stack on free ports, in process. The handler is built exactly as
 * `lambda/attendee/index.ts` builds it (same parseConfig, same chain), minus its top-level await,
 * which Jest's CommonJS transform cannot run; the artifact test runs index.ts itself.
 */
export function startLocalStack(
  options: Partial<Omit<DevStackOptions, 'loadHandler'>> = {},
): Promise<DevStack> {
  return startDevStack({
    ports: { api: 0, emulator: 0, idp: 0 },
    ...options,
    loadHandler: async (env) => {
      const config = parseConfig(env);
      const verifier = createTokenVerifier(config.auth);
      await verifier.hydrate();
      return createHandler({
        config,
        chime: createChimeClient(config.chime),
        verifier,
        logger: createLogger(config),
      });
    },
  });
}
