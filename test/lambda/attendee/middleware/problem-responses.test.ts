import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { AppContext } from '../../../../lambda/attendee/context';
import { ProblemError } from '../../../../lambda/attendee/errors/errors';
import { problemBody } from '../../../../lambda/attendee/errors/problem';
import { problemResponses } from '../../../../lambda/attendee/middleware/problem-responses';
import { attendeeEvent, lambdaContext } from '../../../helpers/events';

/** The error handler and the middleware around a handler that throws `error`. */
async function answerTo(error: unknown) {
  const event = attendeeEvent();
  const context = Object.assign(lambdaContext(), { state: { startedAt: 0 } }) as AppContext;
  const response = (await middy<APIGatewayProxyEventV2, unknown, Error, AppContext>()
    .use(httpErrorHandler({ logger: false }))
    .use(problemResponses({ retryAfterSeconds: 4 }))
    .handler(async () => {
      throw error;
    })(event, context)) as APIGatewayProxyStructuredResultV2;
  return { response, state: context.state, requestId: event.requestContext.requestId };
}

describe('problemResponses', () => {
  it('answers a decided problem with its RFC 9457 body, never cached', async () => {
    const { response, state, requestId } = await answerTo(
      new ProblemError('not_found', 'role none may not see this'),
    );
    expect(response).toEqual({
      statusCode: 404,
      headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
      body: JSON.stringify(problemBody('not_found', requestId)),
    });
    expect(state.outcome).toMatchObject({ code: 'not_found', cause: 'role none may not see this' });
  });

  it('keeps a 503 with its Retry-After (no bare 500), and the Chime request id and attempts', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { requestId: 'chime-1', attempts: 3 },
    });
    const { response, state } = await answerTo(throttled);
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Retry-After': '4' });
    expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'upstream_throttled' });
    expect(state).toMatchObject({ chimeRequestId: 'chime-1', chimeAttempts: 3 });
  });

  it('answers anything else 500 internal_error, its message kept from the body', async () => {
    const { response } = await answerTo(new TypeError('secret detail'));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret detail');
    expect(JSON.parse(response.body ?? '')).toMatchObject({ code: 'internal_error' });
  });
});
