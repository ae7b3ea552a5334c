/** Attendees come in batches: a batching window turns ~250 events into one listing. */
export const PREFETCH_QUEUE = Object.freeze({
  batchSize: 1000, // messages per invocation at most (Lambda allows 10,000 with a window)
  maxBatchingWindowSeconds: 10, // how long Lambda gathers fewer than `batchSize`
  maxConcurrency: 2, // concurrent invocations (the least Lambda allows): bounds the Chime calls
  timeoutSeconds: 120, // the function's
  visibilityTimeoutSeconds: 720, // SQS redelivers a failed message after it: AWS advises 6 × timeout
  maxReceiveCount: 3, // deliveries before a message goes to the dead-letter queue
});
