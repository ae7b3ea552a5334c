import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AppContext } from '../context';
import { classifyError } from '../errors/classify-error';
import { PROBLEMS, problemBody } from '../errors/problem';

/**
 * Turns whatever was thrown into the error `@middy/http-error-handler` renders: an RFC 9457
 * body, `no-store`, and `expose: true` so a 5xx keeps its status and headers (not a bare 500).
 */
export function problemResponses(options: {
  readonly retryAfterSeconds: number;
}): MiddlewareObj<APIGatewayProxyEventV2, unknown, Error, AppContext> {
  return {
    onError: (request) => {
      if (request.response !== undefined) return;
      const { state } = request.context;
      const outcome = classifyError(request.error, options.retryAfterSeconds);
      state.outcome = outcome;
      if (outcome.chimeRequestId) state.chimeRequestId = outcome.chimeRequestId;
      const attempts = (request.error as { $metadata?: { attempts?: unknown } } | null)?.$metadata
        ?.attempts;
      if (typeof attempts === 'number') state.chimeAttempts = attempts;
      const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      request.error = Object.assign(new Error(outcome.code), {
        statusCode: PROBLEMS[outcome.code].status,
        expose: true,
        message: JSON.stringify(problemBody(outcome.code, requestId)),
        headers: {
          ...outcome.headers,
          'Content-Type': 'application/problem+json',
          'Cache-Control': 'no-store',
        },
      });
    },
  };
}
