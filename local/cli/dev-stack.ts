import {
  type ChimeSDKMeetingsClient,
  CreateMeetingWithAttendeesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { API_ROUTES, type RouteId, routeKeyOf } from '../../lambda/attendee/routes/api-routes';
import type { ChimeMeetingEvent } from '../../lambda/common/chime/chime-events';
import {
  parseInvalidationConfig,
  FUNCTION_SETTINGS as S,
} from '../../lambda/common/config/settings';
import { createDynamoDbClient } from '../../lambda/common/table/dynamodb-client';
import { createSharedCache } from '../../lambda/common/table/shared-cache';
import { createInvalidationHandler } from '../../lambda/invalidation/handler';
import { createCacheTable, createLocalDynamoDb, LOCAL_CREDENTIALS } from '../aws/dynamodb';
import { type CorsSettings, HttpApiGateway, type HttpApiHandler } from '../aws/http-api-gateway';
import { routeMeetingEvents } from '../aws/meeting-events';
import { startLocalPrefetch } from '../aws/prefetch';
import { chimeClientFor, createChimeEmulator } from '../chime-emulator';
import type { ChimeEmulatorOptions } from '../chime-emulator/emulator';
import { IdentityProvider } from '../identity/identity-provider';
import { summarizeIdentity } from '../identity/identity-summary';
import type { ProfileName } from '../identity/idp-profiles';
import { DEFAULT_PORTS } from './stack-file';

const LOCAL_ACCOUNT = '123456789012';
const LOCAL_CACHE_TABLE = 'chime-attendee-cache-local';

const routesFor = (handler: HttpApiHandler) =>
  (Object.keys(API_ROUTES) as RouteId[]).map((id) => ({ routeKey: routeKeyOf(id), handler }));

/** As lib/attendee-api-stack.ts configures the HTTP API. */
function localCors(allowOrigins: readonly string[]): CorsSettings {
  return {
    allowOrigins,
    allowMethods: ['GET'],
    allowHeaders: ['authorization'],
    exposeHeaders: ['retry-after', 'apigw-requestid'],
    maxAgeSeconds: 600,
  };
}

export const DEFAULT_LOCAL_ORIGINS = Object.freeze([
  'http://localhost:3003',
  'http://127.0.0.1:3003',
  'http://localhost:5173',
]);

/** The HTTP API stand-in in front of the deployed handler, as the stack configures the API. */
export async function startApi(
  handler: HttpApiHandler,
  options: Pick<DevStackOptions, 'allowedOrigins' | 'log'> & { readonly port: number },
) {
  const { log } = options;
  const gateway = new HttpApiGateway({
    routes: routesFor(handler),
    cors: localCors(options.allowedOrigins ?? DEFAULT_LOCAL_ORIGINS),
    log: log && ((line) => log(`api ${line}`)),
  });
  return { gateway, ...(await gateway.start(options.port)) };
}

export interface DevStackOptions {
  readonly ports?: { readonly api?: number; readonly emulator?: number; readonly idp?: number };
  readonly keyDir?: string;
  readonly allowedOrigins?: readonly string[];
  /** Extra Lambda environment, last. */
  readonly env?: Readonly<Record<string, string>>;
  readonly loadHandler: (env: Readonly<Record<string, string>>) => Promise<HttpApiHandler>;
  readonly log?: (line: string) => void;
  readonly chimeRates?: ChimeEmulatorOptions['rates'];
  readonly idpProfile?: ProfileName;
  /** The shared cache table (unless `false`), on dynalite unless `dynamodbEndpoint`. */
  readonly sharedCache?: boolean;
  readonly dynamodbEndpoint?: string;
}

export type DemoSeed = Awaited<ReturnType<typeof seedDemo>>;
export type DevStack = Awaited<ReturnType<typeof startDevStack>>;
export type ExternalIssuerStack = Awaited<ReturnType<typeof startExternalIssuerStack>>;

export interface ExternalIssuerStackOptions extends Omit<DevStackOptions, 'idpProfile' | 'keyDir'> {
  /** JWT_ISSUER, JWT_AUDIENCE and any other function setting; the stack's own ones win. */
  readonly externalIssuer: { readonly env: Readonly<Record<string, string | undefined>> };
}

type Part = { stop(): Promise<void> };

/** The function's Chime settings for the emulator: it checks no signature, the SDK wants credentials. */
export const emulatorEnv = (emulatorUrl: string) => ({
  [S.chimeRegion.env]: 'us-east-1',
  [S.chimeEndpoint.env]: emulatorUrl,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
});

/** The emulator, the identity provider and the HTTP API with the deployed handler. */
export async function startDevStack(options: DevStackOptions) {
  const idp = new IdentityProvider({ keyDir: options.keyDir, profile: options.idpProfile });
  const stack = await startStack(options, async (started) => {
    await idp.start(options.ports?.idp ?? DEFAULT_PORTS.idp);
    started.push(idp);
    return { ...idp.lambdaSettings(), [S.allowHttpJwks.env]: 'true' };
  });
  return { ...stack, idp };
}

/** The same stack trusting an external issuer; fails before serving if discovery does. */
export async function startExternalIssuerStack(options: ExternalIssuerStackOptions) {
  const source = options.externalIssuer.env;
  const missing = [S.identityIssuer.env, S.identityAudience.env].filter((name) => !source[name]);
  if (missing.length > 0) throw new Error(`an external issuer needs ${missing.join(' and ')}`);
  const settings = Object.fromEntries(
    Object.values(S).flatMap(({ env }) => (source[env] ? [[env, source[env]]] : [])),
  );
  return { ...(await startStack(options, async () => settings)), idp: undefined as undefined };
}

/** Starts every part (`identity` answers the Lambda's identity settings); stops them in reverse. */
async function startStack(
  options: DevStackOptions,
  identity: (started: Part[]) => Promise<Readonly<Record<string, string>>>,
) {
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const { log } = options;
  const started: Part[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop();
  };
  try {
    const cache =
      options.sharedCache === false ? undefined : await startSharedCache(options, started);
    // The rules' targets, once the function's environment is known (below).
    let route: ((event: ChimeMeetingEvent) => Promise<void>) | undefined;
    const emulator = createChimeEmulator({
      accountId: LOCAL_ACCOUNT,
      logger: log && ((line) => log(`chime ${line}`)),
      rates: options.chimeRates,
      onEvent: cache && ((event) => route?.(event)),
    });
    const { url: emulatorUrl } = await emulator.start(ports.emulator);
    started.push(emulator);
    const env: Record<string, string> = {
      ...(await identity(started)),
      ...emulatorEnv(emulatorUrl),
      ...(cache && {
        [S.cacheTableName.env]: LOCAL_CACHE_TABLE,
        [S.dynamodbEndpoint.env]: cache.endpoint,
      }),
      ...options.env,
    };
    if (cache) {
      const prefetch = startLocalPrefetch({
        env,
        dynamodb: cache.client,
        log: (fields) => log?.(`prefetch ${JSON.stringify(fields)}`),
        logFailure: log,
      });
      started.push(prefetch);
      const { invalidate } = cache;
      route = routeMeetingEvents({ invalidate, prefetch: prefetch.queue, account: LOCAL_ACCOUNT });
    }
    const summary = await summarizeIdentity(env);
    const handler = await options.loadHandler(env);
    const { gateway, url: apiUrl } = await startApi(handler, { ...options, port: ports.api });
    started.push(gateway);
    const chime = chimeClientFor(emulatorUrl, { maxAttempts: 1 });
    started.push({ stop: async () => chime.destroy() });
    return {
      apiUrl,
      emulatorUrl,
      identity: summary,
      emulator,
      chime,
      env,
      stop: stopAll,
      seedDemo: () => seedDemo(chime),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The cache table and the deployed invalidation handler the emulator's events feed. */
async function startSharedCache(options: DevStackOptions, started: Part[]) {
  let endpoint = options.dynamodbEndpoint;
  if (!endpoint) {
    const local = createLocalDynamoDb();
    ({ endpoint } = await local.start());
    started.push(local);
  }
  const table = await openCacheTable(endpoint, LOCAL_CACHE_TABLE, options.env, options.log);
  started.push({ stop: async () => table.client.destroy() });
  return { endpoint, ...table };
}

/** The cache table at `endpoint`, created: its client and the invalidation function over it. */
export async function openCacheTable(
  endpoint: string,
  tableName: string,
  env: Readonly<Record<string, string>> = {},
  log?: (line: string) => void,
) {
  const client = createDynamoDbClient({
    region: 'us-east-1',
    endpoint,
    credentials: LOCAL_CREDENTIALS,
    requestTimeoutMs: 2000,
    maxAttempts: 2,
  });
  await createCacheTable(client, tableName);
  const { cacheSharedTtlMs: ttlMs } = parseInvalidationConfig({
    [S.cacheTableName.env]: tableName,
    ...env,
  });
  const invalidate = createInvalidationHandler({
    shared: createSharedCache({ client, tableName, ttlMs }),
    log: (fields) => log?.(`invalidation ${JSON.stringify(fields)}`),
  });
  return { client, invalidate };
}

export async function seedDemo(chime: ChimeSDKMeetingsClient) {
  const { Meeting, Attendees = [] } = await chime.send(
    new CreateMeetingWithAttendeesCommand({
      ClientRequestToken: `demo-${Date.now()}`,
      ExternalMeetingId: 'demo-meeting',
      MediaRegion: 'us-east-1',
      Attendees: [{ ExternalUserId: 'alice' }, { ExternalUserId: 'bob' }],
    }),
  );
  const [alice, bob] = Attendees.map((attendee) => attendee.AttendeeId);
  if (!Meeting?.MeetingId || !alice || !bob) throw new Error('CreateMeetingWithAttendees failed');
  return { meetingId: Meeting.MeetingId, attendees: { alice, bob } };
}
