import { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ChimeClientSettings } from '../config/settings';
import type { LogFields } from '../log-line';
import { callScope } from './call-scope';
import { BoundedRetryStrategy } from './retry-strategy';
import { keptAliveSockets, reuseSigners } from './sdk-signer';

/** Where the `LOG_LEVEL=DEBUG` trace of each call goes (the attendee function's logger). */
interface CallTracer {
  readonly debugEnabled: boolean;
  debug(message: string, fields: LogFields): void;
}

type HandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

/**
 * The SDK's Node request handler, taking the abort signal of the call from its call scope
 * (`withSignal`, `call-scope.ts`) when the call brought none: with `cacheMiddleware`, calls are
 * made without per-call options, so the signal cannot travel in them.
 */
class ScopedHttpHandler extends NodeHttpHandler {
  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HandlerOptions = {}) {
    if (options.abortSignal) return super.handle(request, options);
    const signal = callScope()?.signal;
    return super.handle(request, signal ? { ...options, abortSignal: signal } : options);
  }
}

/**
 * The one Chime SDK Meetings client of a container: the control region, standard retries bounded
 * by the deadline, a per-attempt timeout that throws, kept-alive sockets, each command's
 * middleware stack resolved once (`cacheMiddleware`) and one SigV4 signer (`sdk-signer.ts`).
 * Calls on it pass no options (that would drop the cached stacks): they run inside
 * `withSignal`/`withDeadline` (`call-scope.ts`).
 */
export function createChimeClient(
  chime: ChimeClientSettings,
  logger?: CallTracer,
  /** Fixed credentials, for a local process without them in its environment; default: the SDK's. */
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): ChimeSDKMeetingsClient {
  const client = new ChimeSDKMeetingsClient({
    region: chime.region,
    // The SDK's documented switch: one resolved middleware stack per command class, not one per
    // call. Nothing here changes the stack after the first call (the DEBUG trace below is added
    // before it).
    cacheMiddleware: true,
    // A copy: the SDK marks the credentials object it is given (`$source`).
    ...(credentials ? { credentials: { ...credentials } } : {}),
    ...(chime.endpoint ? { endpoint: chime.endpoint } : {}),
    // The strategy makes the attempts; the client's own setting says the same number, so
    // `client.config.maxAttempts()` (and any middleware that reads it) agrees.
    maxAttempts: chime.maxAttempts,
    retryStrategy: new BoundedRetryStrategy(
      chime.maxAttempts,
      chime.maxRetryAfterMs,
      chime.requestTimeoutMs,
    ),
    requestHandler: new ScopedHttpHandler(
      keptAliveSockets(chime.connectionTimeoutMs, chime.requestTimeoutMs),
    ),
  });
  reuseSigners(client.config);
  if (logger?.debugEnabled) traceCalls(client, logger);
  return client;
}

/**
 * `LOG_LEVEL=DEBUG`: one line per Chime call (operation, attempts, status or error name,
 * milliseconds, retries included). Ids, ExternalUserIds and JoinTokens stay out of it.
 */
function traceCalls(client: ChimeSDKMeetingsClient, logger: CallTracer): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      const operation = context.commandName;
      try {
        const result = await next(args);
        const { attempts, httpStatusCode } =
          (result.output as { $metadata?: { attempts?: number; httpStatusCode?: number } })
            .$metadata ?? {};
        logger.debug('chime call', {
          operation,
          status: httpStatusCode,
          attempts,
          ms: Math.round(performance.now() - started),
        });
        return result;
      } catch (error) {
        const e = error as { name?: unknown; $metadata?: { attempts?: number } };
        logger.debug('chime call', {
          operation,
          error: typeof e.name === 'string' ? e.name : 'unknown',
          attempts: e.$metadata?.attempts,
          ms: Math.round(performance.now() - started),
        });
        throw error;
      }
    },
    { step: 'initialize', name: 'debugChimeCalls' },
  );
}
