import {
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { API_ROUTES, type RouteId, routeKeyOf } from '../../lambda/attendee/routes/api-routes';
import type { ChimeMeetingEvent } from '../../lambda/common/chime/chime-events';
import { FUNCTION_SETTINGS } from '../../lambda/common/config/settings';
import { createDynamoDbClient } from '../../lambda/common/table/dynamodb-client';
import { createSharedCache } from '../../lambda/common/table/shared-cache';
import { parseInvalidationConfig } from '../../lambda/invalidation/config';
import { createInvalidationHandler } from '../../lambda/invalidation/handler';
import {
  createCacheTable,
  createLocalDynamoDb,
  LOCAL_CREDENTIALS,
  type LocalDynamoDb,
} from '../aws/dynamodb';
import { type CorsSettings, HttpApiGateway, type HttpApiHandler } from '../aws/http-api-gateway';
import { routeMeetingEvents } from '../aws/meeting-events';
import { startLocalPrefetch } from '../aws/prefetch';
import { type ChimeEmulator, chimeClientFor, createChimeEmulator } from '../chime-emulator';
import type { ChimeEmulatorOptions } from '../chime-emulator/emulator';
import { IdentityProvider } from '../identity/identity-provider';
import { type IdentitySummary, summarizeIdentity } from '../identity/identity-summary';
import type { ProfileName } from '../identity/idp-profiles';
import { DEFAULT_PORTS } from './stack-file';

/** The account of the local stack: the emulator's meetings and events, the rules' pattern. */
const LOCAL_ACCOUNT = '123456789012';

/** The table `npm start` creates on its local DynamoDB. */
const LOCAL_CACHE_TABLE = 'chime-attendee-cache-local';

const S = FUNCTION_SETTINGS;

/** The gateway routes of the deployed function, all served by the one handler. */
export const routesFor = (handler: HttpApiHandler) =>
  (Object.keys(API_ROUTES) as RouteId[]).map((id) => ({ routeKey: routeKeyOf(id), handler }));

/** The CORS settings of the deployed HTTP API (lib/attendee-api-stack.ts), for given origins. */
export function localCors(allowOrigins: readonly string[]): CorsSettings {
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

export interface DevStackOptions {
  /** Ports; 0 picks free ones (tests). */
  readonly ports?: { readonly api?: number; readonly emulator?: number; readonly idp?: number };
  /** Key pair folder of the identity provider; in memory when absent. */
  readonly keyDir?: string;
  readonly allowedOrigins?: readonly string[];
  /** Extra Lambda environment (e.g. `JOIN_TOKEN_POLICY`). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Loads the deployed handler under the given environment: `npm start` imports
   * `lambda/attendee/index.ts`; tests build the same chain with the same `parseConfig`.
   */
  readonly loadHandler: (env: Readonly<Record<string, string>>) => Promise<HttpApiHandler>;
  readonly log?: (line: string) => void;
  /** Chime's API rates in the emulator (AWS's unless `false`: the functional tests' choice). */
  readonly chimeRates?: ChimeEmulatorOptions['rates'];
  /** Which identity provider the dev issuer imitates (default `dev`). */
  readonly idpProfile?: ProfileName;
  /**
   * The shared cache table, as deployed (unless `false`), on dynalite or `dynamodbEndpoint`,
   * kept current by the emulator's meeting events through the deployed invalidation handler.
   */
  readonly sharedCache?: boolean;
  readonly dynamodbEndpoint?: string;
}

export interface DemoSeed {
  readonly meetingId: string;
  readonly attendees: Readonly<Record<'alice' | 'bob', string>>;
}

export interface DevStack {
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  readonly idp: IdentityProvider;
  /** What the Lambda trusts: issuer, discovery, JWKS and claim settings in effect. */
  readonly identity: IdentitySummary;
  readonly emulator: ChimeEmulator;
  /** A client of the emulator, as a meeting-creating backend would hold. */
  readonly chime: ChimeSDKMeetingsClient;
  /** The Lambda's environment. */
  readonly env: Readonly<Record<string, string>>;
  seedDemo(): Promise<DemoSeed>;
  stop(): Promise<void>;
}

/**
 * The Lambda variables an external issuer's settings are read from (`npm start` with
 * JWT_ISSUER and JWT_AUDIENCE set): which issuer, where its keys are, how its claims are read.
 */
const EXTERNAL_ISSUER_SETTINGS = (
  [
    'identityIssuer',
    'identityAudience',
    'identityJwksUri',
    'allowHttpJwks',
    'jwtAlgorithms',
    'cognitoTokenUse',
    'identityClaim',
    'moderatorClaim',
    'moderatorGroup',
    'moderatorScope',
    'tenantClaim',
    'nameClaim',
  ] as const
).map((id) => S[id].env);

export interface ExternalIssuerStackOptions
  extends Omit<DevStackOptions, 'idpProfile' | 'keyDir' | 'ports'> {
  readonly ports?: { readonly api?: number; readonly emulator?: number };
  /**
   * A real OpenID provider instead of the dev one: `env` holds its JWT_ISSUER and JWT_AUDIENCE
   * and any of {@link EXTERNAL_ISSUER_SETTINGS} (others are ignored). Plain http only with
   * JWT_ALLOW_HTTP_JWKS=true, as deployed: the stack does not allow it on the issuer's behalf.
   */
  readonly externalIssuer: { readonly env: Readonly<Record<string, string | undefined>> };
}

/** A stack trusting an external issuer: no dev identity provider, so nothing can be minted. */
export type ExternalIssuerStack = Omit<DevStack, 'idp'> & { readonly idp: undefined };

interface Part {
  stop(): Promise<void>;
}

/**
 * Starts the Chime SDK Meetings emulator, the identity provider and the HTTP API stand-in with
 * the deployed handler, all on 127.0.0.1.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const idp = new IdentityProvider({ keyDir: options.keyDir, profile: options.idpProfile });
  const stack = await startStack(options, async (started) => {
    await idp.start(options.ports?.idp ?? DEFAULT_PORTS.idp);
    started.push(idp);
    // The issuer, audience and claim settings of the imitated provider; plain http allowed.
    return { ...idp.lambdaSettings(), [S.allowHttpJwks.env]: 'true' };
  });
  return { ...stack, idp };
}

/**
 * Starts the emulator and the HTTP API stand-in with the deployed handler trusting an external
 * OpenID provider (`options.externalIssuer`), discovered as the Lambda discovers it. Fails
 * before serving anything when JWT_ISSUER or JWT_AUDIENCE is missing, a setting is invalid, or
 * discovery fails (the Lambda's message, naming the URL).
 */
export async function startExternalIssuerStack(
  options: ExternalIssuerStackOptions,
): Promise<ExternalIssuerStack> {
  const source = options.externalIssuer.env;
  const missing = [S.identityIssuer.env, S.identityAudience.env].filter((name) => !source[name]);
  if (missing.length > 0) throw new Error(`an external issuer needs ${missing.join(' and ')}`);
  const settings = Object.fromEntries(
    EXTERNAL_ISSUER_SETTINGS.flatMap((name) => (source[name] ? [[name, source[name]]] : [])),
  );
  return { ...(await startStack(options, async () => settings)), idp: undefined };
}

/**
 * The shared cache (if on), the emulator, what serves the identity (`identity`, which answers
 * the Lambda's identity settings), the prefetch path and the gateway, stopped in reverse order,
 * all of them if any fails to start.
 */
async function startStack(
  options: Omit<DevStackOptions, 'ports'> & { readonly ports?: DevStackOptions['ports'] },
  identity: (started: Part[]) => Promise<Readonly<Record<string, string>>>,
): Promise<Omit<DevStack, 'idp'>> {
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const { log } = options;
  const started: Part[] = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop();
  };
  try {
    const cache =
      options.sharedCache === false ? undefined : await startSharedCache(options, started);
    // As EventBridge delivers Chime's meeting events: to the invalidation function, and to the
    // prefetch queue (started below, once the function's environment is known).
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
      [S.chimeRegion.env]: 'us-east-1',
      [S.chimeEndpoint.env]: emulatorUrl,
      ...(await identity(started)),
      ...(cache && {
        [S.cacheTableName.env]: LOCAL_CACHE_TABLE,
        [S.dynamodbEndpoint.env]: cache.endpoint,
      }),
      // The emulator does not check signatures; the SDK still wants credentials.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
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
    // Discovered as the Lambda discovers it, so a wrong issuer fails here, naming the URL.
    const summary = await summarizeIdentity(env);
    const gateway = new HttpApiGateway({
      routes: routesFor(await options.loadHandler(env)),
      cors: localCors(options.allowedOrigins ?? DEFAULT_LOCAL_ORIGINS),
      log: log && ((line) => log(`api ${line}`)),
    });
    const { url: apiUrl } = await gateway.start(ports.api);
    started.push(gateway);
    const chime = chimeClientFor(emulatorUrl, { maxAttempts: 1 });
    started.push({ stop: async () => chime.destroy() });
    const stack = { apiUrl, emulatorUrl, identity: summary, emulator, chime, env };
    return { ...stack, stop: stopAll, seedDemo: () => seedDemo(chime) };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The shared cache's table on a DynamoDB-compatible server (dynalite started here unless an
 * endpoint is given), and the deployed invalidation handler, fed by the emulator's events.
 */
async function startSharedCache(options: DevStackOptions, started: Part[]) {
  const local = options.dynamodbEndpoint ? undefined : createLocalDynamoDb();
  const endpoint = options.dynamodbEndpoint ?? (await (local as LocalDynamoDb).start()).endpoint;
  if (local) started.push(local);
  const credentials = LOCAL_CREDENTIALS;
  const client = createDynamoDbClient({
    region: 'us-east-1',
    endpoint,
    credentials,
    requestTimeoutMs: 2000,
    maxAttempts: 2,
  });
  started.push({ stop: async () => client.destroy() });
  await createCacheTable(client, LOCAL_CACHE_TABLE);
  // Its markers live as long as the records they replace, as the stack configures it.
  const { cacheSharedTtlMs: ttlMs } = parseInvalidationConfig({
    [S.cacheTableName.env]: LOCAL_CACHE_TABLE,
    ...options.env,
  });
  const invalidate = createInvalidationHandler({
    shared: createSharedCache({ client, tableName: LOCAL_CACHE_TABLE, ttlMs }),
    log: (fields) => options.log?.(`invalidation ${JSON.stringify(fields)}`),
  });
  return { endpoint, client, invalidate };
}

/** One meeting with attendees for `alice` and `bob`, created through the real SDK. */
export async function seedDemo(chime: ChimeSDKMeetingsClient): Promise<DemoSeed> {
  const { Meeting } = await chime.send(
    new CreateMeetingCommand({
      ClientRequestToken: `demo-${Date.now()}`,
      ExternalMeetingId: 'demo-meeting',
      MediaRegion: 'us-east-1',
    }),
  );
  const meetingId = Meeting?.MeetingId;
  if (!meetingId) throw new Error('CreateMeeting returned no MeetingId');
  const create = async (externalUserId: string) => {
    const { Attendee } = await chime.send(
      new CreateAttendeeCommand({ MeetingId: meetingId, ExternalUserId: externalUserId }),
    );
    if (!Attendee?.AttendeeId) throw new Error('CreateAttendee returned no AttendeeId');
    return Attendee.AttendeeId;
  };
  return { meetingId, attendees: { alice: await create('alice'), bob: await create('bob') } };
}
