import { randomUUID } from 'node:crypto';
import { type ChimeErrorName, InvalidInputError, isChimeErrorName, rethrowAs } from './errors';
import { isOperationName, type MatchedRoute, type OperationName } from './operations';
import {
  type Check,
  fail,
  integer,
  isObject,
  type JsonObject,
  struct,
  text,
  where,
} from './validation';

/**
 * Fault injection: rules queued by tests or by hand (`POST /_emulator/faults`) that make the
 * next matching requests fail the way the real service or network can.
 */

/** What happens to a request a rule catches. */
export type FaultSpec =
  /** Answer a modeled error, e.g. `ThrottlingException`, in the AWS wire format. */
  | {
      readonly type: 'error';
      readonly name: ChimeErrorName;
      readonly message?: string;
      readonly retryAfterSeconds?: number;
    }
  /** Wait `ms` then answer normally; without `ms`, never answer (until the socket closes). */
  | { readonly type: 'hang'; readonly ms?: number }
  /** Destroy the socket without answering: the client sees ECONNRESET. */
  | { readonly type: 'reset' }
  /** Answer `status` with `body` (JSON) or `rawBody` (any text) instead of the real output. */
  | {
      readonly type: 'malformed';
      readonly status?: number;
      readonly body?: unknown;
      readonly rawBody?: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** A fault to inject, as accepted by `injectFault()` and `POST /_emulator/faults`. */
export interface FaultRule {
  /** The operation to disturb, or `*` for any emulated operation. */
  readonly operation: OperationName | '*';
  /** How many matching requests to disturb: a positive integer (default 1) or `unlimited`. */
  readonly count?: number | 'unlimited';
  /** Only disturb requests for this meeting and/or attendee. */
  readonly match?: { readonly meetingId?: string; readonly attendeeId?: string };
  readonly fault: FaultSpec;
}

/** A queued rule with its id and the number of requests it will still disturb. */
export interface ActiveFault extends FaultRule {
  readonly id: string;
  readonly remaining: number | 'unlimited';
}

/** A fault rule that cannot be used, with the reason. */
export class InvalidFaultError extends InvalidInputError {}

const FAULT_SPECS: Readonly<Record<FaultSpec['type'], Check<JsonObject>>> = {
  error: struct(
    {
      name: where(isChimeErrorName, 'be a modeled error name'),
      message: text(),
      retryAfterSeconds: integer(0),
    },
    ['name'],
  ),
  hang: struct({ ms: integer(0) }),
  reset: struct({}),
  malformed: struct({
    status: integer(200, 599),
    body: (_name, value) => value,
    rawBody: text(),
    headers: where(
      (value) => isObject(value) && Object.values(value).every((v) => typeof v === 'string'),
      'map header names to strings',
    ),
  }),
};

const RULE = struct(
  {
    operation: where(
      (value) => value === '*' || isOperationName(value),
      'be an emulated operation or *',
    ),
    count: where(
      (value) => value === 'unlimited' || (Number.isInteger(value) && (value as number) > 0),
      'be a positive integer or "unlimited"',
    ),
    match: struct({ meetingId: text(), attendeeId: text() }, [], 'match key'),
    fault: (name, value) => {
      const type = isObject(value) ? value.type : undefined;
      if (typeof type !== 'string' || !Object.hasOwn(FAULT_SPECS, type)) {
        fail(`${name}.type must be one of ${Object.keys(FAULT_SPECS).join(', ')}`);
      }
      const spec = FAULT_SPECS[type as FaultSpec['type']](name, value);
      return { type, ...(type === 'malformed' && { status: 200 }), ...spec };
    },
  },
  ['operation', 'fault'],
);

/**
 * Validates a fault rule from JSON or code.
 *
 * @example
 * parseFaultRule({ operation: 'GetAttendee', count: 3, fault: { type: 'error', name: 'ThrottlingException' } })
 */
export const parseFaultRule = (value: unknown): FaultRule =>
  rethrowAs(InvalidFaultError, () => ({ count: 1, ...RULE('', value) }) as FaultRule);

/** The queue of active fault rules, consulted once per emulated request. */
export type FaultQueue = ReturnType<typeof createFaultQueue>;

/** Creates an empty fault queue. */
export function createFaultQueue() {
  let active: ActiveFault[] = [];

  const matches = ({ operation, match }: ActiveFault, route: MatchedRoute): boolean =>
    (operation === '*' || operation === route.operation) &&
    (match?.meetingId === undefined || match.meetingId === route.meetingId) &&
    (match?.attendeeId === undefined || match.attendeeId === route.attendeeId);

  return {
    add(rule: FaultRule): ActiveFault {
      const parsed = parseFaultRule(rule);
      const fault: ActiveFault = { ...parsed, id: randomUUID(), remaining: parsed.count ?? 1 };
      active.push(fault);
      return structuredClone(fault);
    },
    /** Consumes one use of the first rule matching the request, if any. */
    take(route: MatchedRoute): FaultSpec | undefined {
      const index = active.findIndex((fault) => matches(fault, route));
      const fault = active[index];
      if (fault && fault.remaining !== 'unlimited') {
        if (fault.remaining === 1) active.splice(index, 1);
        else active[index] = { ...fault, remaining: fault.remaining - 1 };
      }
      return fault?.fault;
    },
    list: (): ActiveFault[] => structuredClone(active),
    remove(id: string): boolean {
      const before = active.length;
      active = active.filter((fault) => fault.id !== id);
      return active.length !== before;
    },
    clear(): void {
      active = [];
    },
  };
}
