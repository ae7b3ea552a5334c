import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What bounds the Chime SDK calls made inside it: the request's deadline (epoch ms), which the
 * retry strategy does not plan past, and the signal that aborts an attempt in flight. Not the
 * SDK's per-call `abortSignal` option: a call with options rebuilds the command's middleware
 * stack, which `cacheMiddleware` (`chime-client.ts`) resolves once per container.
 */
interface CallScope {
  readonly deadlineAt?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

const scopes = new AsyncLocalStorage<CallScope>();

export const callScope = (): CallScope | undefined => scopes.getStore();

/** Runs `fn` (SDK calls) under a request deadline that the retry strategy respects. */
export function withDeadline<T>(deadlineAt: number, fn: () => Promise<T>): Promise<T> {
  return scopes.run({ signal: scopes.getStore()?.signal, deadlineAt }, fn);
}

/**
 * Runs one SDK call under `signal`, as `send(command, { abortSignal })` would; `undefined` makes
 * it unabortable whatever an outer scope's signal. The deadline carries over.
 */
export function withSignal<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
  return scopes.run({ deadlineAt: scopes.getStore()?.deadlineAt, signal }, call);
}
