import { writeSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { createLambdaContext } from '../local/aws/lambda-context';

export const lambdaContext = (requestId: string): Context =>
  createLambdaContext({ functionName: 'attendee-bench', awsRequestId: requestId });

/** Writes `value` as one JSON line on fd 3 (stdout stays the function's log), whole. */
export function writeReport(value: unknown): void {
  const data = Buffer.from(`${JSON.stringify(value)}\n`);
  for (let offset = 0; offset < data.length; ) {
    try {
      offset += writeSync(3, data, offset);
    } catch (error) {
      // fd 3 is a non-blocking pipe: a report larger than its buffer waits for the parent.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
