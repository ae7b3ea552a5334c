import { ChimeSDKMeetingsClient } from '@aws-sdk/client-chime-sdk-meetings';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ChimeClientSettings } from '../config/settings';
import type { LogFields } from '../log-line';
import { callScope } from './call-scope';
import { BoundedRetryStrategy } from './retry-strategy';
import { keptAliveSockets, reuseSigners } from './sdk-signer';

interface CallTracer {
  readonly debugEnabled: boolean;
  debug(message: string, fields: LogFields): void;
}

type HandlerOptions = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;

/** Takes a call's abort signal from its call scope: cached middleware stacks take no options. */
class ScopedHttpHandler extends NodeHttpHandler {
  override handle(request: Parameters<NodeHttpHandler['handle']>[0], options: HandlerOptions = {}) {
    const signal = options.abortSignal ? undefined : callScope()?.signal;
    return super.handle(request, signal ? { ...options, abortSignal: signal } : options);
  }
}

/** Calls pass no options (cached middleware stacks): they run in `withSignal`/`withDeadline`. */
export function createChimeClient(
  chime: ChimeClientSettings,
  logger?: CallTracer,
  /** For a local process without them in its environment. */
  credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string },
): ChimeSDKMeetingsClient {
  const client = new ChimeSDKMeetingsClient({
    region: chime.chimeRegion,
    cacheMiddleware: true,
    // A copy: the SDK marks the credentials object it is given (`$source`).
    ...(credentials ? { credentials: { ...credentials } } : {}),
    ...(chime.chimeEndpoint ? { endpoint: chime.chimeEndpoint } : {}),
    maxAttempts: chime.chimeMaxAttempts,
    retryStrategy: new BoundedRetryStrategy(
      chime.chimeMaxAttempts,
      chime.chimeMaxRetryAfterMs,
      chime.chimeRequestTimeoutMs,
    ),
    requestHandler: new ScopedHttpHandler(
      keptAliveSockets(chime.chimeConnectionTimeoutMs, chime.chimeRequestTimeoutMs),
    ),
  });
  reuseSigners(client.config);
  if (logger?.debugEnabled) traceCalls(client, logger);
  return client;
}

type Outcome = { name?: unknown; $metadata?: { attempts?: number; httpStatusCode?: number } };

/** One DEBUG line per call (operation, attempts, status or error name, ms); never ids or tokens. */
function traceCalls(client: ChimeSDKMeetingsClient, logger: CallTracer): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const started = performance.now();
      const trace = (fields: LogFields) =>
        logger.debug('chime call', {
          operation: context.commandName,
          ...fields,
          ms: Math.round(performance.now() - started),
        });
      try {
        const result = await next(args);
        const { attempts, httpStatusCode } = (result.output as Outcome).$metadata ?? {};
        trace({ status: httpStatusCode, attempts });
        return result;
      } catch (error) {
        const { name, $metadata } = error as Outcome;
        trace({
          error: typeof name === 'string' ? name : 'unknown',
          attempts: $metadata?.attempts,
        });
        throw error;
      }
    },
    { step: 'initialize', name: 'debugChimeCalls' },
  );
}
