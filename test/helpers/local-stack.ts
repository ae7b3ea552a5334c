import { createContainer } from '../../lambda/attendee/container';
import { type DevStack, type DevStackOptions, startDevStack } from '../../local/cli/dev-stack';
import { NO_CACHE_ENV } from './test-api';

/**
 * The `npm start` stack on free ports, in process. The handler is built by the same
 * `createContainer` as `lambda/attendee/index.ts`, minus its top-level await, which Jest's
 * CommonJS transform cannot run; the artifact test runs the bundled index.ts itself.
 */
export function startLocalStack(
  options: Partial<Omit<DevStackOptions, 'loadHandler'>> = {},
): Promise<DevStack> {
  return startDevStack({
    ports: { api: 0, emulator: 0, idp: 0 },
    // Functional tests call faster than Chime's rates allow; rate behaviour has its own tests.
    chimeRates: false,
    sharedCache: false,
    ...options,
    env: { ...NO_CACHE_ENV, ...options.env },
    loadHandler: async (env) => {
      const container = createContainer(env);
      await container.warmUp();
      return container.handler;
    },
  });
}
