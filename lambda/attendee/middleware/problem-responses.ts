import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AppContext } from '../context';
import { classifyError } from '../errors/classify-error';
import { PROBLEM_CONTENT_TYPE, PROBLEMS, problemBody } from '../errors/problem';

/**
 * Turns whatever was thrown into the HTTP error that `@middy/http-error-handler` renders:
 * an RFC 9457 body, `expose: true` so 5xx keep their status and headers (the handler would
 * otherwise replace them by a bare 500), and `no-store`.
 */
export function problemResponses(options: {
  readonly retryAfterSeconds: number;
}): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, AppContext> {
  const { retryAfterSeconds } = options;
  return {
    onError: (request) => {
      if (request.response !== undefined) return;
      const outcome = classifyError(request.error, retryAfterSeconds);
      request.context.state.outcome = outcome;
      if (outcome.chimeRequestId) request.context.state.chimeRequestId = outcome.chimeRequestId;
      const attempts = (request.error as { $metadata?: { attempts?: unknown } } | null)?.$metadata
        ?.attempts;
      if (typeof attempts === 'number') request.context.state.chimeAttempts = attempts;
      const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      const status = PROBLEMS[outcome.code].status;
      request.error = Object.assign(new Error(outcome.code), {
        statusCode: status,
        expose: true,
        message: JSON.stringify(problemBody(outcome.code, requestId)),
        headers: {
          ...outcome.headers,
          'Content-Type': PROBLEM_CONTENT_TYPE,
          'Cache-Control': 'no-store',
        },
      });
    },
  };
}
