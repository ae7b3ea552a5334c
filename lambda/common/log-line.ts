/** A line's fields: plain values, and objects only for Embedded Metric Format's `_aws`. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | object>>;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * `JSON.stringify({ level, message, timestamp, service, ...fields })` without the merged object:
 * the fields spliced after the fixed head (fields reusing a head key take the generic path).
 */
export function formatLine(
  level: LogLevel,
  message: string,
  fields: LogFields,
  timestamp: string,
  service?: string,
): string {
  if ('level' in fields || 'message' in fields || 'timestamp' in fields || 'service' in fields) {
    const head = { level, message, timestamp, ...(service === undefined ? {} : { service }) };
    return `${JSON.stringify({ ...head, ...fields })}\n`;
  }
  const rest = JSON.stringify(fields);
  const tail = rest.length > 2 ? `,${rest.slice(1)}` : '}';
  const named = service === undefined ? '' : `,"service":${JSON.stringify(service)}`;
  return `{"level":"${level}","message":${JSON.stringify(message)},"timestamp":"${timestamp}"${named}${tail}\n`;
}

/** Writes one JSON line on stdout, stamped now: the one writer of the three functions' logs. */
export function writeLine(level: LogLevel, message: string, fields: LogFields, service?: string) {
  process.stdout.write(formatLine(level, message, fields, new Date().toISOString(), service));
}
