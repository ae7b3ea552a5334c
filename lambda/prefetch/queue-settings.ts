/**
 * How the prefetch queue hands `chime:AttendeeAdded` events to the prefetch function: the
 * stack's SQS event source (lib/attendee-cache.ts) and its local stand-in (local/aws/event-queue.ts)
 * both read these.
 *
 * A whole meeting's attendees are usually created together (BatchCreateAttendee takes 100 at a
 * time), so a batching window turns ~250 events into one listing of the meeting instead of 250.
 */
export const PREFETCH_QUEUE = Object.freeze({
  /** Messages per invocation, at most (Lambda allows up to 10,000 with a batching window). */
  batchSize: 1000,
  /** How long Lambda gathers messages before it invokes with fewer than `batchSize`. */
  maxBatchingWindowSeconds: 10,
  /** Concurrent invocations at most (2 is the least Lambda allows): bounds the Chime calls. */
  maxConcurrency: 2,
  /** The function's timeout. */
  timeoutSeconds: 120,
  /** SQS redelivers a failed message after this; AWS advises 6 × the function's timeout. */
  visibilityTimeoutSeconds: 720,
  /** Deliveries before a message goes to the dead-letter queue. */
  maxReceiveCount: 3,
});
