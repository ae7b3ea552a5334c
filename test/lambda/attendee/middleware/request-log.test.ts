import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRequestMetrics } from '../../../../lambda/attendee/cache/metrics';
import type { AppContext } from '../../../../lambda/attendee/context';
import type { RequestLogger } from '../../../../lambda/attendee/logger';
import { requestLog } from '../../../../lambda/attendee/middleware/request-log';
import { attendeeEvent, lambdaContext } from '../../../helpers/events';

/** A logger that keeps what it is given. */
function keptLines() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields: object) =>
    lines.push({ level, message, fields: { ...fields } });
  const logger: RequestLogger = {
    debugEnabled: false,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { lines, logger };
}

describe('requestLog', () => {
  it('writes one line per request, its fields in order, cold start only the first time', async () => {
    const { lines, logger } = keptLines();
    let clock = 100;
    const handler = middy<APIGatewayProxyEventV2, unknown, Error, AppContext>()
      .use(requestLog({ logger, metricsNamespace: 'Ns', now: () => clock }))
      .handler(async (_event, context) => {
        clock += 12.345;
        context.state.role = 'owner';
        context.state.chimeRequestId = 'chime-1';
        return { statusCode: 200 } satisfies APIGatewayProxyStructuredResultV2;
      });
    const event = attendeeEvent();
    const context = () => lambdaContext() as AppContext;
    await handler(event, context());
    await handler(event, context());
    expect(lines.map(({ level, message }) => `${level} ${message}`)).toEqual([
      'info request',
      'info request',
    ]);
    expect(Object.entries(lines[0]?.fields ?? {})).toEqual([
      ['requestId', event.requestContext.requestId],
      ['route', event.routeKey],
      ['status', 200],
      ['code', 'ok'],
      ['role', 'owner'],
      ['latencyMs', 12.35],
      ['coldStart', true],
      ['chimeRequestId', 'chime-1'],
    ]);
    expect(lines[1]?.fields.coldStart).toBe(false);
  });

  it('adds the lookup counters as Embedded Metric Format, and the outcome of a failure', async () => {
    const { lines, logger } = keptLines();
    const handler = middy<APIGatewayProxyEventV2, unknown, Error, AppContext>()
      .use(requestLog({ logger, metricsNamespace: 'Ns' }))
      .use({
        onError: (request) => {
          request.context.state.outcome = {
            code: 'upstream_failure',
            cause: 'ServiceFailureException',
            level: 'warn',
            headers: {},
          };
          request.response = { statusCode: 502 };
        },
      })
      .handler(async (_event, context) => {
        context.state.metrics = createRequestMetrics();
        context.state.metrics.misses = 1;
        throw new Error('upstream');
      });
    await handler(attendeeEvent(), lambdaContext() as AppContext);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      fields: {
        status: 502,
        code: 'upstream_failure',
        cause: 'ServiceFailureException',
        CacheMisses: 1,
        _aws: { CloudWatchMetrics: [{ Namespace: 'Ns' }] },
      },
    });
  });
});
