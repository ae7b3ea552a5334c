import type { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createTokenVerifier, type TokenVerifier } from '../../lambda/attendee/auth/token-verifier';
import { type ApiHandler, createHandler } from '../../lambda/attendee/handler';
import { createLogger } from '../../lambda/attendee/logger';
import { createChimeClient } from '../../lambda/common/chime/chime-client';
import { type Config, parseConfig } from '../../lambda/common/config/settings';
import { IdentityProvider } from '../../local/identity/identity-provider';
import { attendeeEvent, type EventOptions, lambdaContext } from './events';

/** An origin a browser app might send; the function itself answers no CORS (API Gateway does). */
export const ALLOWED_ORIGIN = 'https://app.example.com';

/** Caches off and an unreachable caller budget: every request asks Chime, as before caching. */
export const NO_CACHE_ENV = Object.freeze({
  CACHE_ATTENDEE_TTL_MS: '0',
  CACHE_MEETING_TTL_MS: '0',
  CALLER_BUDGET_PER_MINUTE: '10000',
});

/** The environment of a Lambda wired to `idp`, with overrides. */
export function testEnv(
  idp: IdentityProvider,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    CHIME_REGION: 'us-east-1',
    JWT_ISSUER: idp.issuer,
    JWT_AUDIENCE: idp.audience,
    JWT_ALLOW_HTTP_JWKS: 'true',
    LOG_LEVEL: 'INFO',
    // Each test sets up its own Chime answers: nothing is remembered between requests unless a
    // test turns the caches on (the cache tests do), and no caller runs out of budget.
    ...NO_CACHE_ENV,
    ...overrides,
  };
}

export interface TestApi {
  readonly idp: IdentityProvider;
  readonly config: Config;
  readonly verifier: TokenVerifier;
  readonly handler: ApiHandler;
  /** Invokes the handler with an attendee-route event. */
  call(options?: EventOptions, timeoutMs?: number): Promise<APIGatewayProxyStructuredResultV2>;
  stop(): Promise<void>;
}

/**
 * The real Middy chain with a real verifier against a local identity provider on 127.0.0.1, and
 * the real Chime client (mock it with aws-sdk-client-mock, or point CHIME_ENDPOINT at the emulator).
 */
export async function startTestApi(
  overrides: Record<string, string> = {},
  existingIdp?: IdentityProvider,
): Promise<TestApi> {
  const idp = existingIdp ?? new IdentityProvider();
  if (!existingIdp) await idp.start();
  const config = parseConfig(testEnv(idp, overrides));
  const verifier = createTokenVerifier(config);
  const chime: ChimeSDKMeetingsClient = createChimeClient(config);
  const handler = createHandler({ config, chime, verifier, logger: createLogger(config) });
  return {
    idp,
    config,
    verifier,
    handler,
    call: (options, timeoutMs) => handler(attendeeEvent(options), lambdaContext(timeoutMs)),
    stop: async () => {
      chime.destroy();
      if (!existingIdp) await idp.stop();
    },
  };
}

/** The parsed JSON body of a response. */
export function bodyOf(response: APIGatewayProxyStructuredResultV2): Record<string, unknown> {
  return JSON.parse(response.body ?? 'null') as Record<string, unknown>;
}

/** Response headers with lower-cased names. */
export function headersOf(response: APIGatewayProxyStructuredResultV2): Record<string, string> {
  return Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
}
