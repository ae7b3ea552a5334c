import { randomUUID } from 'node:crypto';
import { type ChimeErrorName, InvalidInputError, isChimeErrorName, rethrowAs } from './errors';
import { isOperationName, type MatchedRoute, type OperationName } from './operations';
import { type Check, fail, integer, isObject, struct, text, where } from './validation';

/** What happens to a request a rule catches. */
export type FaultSpec =
  | {
      readonly type: 'error';
      readonly name: ChimeErrorName;
      readonly message?: string;
      readonly retryAfterSeconds?: number;
    }
  /** Wait `ms`, then answer normally; without `ms`, never answer (until the socket closes). */
  | { readonly type: 'hang'; readonly ms?: number }
  /** Destroy the socket without answering: ECONNRESET. */
  | { readonly type: 'reset' }
  /** Answer `status` with `body` (JSON) or `rawBody` (any text) instead of the real output. */
  | {
      readonly type: 'malformed';
      readonly status?: number;
      readonly body?: unknown;
      readonly rawBody?: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** As `injectFault()` and `POST /_emulator/faults` take it. */
export interface FaultRule {
  readonly operation: OperationName | '*';
  /** A positive integer (default 1) or `unlimited`. */
  readonly count?: number | 'unlimited';
  readonly match?: { readonly meetingId?: string; readonly attendeeId?: string };
  readonly fault: FaultSpec;
}

type ActiveFault = FaultRule & { readonly id: string; readonly remaining: number | 'unlimited' };

export class InvalidFaultError extends InvalidInputError {}

const SPECS: Readonly<Record<FaultSpec['type'], Check>> = {
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
      if (typeof type !== 'string' || !Object.hasOwn(SPECS, type)) {
        fail(`${name}.type must be one of ${Object.keys(SPECS).join(', ')}`);
      }
      const spec = SPECS[type as FaultSpec['type']](name, value) as object;
      return { type, ...(type === 'malformed' && { status: 200 }), ...spec };
    },
  },
  ['operation', 'fault'],
);

/** @example parseFaultRule({ operation: 'GetAttendee', count: 3, fault: { type: 'reset' } }) */
export const parseFaultRule = (value: unknown): FaultRule =>
  rethrowAs(InvalidFaultError, () => ({ count: 1, ...RULE('', value) }) as FaultRule);

export type FaultQueue = ReturnType<typeof createFaultQueue>;

export function createFaultQueue() {
  let active: ActiveFault[] = [];

  const matches = ({ operation, match }: ActiveFault, route: MatchedRoute): boolean =>
    (operation === '*' || operation === route.operation) &&
    (match?.meetingId === undefined || match.meetingId === route.meetingId) &&
    (match?.attendeeId === undefined || match.attendeeId === route.attendeeId);

  return {
    add(rule: FaultRule): ActiveFault {
      const parsed = parseFaultRule(rule);
      const fault = { ...parsed, id: randomUUID(), remaining: parsed.count ?? 1 };
      active.push(fault);
      return structuredClone(fault);
    },
    /** Consumes one use of the first rule matching the request. */
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
