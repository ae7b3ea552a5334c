import { join } from 'node:path';
import {
  type ChimeSDKMeetingsClient,
  CreateAttendeeCommand,
  CreateMeetingCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { API_ROUTES, type RouteId, routeKeyOf } from '../lambda/attendee/api-routes';
import { type ChimeEmulator, chimeClientFor, createChimeEmulator } from './chime-emulator';
import type { ChimeEmulatorOptions } from './chime-emulator/emulator';
import { type CorsSettings, HttpApiGateway, type HttpApiHandler } from './http-api-gateway';
import { IdentityProvider } from './identity-provider';

/** The gateway routes of the deployed function, all served by the one handler. */
export const routesFor = (handler: HttpApiHandler) =>
  (Object.keys(API_ROUTES) as RouteId[]).map((id) => ({ routeKey: routeKeyOf(id), handler }));

/** Where the local identity provider keeps its key pair (gitignored). */
export const LOCAL_KEY_DIR = join(process.cwd(), '.local', 'idp');

/** Where `npm start` writes the demo meeting's ids, for `npm run sam:events`. */
export const DEMO_FILE = join(process.cwd(), '.local', 'demo.json');

export const DEFAULT_PORTS = Object.freeze({ api: 3000, emulator: 3001, idp: 3002 });

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
   * Loads the deployed handler module under the given environment. `npm start` imports
   * `lambda/attendee/index.ts`; tests build the same chain with the same `parseConfig`.
   */
  readonly loadHandler: (env: Readonly<Record<string, string>>) => Promise<HttpApiHandler>;
  readonly log?: (line: string) => void;
  /**
   * Chime's API rates in the emulator: on (AWS's defaults) unless `false`, as `npm start` runs
   * it; the functional tests turn them off, the rate tests and the storm keep them.
   */
  readonly chimeRates?: ChimeEmulatorOptions['rates'];
}

export interface DemoSeed {
  readonly meetingId: string;
  readonly attendees: Readonly<Record<'alice' | 'bob', string>>;
}

export interface DevStack {
  readonly apiUrl: string;
  readonly emulatorUrl: string;
  readonly idp: IdentityProvider;
  readonly emulator: ChimeEmulator;
  /** A client of the emulator, as a meeting-creating backend would hold. */
  readonly chime: ChimeSDKMeetingsClient;
  /** The environment the Lambda runs with. */
  readonly env: Readonly<Record<string, string>>;
  seedDemo(): Promise<DemoSeed>;
  stop(): Promise<void>;
}

/**
 * Starts the Chime SDK Meetings emulator, the identity provider and the HTTP API stand-in with
 * the deployed handler, all on 127.0.0.1.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const log = options.log;
  const emulator = createChimeEmulator({
    ...(log ? { logger: (line: string) => log(`chime ${line}`) } : {}),
    ...(options.chimeRates !== undefined ? { rates: options.chimeRates } : {}),
  });
  const idp = new IdentityProvider(options.keyDir ? { keyDir: options.keyDir } : {});
  const started: { stop(): Promise<void> }[] = [];
  try {
    const { url: emulatorUrl } = await emulator.start(ports.emulator);
    started.push(emulator);
    await idp.start(ports.idp);
    started.push(idp);
    const allowedOrigins = options.allowedOrigins ?? DEFAULT_LOCAL_ORIGINS;
    const env: Record<string, string> = {
      CHIME_REGION: 'us-east-1',
      CHIME_ENDPOINT: emulatorUrl,
      JWT_ISSUER: idp.issuer,
      JWT_AUDIENCE: idp.audience,
      JWT_ALLOW_HTTP_JWKS: 'true',
      // The emulator does not check signatures; the SDK still wants credentials.
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      ...options.env,
    };
    const handler = await options.loadHandler(env);
    const gateway = new HttpApiGateway({
      routes: routesFor(handler),
      cors: localCors(allowedOrigins),
      ...(log ? { log: (line: string) => log(`api ${line}`) } : {}),
    });
    const { url: apiUrl } = await gateway.start(ports.api);
    started.push(gateway);
    const chime = chimeClientFor(emulatorUrl, { maxAttempts: 1 });
    return {
      apiUrl,
      emulatorUrl,
      idp,
      emulator,
      chime,
      env,
      seedDemo: () => seedDemo(chime),
      stop: async () => {
        chime.destroy();
        for (const part of started.reverse()) await part.stop();
      },
    };
  } catch (error) {
    for (const part of started.reverse()) await part.stop();
    throw error;
  }
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
