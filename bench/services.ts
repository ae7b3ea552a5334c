/**
 * What the functions call, in a process of its own so it does not share a CPU queue with the
 * function or the load generator: the local dev stack (Chime SDK Meetings emulator and identity
 * provider on 127.0.0.1, free ports) with one demo meeting, and alice's token for her attendee.
 * Reports the Lambda environment `startDevStack` builds; stops when stdin closes.
 */

import { routeKeyOf } from '../lambda/attendee/routes/api-routes';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import type { HttpApiHandler } from '../local/aws/http-api-gateway';
import { startDevStack } from '../local/cli/dev-stack';
import { stopWhenStdinCloses, writeReport } from './event';

// startDevStack also runs an HTTP API stand-in for a handler; the benchmark runs its own in
// another process (api-host.ts), so this one only answers 503 and is never called.
const unused: HttpApiHandler = async () => ({ statusCode: 503 });

const stack = await startDevStack({
  ports: { api: 0, emulator: 0, idp: 0 },
  // The benchmark weighs the function against the SDK alone, call for call: Chime's rates and
  // the caches are `npm run storm`'s subject (the cache-hit row turns the container cache on).
  chimeRates: false,
  sharedCache: false,
  env: {
    [FUNCTION_SETTINGS.cacheAttendeeTtlMs.env]: '0',
    [FUNCTION_SETTINGS.cacheMeetingTtlMs.env]: '0',
    [FUNCTION_SETTINGS.callerBudgetPerMinute.env]: '10000',
  },
  loadHandler: async () => unused,
});
stopWhenStdinCloses(() => stack.stop());

const seed = await stack.seedDemo();
const services = {
  // The GetAttendee route key, and join-info's (the cache-hit row), as the HTTP API sends them.
  routeKey: routeKeyOf('attendee'),
  joinInfoRouteKey: routeKeyOf('joinInfo'),
  // The Lambda environment of local/cli/dev-stack.ts (emulator endpoint, issuer, dummy credentials).
  env: stack.env,
  emulatorUrl: stack.emulatorUrl,
  meetingId: seed.meetingId,
  attendeeId: seed.attendees.alice,
  // Longer than any run: the same token is verified by every invocation, as a client reuses it.
  token: await stack.idp.mint({ sub: 'alice', ttl: 3600 }),
};
writeReport(services);
export type Services = typeof services;
