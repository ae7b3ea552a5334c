import { AsyncLocalStorage } from 'node:async_hooks';

/** Not the SDK's `abortSignal` option: a call with options rebuilds its cached middleware stack. */
interface CallScope {
  readonly deadlineAt?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const scopes = new AsyncLocalStorage<CallScope>();

export const callScope = (): CallScope | undefined => scopes.getStore();

export function withDeadline<T>(deadlineAt: number, fn: () => Promise<T>): Promise<T> {
  return scopes.run({ signal: scopes.getStore()?.signal, deadlineAt }, fn);
}

/** As `send(command, { abortSignal })`; `undefined`: unabortable whatever the outer signal. */
export function withSignal<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  return scopes.run({ deadlineAt: scopes.getStore()?.deadlineAt, signal }, call);
}
