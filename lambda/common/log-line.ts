/** A line's fields: plain values, and objects only for Embedded Metric Format's `_aws`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | object>>;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Whether `fields` has a key of the line itself (such a field takes the generic path). */
const reservedIn = (fields: LogFields) =>
  'level' in fields || 'message' in fields || 'timestamp' in fields || 'service' in fields;

/**
 * The line `JSON.stringify({ level, message, timestamp, service, ...fields })` gives (without
 * `service` when there is none), without building the merged object: the fields are serialised
 * on their own and spliced after the fixed head (the same keys in the same order, `undefined`
 * values dropped alike).
 */
export function formatLine(
  level: LogLevel,
  message: string,
  fields: LogFields,
  timestamp: string,
  service?: string,
): string {
  if (reservedIn(fields)) {
    const head = { level, message, timestamp, ...(service === undefined ? {} : { service }) };
    return `${JSON.stringify({ ...head, ...fields })}\n`;
  }
  const rest = JSON.stringify(fields);
  const tail = rest.length > 2 ? `,${rest.slice(1)}` : '}';
  const named = service === undefined ? '' : `,"service":${JSON.stringify(service)}`;
  return `{"level":"${level}","message":${JSON.stringify(message)},"timestamp":"${timestamp}"${named}${tail}\n`;
}

/**
 * Writes one JSON line on stdout, stamped now: the one writer of the three functions' logs.
 *
 * @example
 * writeLine('INFO', 'invalidation', { action: 'ignored', reason: 'event type not handled' });
 */
export function writeLine(level: LogLevel, message: string, fields: LogFields, service?: string) {
  process.stdout.write(formatLine(level, message, fields, new Date().toISOString(), service));
}
