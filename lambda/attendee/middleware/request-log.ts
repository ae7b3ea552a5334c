import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { emfFields } from '../cache/metrics';
import type { AppContext } from '../context';
import type { RequestLogger } from '../logger';

/**
 * Starts each request's state and writes one line when it ends, with a lookup's counters as
 * Embedded Metric Format. Only fields chosen here: never a header, token, claim or ExternalUserId.
 */
export function requestLog(options: {
  readonly logger: RequestLogger;
  readonly metricsNamespace: string;
  readonly now?: () => number;
}): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, AppContext> {
  const { logger, metricsNamespace } = options;
  const now = options.now ?? performance.now.bind(performance);
  let coldStart = true;
  const write = (request: Request<APIGatewayProxyEventV2, unknown, Error, AppContext>) => {
    const { state } = request.context;
    const response = request.response as APIGatewayProxyStructuredResultV2 | undefined;
    const outcome = state.outcome;
    // Assigned in the order the line shows them; no spread, no intermediate objects.
    const fields: Record<string, string | number | boolean | undefined | object> = {
      requestId: request.event.requestContext?.requestId,
      route: request.event.routeKey,
      status: response?.statusCode ?? 500,
      code: outcome?.code ?? 'ok',
    };
    if (outcome) fields.cause = outcome.cause;
    if (state.role) fields.role = state.role;
    fields.latencyMs = Math.round((now() - state.startedAt) * 100) / 100;
    fields.coldStart = coldStart;
    if (state.chimeRequestId) fields.chimeRequestId = state.chimeRequestId;
    if (state.chimeAttempts) fields.chimeAttempts = state.chimeAttempts;
    if (state.metrics) {
      const metrics = emfFields(state.metrics, metricsNamespace, Date.now());
      for (const key in metrics) fields[key] = metrics[key];
    }
    logger[outcome?.level ?? 'info']('request', fields);
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
