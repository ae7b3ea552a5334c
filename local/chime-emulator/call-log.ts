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
  readonly requestId: string;
}

/** The log of calls, in arrival order. */
export interface CallLog {
  /** Records a call as it arrives and returns the record to complete later. */
  begin(call: Omit<CallRecord, 'status'>): CallRecord;
  list(): CallRecord[];
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
    clear() {
      calls = [];
    },
  };
}
