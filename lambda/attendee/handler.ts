import type { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpSecurityHeaders from '@middy/http-security-headers';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { Config } from '../common/config/settings';
import type { TokenVerifier } from './auth/token-verifier';
import { createAttendeeSource } from './cache/attendee-source';
import type { AppContext } from './context';
import { ProblemError } from './errors/errors';
import type { RequestLogger } from './logger';
import { authenticate } from './middleware/authenticate';
import { problemResponses } from './middleware/problem-responses';
import { requestLog } from './middleware/request-log';
import { createCallerBudget } from './policy/caller-budget';
import { deadlineContext, deadlinePassed, requestDeadline } from './request-deadline';
import { routeIdOf } from './routes/api-routes';
import { ROUTE_HANDLERS } from './routes/attendee-routes';

export interface Dependencies {
  readonly config: Config;
  readonly chime: Pick<ChimeSDKMeetingsClient, 'send'>;
  /** When `CACHE_TABLE_NAME` is set. */
  readonly dynamodb?: Pick<DynamoDBClient, 'send'>;
  readonly verifier: TokenVerifier;
  readonly logger: RequestLogger;
}

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Time Middy keeps before the Lambda timeout to answer 504 itself (`request-deadline.ts`). */
const EARLY_TIMEOUT_MS = 250;

/** The Middy chain, outermost first; security headers on errors too (CORS is the HTTP API's). */
export function createHandler(deps: Dependencies): ApiHandler {
  const { config, chime, dynamodb, verifier, logger } = deps;
  const source = createAttendeeSource({
    ...config,
    chime,
    sharedTable:
      dynamodb && config.cacheTableName
        ? { client: dynamodb, tableName: config.cacheTableName, ttlMs: config.cacheSharedTtlMs }
        : undefined,
    onCacheError: (operation, errorName) =>
      logger.warn('cache error', { operation, cause: errorName }),
  });
  const budget = createCallerBudget({ callsPerMinute: config.callerBudgetPerMinute });
  const routeDeps = { config, source, budget };
  const { retryAfterSeconds } = config;

  const chain = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, AppContext>(
    {
      // At the request deadline Middy aborts the route's signal and answers 504.
      timeoutEarlyInMillis: EARLY_TIMEOUT_MS,
      timeoutEarlyResponse: deadlinePassed,
    },
  )
    .use(requestLog({ logger, metricsNamespace: config.metricsNamespace }))
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
    .use(httpErrorHandler({ logger: false }))
    .use(problemResponses({ retryAfterSeconds }))
    .use(authenticate({ verifier, retryAfterSeconds }))
    .handler(async (event, context, { signal }) => {
      const routeId = routeIdOf(event.routeKey);
      const serve = routeId === undefined ? undefined : ROUTE_HANDLERS[routeId];
      if (!serve) throw new ProblemError('not_found', `no route ${event.routeKey}`);
      const deadline = requestDeadline(context, signal, EARLY_TIMEOUT_MS);
      // `return await`: an async function that returns a promise as such takes two more ticks.
      return await serve(routeDeps, event, context.state, deadline);
    }) as unknown as ApiHandler;
  const { deadlineMs } = config;
  return (event, context) => chain(event, deadlineContext(context, deadlineMs, EARLY_TIMEOUT_MS));
}
