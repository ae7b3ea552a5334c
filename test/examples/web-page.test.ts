import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetAttendeeCommand } from '@aws-sdk/client-chime-sdk-meetings';
import type { Browser, Page } from 'playwright-core';
import { createExampleServer, type ExampleServer } from '../../examples/web/example-server';
import type { FaultName } from '../../examples/web/src/faults';
import { FUNCTION_SETTINGS, parseConfig } from '../../lambda/common/config/settings';
import type { DemoSeed, DevStack } from '../../local/cli/dev-stack';
import { faultRecipes, recipeSettingsOf } from '../../local/cli/fault-recipes';
import { findChromium, launchChromium } from '../helpers/chromium';
import { startLocalStack } from '../helpers/local-stack';
import { registerSecret } from '../helpers/log-capture';

const S = FUNCTION_SETTINGS;
const SCREENSHOT = join(process.cwd(), 'test-results', 'example-web.png');
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\./;

let stack: DevStack;
let seed: DemoSeed;
let example: ExampleServer;
let pageUrl: string;
let browser: Browser;
let page: Page;
const joinTokens: string[] = [];
/** The API's one line per request (method, path, status; never a header or a body). */
const apiLines: string[] = [];
/** The page's uncaught errors. Its console is not listened to: nothing of it reaches stdout. */
const pageErrors: string[] = [];
const corsAnswers: (string | undefined)[] = [];

const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim();

/** Signs in as `user`, presses "Get join info" and waits for this run's outcome. */
async function joinAs(user: string): Promise<'ok' | 'error'> {
  await page.getByTestId(`user-${user}`).click();
  const result = page.getByTestId('result');
  const run = Number(await result.getAttribute('data-run')) + 1;
  await page.getByTestId('join-button').click();
  await page
    .locator(
      `[data-testid="result"][data-run="${run}"]:is([data-state="ok"], [data-state="error"])`,
    )
    .waitFor();
  return (await result.getAttribute('data-state')) as 'ok' | 'error';
}

/**
 * Signs in as `user`, presses a fault button (a fresh meeting, the fault queued for it through
 * `/dev/faults`, then join info from it) and waits for this run's outcome and the queue's state.
 */
async function faultAs(user: string, name: FaultName): Promise<'ok' | 'error'> {
  await page.getByTestId(`user-${user}`).click();
  const result = page.getByTestId('result');
  const run = Number(await result.getAttribute('data-run')) + 1;
  await page.getByTestId(`fault-${name}`).click();
  await page
    .locator(
      `[data-testid="result"][data-run="${run}"]:is([data-state="ok"], [data-state="error"])`,
    )
    .waitFor();
  await page
    .getByTestId('fault-status')
    .filter({ hasText: /nothing left queued|withdrawn|could not be read/ })
    .waitFor();
  return (await result.getAttribute('data-state')) as 'ok' | 'error';
}

/**
 * Waits for the roster the page reads after its last run (as that run's user) and gives its
 * state: `ok`, or `error` with the reason shown.
 */
async function rosterAfterLastRun(): Promise<'ok' | 'error'> {
  const run = await page.getByTestId('result').getAttribute('data-run');
  const roster = page.getByTestId('roster');
  await page
    .locator(
      `[data-testid="roster"][data-run="${run}"]:is([data-state="ok"], [data-state="error"])`,
    )
    .waitFor();
  return (await roster.getAttribute('data-state')) as 'ok' | 'error';
}

/** The name the roster shows for an attendee. */
const rosterName = (attendeeId: string) =>
  page.getByTestId(`roster-${attendeeId}`).locator('.roster-name').textContent();

/**
 * Waits until the roster names an attendee `name`: a name recorded a moment ago may reach the
 * roster only at the page's next read, a few seconds later, when a cache tier answered first.
 */
const rosterShowsName = (attendeeId: string, name: string) =>
  page
    .getByTestId(`roster-${attendeeId}`)
    .locator('.roster-name', { hasText: new RegExp(`^${name}$`) })
    .waitFor({ timeout: 20_000 });

/** The meeting ids the API was asked about for attendees, in order (its one line per request). */
const askedMeetings = () =>
  apiLines
    .map((line) => /^api GET \/meetings\/([0-9a-f-]{36})\/attendees\//.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);

beforeAll(async () => {
  // Found first, so a machine without a browser fails at once with one line (never skipped).
  const binary = await findChromium();
  // The page's origin must be in the API's CORS allowlist, and the API's URL in the page's
  // config: the example server starts first and reads the stack's values when asked.
  example = createExampleServer({
    port: 0,
    apiUrl: () => stack.apiUrl,
    emulatorUrl: () => stack.emulatorUrl,
    idp: () => stack.idp,
    demo: () => seed,
    faultSettings: () => recipeSettingsOf(parseConfig(stack.env)),
  });
  pageUrl = (await example.start()).url;
  stack = await startLocalStack({
    allowedOrigins: [pageUrl],
    // Both cache tiers, as npm start runs them; short deadlines, so the 504 is quick.
    sharedCache: true,
    env: {
      [S.cacheAttendeeTtlMs.env]: String(S.cacheAttendeeTtlMs.default),
      [S.cacheMeetingTtlMs.env]: String(S.cacheMeetingTtlMs.default),
      DEADLINE_MS: '3000',
      CHIME_REQUEST_TIMEOUT_MS: '1000',
    },
    log: (line) => {
      if (line.startsWith('api ')) apiLines.push(line);
    },
  });
  seed = await stack.seedDemo();
  for (const attendeeId of Object.values(seed.attendees)) {
    const { Attendee } = await stack.chime.send(
      new GetAttendeeCommand({ MeetingId: seed.meetingId, AttendeeId: attendeeId }),
    );
    joinTokens.push(registerSecret(Attendee?.JoinToken ?? ''));
  }
  browser = await launchChromium(binary);
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    if (response.url().startsWith(stack.apiUrl)) {
      corsAnswers.push(response.headers()['access-control-allow-origin']);
    }
  });
  await page.goto(pageUrl);
  await page.locator('[data-testid="join-button"]:enabled').waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await example?.stop();
  await stack?.stop();
});

describe('the example page, in Chromium against the local stack', () => {
  it('is served from another origin than the API, so its API calls are cross-origin', async () => {
    expect(new URL(stack.apiUrl).origin).not.toBe(new URL(pageUrl).origin);
    expect(await text('page-origin')).toBe(pageUrl);
    expect(await text('api-url')).toBe(`${stack.apiUrl} (another origin: CORS applies)`);
    expect(await text('meeting-id')).toBe(seed.meetingId);
  });

  it('gives the owner join info and builds a MeetingSessionConfiguration from it', async () => {
    expect(await joinAs('alice')).toBe('ok');
    expect(await text('attendee-id')).toBe(seed.attendees.alice);
    expect(await text('external-user-id')).toBe('alice');
    expect(await text('capabilities')).toBe(
      'Audio SendReceive · Video SendReceive · Content SendReceive',
    );
    expect(await text('join-token')).toBe(`received (${joinTokens[0]?.length} chars)`);
    expect(await text('config-meeting-id')).toBe(seed.meetingId);
    expect(await text('config-attendee-id')).toBe(seed.attendees.alice);
    expect(await text('config-join-token')).toMatch(/^received \(\d+ chars\)$/);
    expect(await text('config-signaling-url')).toMatch(/^wss:\/\/signal\..+\/control\//);
    expect(await page.getByTestId('error').isHidden()).toBe(true);

    // The browser preflighted the call and the API allowed this page's origin.
    expect(apiLines.some((line) => line.startsWith('api OPTIONS /meetings/'))).toBe(true);
    expect(corsAnswers).toContain(pageUrl);
  });

  it('shows the owner the roster with her name, and no name yet for an owner who has not called', async () => {
    expect(await joinAs('alice')).toBe('ok');
    expect(await rosterAfterLastRun()).toBe('ok');
    await rosterShowsName(seed.attendees.alice, 'Alice');
    expect(await rosterName(seed.attendees.bob)).toBe('no name yet');
    expect(await text('roster-status')).toBe('2 in the meeting, as Alice sees it.');
    expect(await page.getByTestId('roster-error').isHidden()).toBe(true);

    mkdirSync(join(process.cwd(), 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('names each participant once they have called, for the other participants', async () => {
    expect(await joinAs('bob')).toBe('ok');
    expect(await rosterAfterLastRun()).toBe('ok');
    await rosterShowsName(seed.attendees.bob, 'Bob');
    await rosterShowsName(seed.attendees.alice, 'Alice');
  });

  it('marks a media pipeline’s attendee as a service', async () => {
    // Only Chime's media pipelines create `aws:` attendees (CreateAttendee, and so the emulator,
    // refuses the prefix): one is added to the API's real answer, on its way to the page.
    const pipeline = {
      AttendeeId: randomUUID(),
      ExternalUserId: `aws:MediaPipeline-${randomUUID()}`,
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'SendReceive' },
      Service: true,
    };
    const isRoster = (url: URL) => url.pathname === `/meetings/${seed.meetingId}/roster`;
    await page.route(isRoster, async (route) => {
      const response = await route.fetch();
      const { Attendees } = (await response.json()) as { Attendees: unknown[] };
      await route.fulfill({ response, json: { Attendees: [...Attendees, pipeline] } });
    });
    try {
      expect(await joinAs('alice')).toBe('ok');
      expect(await rosterAfterLastRun()).toBe('ok');
      const entry = page.getByTestId(`roster-${pipeline.AttendeeId}`);
      expect(await entry.locator('.badge-service').textContent()).toBe('service');
      expect(await rosterName(pipeline.AttendeeId)).toBe('no name yet');
      const alice = page.getByTestId(`roster-${seed.attendees.alice}`);
      expect(await alice.locator('.badge-service').count()).toBe(0);
    } finally {
      await page.unroute(isRoster);
    }
  });

  it('never writes a token or a JoinToken into the page', async () => {
    const html = await page.content();
    expect(html).not.toMatch(JWT);
    for (const joinToken of joinTokens) expect(html).not.toContain(joinToken);
  });

  it('shows a moderator the attendee without its JoinToken, and no join info', async () => {
    expect(await joinAs('maria')).toBe('ok');
    expect(await text('moderator-note')).toMatch(/only for the attendee’s owner/);
    expect(await text('attendee-id')).toBe(seed.attendees.alice);
    expect(await text('external-user-id')).toBe('alice');
    expect(await text('join-token')).toBe('not received (moderator)');
    expect(await page.getByTestId('configuration').isHidden()).toBe(true);
    // A moderator sees the roster too, with the participants' names.
    expect(await rosterAfterLastRun()).toBe('ok');
    expect(await text('roster-status')).toBe('2 in the meeting, as Maria sees it.');
    await rosterShowsName(seed.attendees.alice, 'Alice');
  });

  it('tells a stranger the meeting has ended or they are not a participant', async () => {
    expect(await joinAs('mallory')).toBe('error');
    expect(await text('error-message')).toBe(
      'This meeting has ended or you are not a participant.',
    );
    expect(await text('error-details')).toMatch(/^HTTP 404 · not_found · reference [0-9a-f-]{36}$/);
    expect(await page.getByTestId('attendee').isHidden()).toBe(true);
    expect(await rosterAfterLastRun()).toBe('error');
    expect(await text('roster-error-message')).toBe(
      'Only participants and moderators see the roster — you are neither, or the meeting has ended.',
    );
    expect(await text('roster-error-details')).toMatch(/^HTTP 404 · not_found/);
    expect(await page.getByTestId('roster-list').locator('li').count()).toBe(0);
  });

  it('asks to sign in again when the token has expired', async () => {
    await page.getByTestId('expired-token').check();
    try {
      expect(await joinAs('alice')).toBe('error');
      expect(await text('error-message')).toBe('Your session has expired — sign in again.');
      expect(await text('error-details')).toMatch(/^HTTP 401 · unauthorized/);
    } finally {
      await page.getByTestId('expired-token').uncheck();
    }
  });

  it('counts down a busy answer’s Retry-After, retries, and then joins', async () => {
    const busy = faultRecipes(recipeSettingsOf(parseConfig(stack.env)), 'm').find(
      (recipe) => recipe.status === 503,
    );
    const retryAfter = busy?.rule.fault.type === 'error' ? busy.rule.fault.retryAfterSeconds : 0;
    const outcome = faultAs('alice', 'busy');
    await page
      .getByTestId('error-message')
      .filter({ hasText: /^The meeting service is busy — retrying in \d+ s\.$/ })
      .waitFor();
    expect(await text('error-details')).toMatch(
      new RegExp(`^HTTP 503 · upstream_unavailable · Retry-After ${retryAfter} s`),
    );
    expect(await outcome).toBe('ok');
    expect(await text('join-token')).toMatch(/^received/);
    expect(await text('fault-status')).toMatch(/used up by this request: nothing left queued\.$/);
    expect(stack.emulator.faults()).toEqual([]);
  });

  it('reports an upstream failure in words each time the button is pressed (502)', async () => {
    const pressFailing = async () => {
      const before = askedMeetings();
      expect(await faultAs('alice', 'failing')).toBe('error');
      expect(await text('error-message')).toBe(
        'The meeting service is having problems — try again later.',
      );
      expect(await text('error-details')).toMatch(/^HTTP 502 · upstream_credentials/);
      expect(await text('fault-status')).toMatch(/nothing left queued\.$/);
      expect(stack.emulator.faults()).toEqual([]);
      // A fresh meeting each time: never the demo meeting, nor one asked for before.
      const asked = askedMeetings().slice(before.length);
      expect(asked).toHaveLength(1);
      expect([seed.meetingId, ...before]).not.toContain(asked[0]);
    };
    await pressFailing();
    await pressFailing();
    // The demo meeting is untouched: still served.
    expect(await joinAs('alice')).toBe('ok');
  });

  it('reports a hang as the meeting service not answering in time (504)', async () => {
    expect(await faultAs('alice', 'hang')).toBe('error');
    expect(await text('error-message')).toBe(
      'The meeting service did not answer in time — try again.',
    );
    expect(await text('error-details')).toMatch(/^HTTP 504 · upstream_timeout/);
    expect(stack.emulator.faults()).toEqual([]);
  });

  it('withdraws a fault that a request stopped before Chime (an expired token) never used', async () => {
    await page.getByTestId('expired-token').check();
    try {
      expect(await faultAs('alice', 'failing')).toBe('error');
      expect(await text('error-message')).toBe('Your session has expired — sign in again.');
      expect(await text('fault-status')).toMatch(/the fault was withdrawn\.$/);
      expect(stack.emulator.faults()).toEqual([]);
    } finally {
      await page.getByTestId('expired-token').uncheck();
    }
  });

  it('shows the fault to a moderator too: the lookup fails before anyone’s role is known', async () => {
    expect(await faultAs('maria', 'failing')).toBe('error');
    expect(await text('error-details')).toMatch(/^HTTP 502 · upstream_credentials/);
    expect(stack.emulator.faults()).toEqual([]);
  });

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
