import { formatLine, type LogFields } from '../../../lambda/common/log-line';

describe('formatLine', () => {
  const stamp = '2026-12-01T20:00:00.000Z';
  const service = 'chime-attendee-api';
  const merged = (level: 'INFO' | 'WARN' | 'ERROR', message: string, fields: LogFields) =>
    `${JSON.stringify({ level, message, timestamp: stamp, service, ...fields })}\n`;

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
    expect(formatLine('WARN', 'request', fields, stamp, service)).toBe(
      merged('WARN', 'request', fields),
    );
  });

  it('lets a field named like a key of the line replace its value, as the spread did', () => {
    const fields = { service: 'other', status: 200 };
    expect(formatLine('INFO', 'request', fields, stamp, service)).toBe(
      merged('INFO', 'request', fields),
    );
    expect(JSON.parse(formatLine('INFO', 'request', fields, stamp, service)).service).toBe('other');
  });

  it('escapes the message', () => {
    const line = formatLine('ERROR', 'jwks "hydration" failed', {}, stamp, service);
    expect(JSON.parse(line).message).toBe('jwks "hydration" failed');
  });

  it('writes no service when none is given, as the invalidation and prefetch lines are', () => {
    const fields = { eventType: 'chime:AttendeeDeleted', action: 'deleted-attendee', items: 3 };
    expect(formatLine('INFO', 'invalidation', fields, stamp)).toBe(
      `${JSON.stringify({ level: 'INFO', message: 'invalidation', timestamp: stamp, ...fields })}\n`,
    );
    expect(formatLine('INFO', 'prefetch', { level: 'x' }, stamp)).toBe(
      `${JSON.stringify({ level: 'x', message: 'prefetch', timestamp: stamp })}\n`,
    );
  });
});
