import { createLogger, formatLine, type LogFields } from '../../../lambda/attendee/logger';
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

describe('formatLine', () => {
  const stamp = '2026-12-01T20:00:00.000Z';
  const merged = (level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: LogFields) =>
    `${JSON.stringify({ level, message, timestamp: stamp, service: 'chime-attendee-api', ...fields })}\n`;

  it.each<[string, LogFields]>([
    ['no fields', {}],
    [
      'the request line',
      { requestId: 'r-1', status: 200, code: 'ok', latencyMs: 0.42, coldStart: false },
    ],
    [
      'undefined fields, which are dropped',
      { requestId: undefined, status: 502, cause: undefined },
    ],
    ['a value that needs escaping', { cause: 'quote " backslash \\ newline \n' }],
    ['a non-finite number', { latencyMs: Number.NaN }],
    ['only undefined fields', { cause: undefined }],
  ])('writes what JSON.stringify of the merged object writes, with %s', (_, fields) => {
    expect(formatLine('WARN', 'request', fields, stamp)).toBe(merged('WARN', 'request', fields));
  });

  it('lets a field named like a key of the line replace its value, as the spread did', () => {
    const fields = { service: 'other', status: 200 };
    expect(formatLine('INFO', 'request', fields, stamp)).toBe(merged('INFO', 'request', fields));
    expect(JSON.parse(formatLine('INFO', 'request', fields, stamp)).service).toBe('other');
  });

  it('escapes the message', () => {
    const line = formatLine('ERROR', 'jwks "hydration" failed', {}, stamp);
    expect(JSON.parse(line).message).toBe('jwks "hydration" failed');
  });
});
