/**
 * The faults the page's buttons demonstrate, each with the API's answer. The example server
 * (`POST /dev/faults`) turns a name into the emulator rule of `local/cli/fault-recipes.ts` for the
 * status, on a fresh meeting: the caches answer an attendee read before without asking Chime.
 */
export const FAULTS = Object.freeze({
  busy: {
    label: '503 Busy',
    status: 503,
    description: 'ServiceUnavailableException with a Retry-After',
  },
  failing: {
    label: '502 Failing',
    status: 502,
    description: 'ForbiddenException: the API’s own AWS credentials are refused',
  },
  hang: {
    label: '504 No answer',
    status: 504,
    description: 'Chime hangs until the API’s deadline',
  },
} as const);

export type FaultName = keyof typeof FAULTS;

export const isFaultName = (name: unknown): name is FaultName =>
  typeof name === 'string' && Object.hasOwn(FAULTS, name);
