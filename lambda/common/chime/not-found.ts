/** Whether Chime answered NotFound (the meeting or attendee is gone, or never was). */
export const isNotFound = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { name?: unknown }).name === 'NotFoundException';
