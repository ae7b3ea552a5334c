import { randomUUID } from 'node:crypto';
import { type ChimeErrorName, InvalidInputError, isChimeErrorName, rethrowAs } from './errors';
import { isOperationName, type MatchedRoute, type OperationName } from './operations';
import { fail, integer, isObject, struct, text, where } from './validation';

export class InvalidFaultError extends InvalidInputError {}

const SPECS = {
  error: struct(
    {
      name: where<ChimeErrorName>(isChimeErrorName, 'be a modeled error name'),
      message: text(),
      retryAfterSeconds: integer(0),
    },
    ['name'],
  ),
  /** Wait `ms`, then answer normally; without `ms`, never answer (until the socket closes). */
  hang: struct({ ms: integer(0) }),
  /** Destroy the socket without answering: ECONNRESET. */
  reset: struct({}),
  /** Answer `status` with `body` (JSON) or `rawBody` (any text) instead of the real output. */
  malformed: struct({
    status: integer(200, 599),
    body: (_name, value) => value,
    rawBody: text(),
    headers: where<Readonly<Record<string, string>>>(
      (value) => isObject(value) && Object.values(value).every((v) => typeof v === 'string'),
      'map header names to strings',
    ),
  }),
};

type Specs = typeof SPECS;
/** What happens to a request a rule catches. */
export type FaultSpec = {
  [T in keyof Specs]: { readonly type: T } & ReturnType<Specs[T]>;
}[keyof Specs];

/** `count`: a positive integer (default 1) or `unlimited`. */
const RULE = struct(
  {
    operation: where<OperationName | '*'>(
      (value) => value === '*' || isOperationName(value),
      'be an emulated operation or *',
    ),
    count: where<number | 'unlimited'>(
      (value) => value === 'unlimited' || (Number.isInteger(value) && (value as number) > 0),
      'be a positive integer or "unlimited"',
    ),
    match: struct({ meetingId: text(), attendeeId: text() }, [], 'match key'),
    fault: (name, value): FaultSpec => {
      const type = isObject(value) ? value.type : undefined;
      if (typeof type !== 'string' || !Object.hasOwn(SPECS, type)) {
        fail(`${name}.type must be one of ${Object.keys(SPECS).join(', ')}`);
      }
      const spec = SPECS[type as keyof Specs](name, value);
      return { type, ...(type === 'malformed' && { status: 200 }), ...spec } as FaultSpec;
    },
  },
  ['operation', 'fault'],
);

/** As `injectFault()` and `POST /_emulator/faults` take it. */
export type FaultRule = ReturnType<typeof RULE>;
type ActiveFault = FaultRule & { readonly id: string; readonly remaining: number | 'unlimited' };

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
