import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AppContext } from '../context';
import type { RequestLogger } from '../logger';

type AppRequest = Request<APIGatewayProxyEventV2, unknown, Error, AppContext>;

/**
 * Starts each request's state and writes exactly one structured line when it ends: status,
 * code, latency, cold start, Chime's request id. Only fields chosen here are logged: never a
 * header, a token, a claim or an ExternalUserId.
 */
export function requestLog(options: {
  readonly logger: RequestLogger;
  readonly now?: () => number;
}): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, AppContext> {
  const { logger } = options;
  const now = options.now ?? performance.now.bind(performance);
  let coldStart = true;

  const write = (request: AppRequest) => {
    const { state } = request.context;
    const response = request.response as APIGatewayProxyStructuredResultV2 | undefined;
    const status = response?.statusCode ?? 500;
    const outcome = state.outcome;
    const level = outcome?.level ?? 'info';
    // Assigned in the order the line shows them; no spread, no intermediate objects.
    const fields: Record<string, string | number | boolean | undefined> = {
      requestId: request.event.requestContext?.requestId,
      route: request.event.routeKey,
      status,
      code: outcome?.code ?? 'ok',
    };
    if (outcome) fields.cause = outcome.cause;
    if (state.role) fields.role = state.role;
    fields.latencyMs = Math.round((now() - state.startedAt) * 100) / 100;
    fields.coldStart = coldStart;
    if (state.chimeRequestId) fields.chimeRequestId = state.chimeRequestId;
    if (state.chimeAttempts) fields.chimeAttempts = state.chimeAttempts;
    logger[level]('request', fields);
    coldStart = false;
  };

  return {
    before: (request) => {
      request.context.state = { startedAt: now() };
    },
    after: write,
    onError: (request) => {
      if (request.response !== undefined) write(request);
    },
  };
}
