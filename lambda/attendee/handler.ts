import type { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpErrorHandler from '@middy/http-error-handler';
import httpSecurityHeaders from '@middy/http-security-headers';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { routeIdOf } from './api-routes';
import { ROUTES } from './attendee-routes';
import type { Config } from './config';
import type { AppContext } from './context';
import { ProblemError } from './errors';
import type { RequestLogger } from './logger';
import { authenticate } from './middleware/authenticate';
import { problemResponses } from './middleware/problem-responses';
import { requestLog } from './middleware/request-log';
import type { TokenVerifier } from './token-verifier';

/** What the chain needs, created once per container (see `index.ts`). */
export interface Dependencies {
  readonly config: Config;
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  readonly verifier: TokenVerifier;
  readonly logger: RequestLogger;
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Time Middy keeps before the Lambda timeout to answer 504 itself. */
const EARLY_TIMEOUT_MS = 250;

/**
 * The Middy chain of the attendee routes, outermost first: one log line, security and CORS
 * headers (on errors too), RFC 9457 problems, authentication; then the route (see
 * `attendee-routes.ts`) validates the IDs, calls Chime under the deadline and applies the
 * JoinToken policy.
 */
export function createHandler(deps: Dependencies): ApiHandler {
  const { config, chime, verifier, logger } = deps;
  const { retryAfterSeconds, allowedOrigins } = config.http;

  const route = async (
    event: APIGatewayProxyEventV2,
    context: AppContext,
    { signal }: { signal: AbortSignal },
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    // The route key comes from the event: only the route table's own keys count, never an
    // inherited `Object.prototype` member such as `constructor`.
    const { routeKey } = event;
    const serve =
      routeIdOf(routeKey) !== undefined && Object.hasOwn(ROUTES, routeKey)
        ? ROUTES[routeKey]
        : undefined;
    if (!serve) throw new ProblemError('not_found', `no route ${event.routeKey}`);
    return serve({ config, chime }, event, context.state, signal);
  };

  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, AppContext>({
    timeoutEarlyInMillis: EARLY_TIMEOUT_MS,
  })
    .use(requestLog({ logger }))
    .use(
      httpSecurityHeaders({
        contentSecurityPolicy: { 'default-src': "'none'", 'report-to': '' },
        crossOriginEmbedderPolicy: false,
        crossOriginOpenerPolicy: false,
        crossOriginResourcePolicy: false,
        permissionsPolicy: false,
        reportTo: false,
        originAgentCluster: false,
        dnsPrefetchControl: false,
        downloadOptions: false,
        permittedCrossDomainPolicies: false,
      }),
    )
    .use(
      httpCors({
        origins: [...allowedOrigins],
        methods: 'GET',
        headers: 'Authorization',
        exposeHeaders: 'Retry-After',
        maxAge: 600,
      }),
    )
    .use(httpErrorHandler({ logger: false }))
    .use(problemResponses({ retryAfterSeconds }))
    .use(authenticate({ verifier, realm: 'chime-attendee-api', retryAfterSeconds }))
    .handler(route) as unknown as ApiHandler;
}
