import type { OperationName } from './routes';

/** The operation name recorded for requests that no emulated operation serves. */
export const UNKNOWN_OPERATION = 'UnknownOperation';

/**
 * One request the emulator received on the service API (admin requests are not recorded).
 * It holds ids only: never JoinTokens or ExternalUserIds.
 */
export interface CallRecord {
  readonly operation: OperationName | typeof UNKNOWN_OPERATION;
  /** The status sent, or `null` while no response has been sent (a hang) or ever will (a reset). */
  status: number | null;
  readonly meetingId?: string;
  readonly attendeeId?: string;
  /** The type of the injected fault that disturbed this request, if any. */
  fault?: 'error' | 'hang' | 'reset' | 'malformed';
  /** Present (true) when the rate limiter answered `ThrottlingException`. */
  throttled?: true;
  readonly requestId: string;
}

/** Calls and throttles of one operation. */
export interface OperationStats {
  readonly calls: number;
  readonly throttled: number;
}

/** A summary of the call log: every operation seen, and the totals. */
export interface CallStats {
  readonly total: OperationStats;
  readonly operations: Readonly<Partial<Record<CallRecord['operation'], OperationStats>>>;
}

/** The log of calls, in arrival order. */
export interface CallLog {
  /** Records a call as it arrives and returns the record to complete later. */
  begin(call: Omit<CallRecord, 'status'>): CallRecord;
  list(): CallRecord[];
  /** Calls and throttles per operation since the last `clear()`. */
  stats(): CallStats;
  clear(): void;
}

/** Creates an empty call log. */
export function createCallLog(): CallLog {
  let calls: CallRecord[] = [];
  return {
    begin(call) {
      const record: CallRecord = { ...call, status: null };
      calls.push(record);
      return record;
    },
    list() {
      return calls.map((call) => ({ ...call }));
    },
    stats() {
      const operations = new Map<CallRecord['operation'], { calls: number; throttled: number }>();
      let throttled = 0;
      for (const call of calls) {
        const entry = operations.get(call.operation) ?? { calls: 0, throttled: 0 };
        entry.calls += 1;
        if (call.throttled) {
          entry.throttled += 1;
          throttled += 1;
        }
        operations.set(call.operation, entry);
      }
      return {
        total: { calls: calls.length, throttled },
        operations: Object.fromEntries(operations),
      };
    },
    clear() {
      calls = [];
    },
  };
}
