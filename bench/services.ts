/**
 * `node services.mjs stack | api <bundle.mjs>`: the dev stack's emulator and identity provider
 * with a demo meeting and alice's token, or the local HTTP API in front of the bundle, reporting
 * on fd 3, in a process of its own (no CPU queue shared with the functions or the load).
 */
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { API_ROUTES, type RouteId } from '../lambda/attendee/routes/api-routes';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import type { HttpApiHandler } from '../local/aws/http-api-gateway';
import { startApi, startDevStack } from '../local/cli/dev-stack';
import { writeReport } from './event';

const stopWhenStdinCloses = (stop: () => Promise<void>) =>
  process.stdin.once('end', () => stop().then(() => process.exit(0))).resume();

async function stack() {
  let received: APIGatewayProxyEventV2 | undefined;
  const stack = await startDevStack({
    ports: { api: 0, emulator: 0, idp: 0 },
    // Call for call against the SDK alone: Chime's rates and the caches are `npm run storm`'s.
    chimeRates: false,
    sharedCache: false,
    env: {
      [FUNCTION_SETTINGS.cacheAttendeeTtlMs.env]: '0',
      [FUNCTION_SETTINGS.cacheMeetingTtlMs.env]: '0',
      [FUNCTION_SETTINGS.callerBudgetPerMinute.env]: '10000',
    },
    // Its own HTTP API stand-in only records the events it builds: `api` runs one per bundle.
    loadHandler: async () => async (event) => {
      received = event;
      return { statusCode: 503 };
    },
  });
  stopWhenStdinCloses(() => stack.stop());
  const { meetingId, attendees } = await stack.seedDemo();
  // Longer than any run: every invocation verifies the same token, as a client reuses it.
  const token = await stack.idp.mint({ sub: 'alice', ttl: 3600 });
  /** The payload 2.0 event the local HTTP API builds for alice's GET of `route`: the runner's. */
  const eventOf = async (route: RouteId) => {
    const path = API_ROUTES[route].path
      .replace('{meetingId}', meetingId)
      .replace('{attendeeId}', attendees.alice);
    const headers = { authorization: `Bearer ${token}`, 'user-agent': 'bench' };
    await (await fetch(`${stack.apiUrl}${path}`, { headers })).arrayBuffer();
    if (received?.rawPath !== path) throw new Error(`no event for ${path}`);
    return received;
  };
  return {
    env: stack.env,
    emulatorUrl: stack.emulatorUrl,
    events: { attendee: await eventOf('attendee'), joinInfo: await eventOf('joinInfo') },
  };
}

async function api(bundle: string) {
  const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: HttpApiHandler };
  const { gateway, url } = await startApi(handler, { port: 0 });
  stopWhenStdinCloses(() => gateway.stop());
  return { url };
}

export type Services = Awaited<ReturnType<typeof stack>>;
const [service, bundle = ''] = process.argv.slice(2);
writeReport(service === 'api' ? await api(bundle) : await stack());
