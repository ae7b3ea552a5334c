import { createLogger } from '../../../lambda/attendee/logger';
import { capturedLines, linesSince } from '../../helpers/log-capture';

describe('createLogger', () => {
  it('writes one JSON line with level, message, timestamp, service and the fields', () => {
    const mark = capturedLines().length;
    createLogger({ logLevel: 'INFO' }).info('request', { status: 200, code: 'ok' });
    const lines = linesSince(mark);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      level: 'INFO',
      message: 'request',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'chime-attendee-api',
      status: 200,
      code: 'ok',
    });
  });

  it('drops the levels below the configured one', () => {
    const mark = capturedLines().length;
    const logger = createLogger({ logLevel: 'WARN' });
    logger.info('request', { status: 200 });
    logger.warn('request', { status: 503 });
    logger.error('request', { status: 502 });
    expect(linesSince(mark).map((line) => JSON.parse(line).level)).toEqual(['WARN', 'ERROR']);
  });
});
