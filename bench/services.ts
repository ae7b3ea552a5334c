/**
 * The dev stack's Chime emulator and identity provider with a demo meeting and alice's token, in
 * a process of its own (no CPU queue shared with the functions or the load). Stops with stdin.
 */
import { routeKeyOf } from '../lambda/attendee/routes/api-routes';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';
import { startDevStack } from '../local/cli/dev-stack';
import { stopWhenStdinCloses, writeReport } from './event';

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
  // Its own HTTP API stand-in is never called: api-host.ts runs one per bundle.
  loadHandler: async () => async () => ({ statusCode: 503 }),
});
stopWhenStdinCloses(() => stack.stop());

const seed = await stack.seedDemo();
const services = {
  routeKey: routeKeyOf('attendee'),
  joinInfoRouteKey: routeKeyOf('joinInfo'),
  env: stack.env,
  emulatorUrl: stack.emulatorUrl,
  meetingId: seed.meetingId,
  attendeeId: seed.attendees.alice,
  // Longer than any run: every invocation verifies the same token, as a client reuses it.
  token: await stack.idp.mint({ sub: 'alice', ttl: 3600 }),
};
writeReport(services);
export type Services = typeof services;
