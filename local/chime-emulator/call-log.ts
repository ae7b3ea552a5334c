import type { FaultSpec } from './faults';
import type { OperationName } from './operations';

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
  fault?: FaultSpec['type'];
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
export type CallLog = ReturnType<typeof createCallLog>;

/** Creates an empty call log. */
export function createCallLog() {
  let calls: CallRecord[] = [];
  return {
    /** Records a call as it arrives and returns the record to complete later. */
    begin(call: Omit<CallRecord, 'status'>): CallRecord {
      const record: CallRecord = { ...call, status: null };
      calls.push(record);
      return record;
    },
    list: (): CallRecord[] => calls.map((call) => ({ ...call })),
    /** Calls and throttles per operation since the last `clear()`. */
    stats(): CallStats {
      const operations: Partial<Record<CallRecord['operation'], OperationStats>> = {};
      for (const { operation, throttled } of calls) {
        const entry = operations[operation] ?? { calls: 0, throttled: 0 };
        operations[operation] = {
          calls: entry.calls + 1,
          throttled: entry.throttled + (throttled ? 1 : 0),
        };
      }
      const throttled = calls.filter((call) => call.throttled).length;
      return { total: { calls: calls.length, throttled }, operations };
    },
    clear(): void {
      calls = [];
    },
  };
}
