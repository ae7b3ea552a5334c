import type { FaultSpec } from './faults';
import type { OperationName } from './operations';

export const UNKNOWN_OPERATION = 'UnknownOperation';

/** A service API request (admin requests are not recorded): ids only, never tokens or user ids. */
export interface CallRecord {
  readonly operation: OperationName | typeof UNKNOWN_OPERATION;
  /** `null` while no response has been sent (a hang) or ever will be (a reset). */
  status: number | null;
  readonly meetingId?: string;
  readonly attendeeId?: string;
  fault?: FaultSpec['type'];
  throttled?: true;
  readonly requestId: string;
}

export interface OperationStats {
  calls: number;
  throttled: number;
}

export interface CallStats {
  readonly total: OperationStats;
  readonly operations: Partial<Record<CallRecord['operation'], OperationStats>>;
}

export type CallLog = ReturnType<typeof createCallLog>;

export function createCallLog() {
  let calls: CallRecord[] = [];
  return {
    begin(call: Omit<CallRecord, 'status'>): CallRecord {
      const record: CallRecord = { ...call, status: null };
      calls.push(record);
      return record;
    },
    list: (): CallRecord[] => calls.map((call) => ({ ...call })),
    stats(): CallStats {
      const stats: CallStats = { total: { calls: 0, throttled: 0 }, operations: {} };
      for (const { operation, throttled } of calls) {
        stats.operations[operation] ??= { calls: 0, throttled: 0 };
        for (const each of [stats.operations[operation], stats.total]) {
          each.calls += 1;
          each.throttled += throttled ? 1 : 0;
        }
      }
      return stats;
    },
    clear(): void {
      calls = [];
    },
  };
}
