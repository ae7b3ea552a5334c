/**
 * The faults the page can queue in the Chime emulator (through `/dev/faults`), each with the
 * answer the API gives. `callsPerRequest` is how many GetAttendee calls one API request makes
 * under that fault: the Lambda's SDK tries a timed-out call 3 times, while a Retry-After over
 * 1 s and a ForbiddenException are handed back after the first.
 */
export const FAULTS = Object.freeze({
  busy: {
    label: '503 Busy',
    description: 'ServiceUnavailableException with Retry-After 3 s',
    callsPerRequest: 1,
    fault: { type: 'error', name: 'ServiceUnavailableException', retryAfterSeconds: 3 },
  },
  failing: {
    label: '502 Failing',
    description: 'ForbiddenException: the API’s own AWS credentials are refused',
    callsPerRequest: 1,
    fault: { type: 'error', name: 'ForbiddenException' },
  },
  hang: {
    label: '504 No answer',
    description: 'Chime hangs until the API’s deadline',
    callsPerRequest: 3,
    fault: { type: 'hang' },
  },
} as const);

export type FaultName = keyof typeof FAULTS;

/** The emulator rule that makes the next `requests` API requests meet fault `name`. */
export function faultRule(name: FaultName, requests: number) {
  const { fault, callsPerRequest } = FAULTS[name];
  return { operation: 'GetAttendee', count: requests * callsPerRequest, fault };
}
