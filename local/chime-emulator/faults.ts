import { type ChimeErrorName, isChimeErrorName } from './errors';
import { newId } from './ids';
import { isOperationName, type MatchedRoute, type OperationName } from './routes';

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
export class InvalidFaultError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidFaultError';
  }
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNonNegativeInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

function parseFaultSpec(value: unknown): FaultSpec {
  if (!isObject(value)) throw new InvalidFaultError('fault must be an object');
  switch (value.type) {
    case 'error': {
      if (!isChimeErrorName(value.name)) {
        throw new InvalidFaultError(
          `fault.name must be a modeled error name, got ${String(value.name)}`,
        );
      }
      if (value.message !== undefined && typeof value.message !== 'string') {
        throw new InvalidFaultError('fault.message must be a string');
      }
      if (value.retryAfterSeconds !== undefined && !isNonNegativeInteger(value.retryAfterSeconds)) {
        throw new InvalidFaultError('fault.retryAfterSeconds must be a non-negative integer');
      }
      return {
        type: 'error',
        name: value.name,
        ...(value.message === undefined ? {} : { message: value.message }),
        ...(value.retryAfterSeconds === undefined
          ? {}
          : { retryAfterSeconds: value.retryAfterSeconds }),
      };
    }
    case 'hang': {
      if (value.ms !== undefined && !isNonNegativeInteger(value.ms)) {
        throw new InvalidFaultError('fault.ms must be a non-negative integer');
      }
      return value.ms === undefined ? { type: 'hang' } : { type: 'hang', ms: value.ms };
    }
    case 'reset':
      return { type: 'reset' };
    case 'malformed': {
      const status = value.status ?? 200;
      if (!isNonNegativeInteger(status) || status < 200 || status > 599) {
        throw new InvalidFaultError('fault.status must be an HTTP status from 200 to 599');
      }
      if (value.rawBody !== undefined && typeof value.rawBody !== 'string') {
        throw new InvalidFaultError('fault.rawBody must be a string');
      }
      if (
        value.headers !== undefined &&
        (!isObject(value.headers) ||
          !Object.values(value.headers).every((v) => typeof v === 'string'))
      ) {
        throw new InvalidFaultError('fault.headers must map header names to strings');
      }
      return {
        type: 'malformed',
        status,
        ...(value.body === undefined ? {} : { body: value.body }),
        ...(value.rawBody === undefined ? {} : { rawBody: value.rawBody }),
        ...(value.headers === undefined
          ? {}
          : { headers: value.headers as Record<string, string> }),
      };
    }
    default:
      throw new InvalidFaultError('fault.type must be one of error, hang, reset, malformed');
  }
}

/**
 * Validates a fault rule from JSON or code.
 *
 * @example
 * parseFaultRule({ operation: 'GetAttendee', count: 3, fault: { type: 'error', name: 'ThrottlingException' } })
 */
export function parseFaultRule(value: unknown): FaultRule {
  if (!isObject(value)) throw new InvalidFaultError('A fault rule must be a JSON object');
  const { operation, count = 1, match } = value;
  if (operation !== '*' && !isOperationName(operation)) {
    throw new InvalidFaultError(
      `operation must be an emulated operation or *, got ${String(operation)}`,
    );
  }
  if (count !== 'unlimited' && !(isNonNegativeInteger(count) && count > 0)) {
    throw new InvalidFaultError('count must be a positive integer or "unlimited"');
  }
  if (match !== undefined) {
    if (!isObject(match)) throw new InvalidFaultError('match must be an object');
    for (const key of Object.keys(match)) {
      if ((key !== 'meetingId' && key !== 'attendeeId') || typeof match[key] !== 'string') {
        throw new InvalidFaultError('match may only hold meetingId and attendeeId strings');
      }
    }
  }
  return {
    operation,
    count,
    ...(match === undefined ? {} : { match: match as FaultRule['match'] }),
    fault: parseFaultSpec(value.fault),
  };
}

/** The queue of active fault rules, consulted once per emulated request. */
export interface FaultQueue {
  add(rule: FaultRule): ActiveFault;
  /** Consumes one use of the first rule matching the request, if any. */
  take(route: MatchedRoute): FaultSpec | undefined;
  list(): ActiveFault[];
  remove(id: string): boolean;
  clear(): void;
}

/** Creates an empty fault queue. */
export function createFaultQueue(): FaultQueue {
  let active: ActiveFault[] = [];

  const matches = (fault: ActiveFault, route: MatchedRoute): boolean =>
    (fault.operation === '*' || fault.operation === route.operation) &&
    (fault.match?.meetingId === undefined || fault.match.meetingId === route.meetingId) &&
    (fault.match?.attendeeId === undefined || fault.match.attendeeId === route.attendeeId);

  return {
    add(rule) {
      const parsed = parseFaultRule(rule);
      const fault: ActiveFault = { ...parsed, id: newId(), remaining: parsed.count ?? 1 };
      active.push(fault);
      return structuredClone(fault);
    },
    take(route) {
      const index = active.findIndex((fault) => matches(fault, route));
      const fault = active[index];
      if (!fault) return undefined;
      if (fault.remaining !== 'unlimited') {
        const remaining = fault.remaining - 1;
        if (remaining === 0) active.splice(index, 1);
        else active[index] = { ...fault, remaining };
      }
      return fault.fault;
    },
    list() {
      return structuredClone(active);
    },
    remove(id) {
      const before = active.length;
      active = active.filter((fault) => fault.id !== id);
      return active.length !== before;
    },
    clear() {
      active = [];
    },
  };
}
