import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What bounds the Chime SDK calls made inside it: the request's deadline (epoch ms), which the
 * retry strategy does not plan past, and the abort signal that stops an attempt in flight.
 *
 * Why not the SDK's own per-call option (`send(command, { abortSignal })`): a call with options
 * makes the SDK build the command's whole middleware stack again, every call (and drops the
 * cached one). The client is created with `cacheMiddleware: true` (`chime-client.ts`), so each
 * command class's stack is resolved once per container, and the signal reaches the request
 * handler through this scope instead (`ScopedHttpHandler`).
 */
export interface CallScope {
  readonly deadlineAt?: number;
  readonly signal?: AbortSignal;
}

const scopes = new AsyncLocalStorage<CallScope>();

/** The scope of the calling code, if it runs inside one. */
export const callScope = (): CallScope | undefined => scopes.getStore();

/** Runs `fn` (SDK calls) under a request deadline that the retry strategy respects. */
export function withDeadline<T>(deadlineAt: number, fn: () => Promise<T>): Promise<T> {
  return scopes.run({ signal: scopes.getStore()?.signal, deadlineAt }, fn);
}

/**
 * Runs one SDK call under `signal`, as `send(command, { abortSignal: signal })` would: aborting
 * it stops the attempt in flight and any retry. `undefined` makes the call unabortable, as the
 * option left out does, whatever an outer scope's signal. The deadline carries over.
 */
export function withSignal<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  return scopes.run({ deadlineAt: scopes.getStore()?.deadlineAt, signal }, call);
}
