/**
 * The example page: signs in as a seeded dev user, gets join info from the API (another
 * origin) through the typed client, and builds a MeetingSessionConfiguration from it; shows the
 * demo meeting's roster as that user sees it. Tokens and JoinTokens are never written to the
 * page or the console; only their length.
 */
import { MeetingSessionConfiguration } from 'amazon-chime-sdk-js';
import {
  ApiError,
  type Attendee,
  type AttendeeApiClient,
  createAttendeeApiClient,
  type JoinInfo,
  type RosterAttendee,
} from '../../../client/src';
import { autoRetryDelay, errorDetails, rosterMessage, userMessage } from './error-messages';
import { FAULTS, type FaultName } from './faults';

type AttendeeName = 'alice' | 'bob';

interface DevUser {
  readonly id: string;
  readonly name: string;
  readonly role: 'owner' | 'moderator' | 'stranger';
  readonly attendee: AttendeeName;
  readonly description: string;
}

/** A meeting with attendees for alice and bob. */
interface Meeting {
  readonly meetingId: string;
  readonly attendees: Readonly<Record<AttendeeName, string>>;
}

/** `GET /dev/config` of the example server: the demo meeting, the API and the dev users. */
interface DevConfig extends Meeting {
  readonly apiUrl: string;
  readonly users: readonly DevUser[];
}

/** `POST /dev/faults`: a fresh meeting, and the id of the rule queued for it. */
interface QueuedFault extends Meeting {
  readonly description: string;
  readonly faultId: string;
}

/** A failure of the example server's own dev endpoints (not of the API). */
class DevServerError extends Error {
  override readonly name = 'DevServerError';
}

type ResultState = 'idle' | 'loading' | 'retrying' | 'ok' | 'error';

function byTestId<T extends HTMLElement = HTMLElement>(testId: string): T {
  const element = document.querySelector<T>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`The page has no [data-testid="${testId}"]`);
  return element;
}

async function devJson<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, { cache: 'no-store', ...init });
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) {
    throw new DevServerError(body.message ?? `${path} answered ${response.status}`);
  }
  return body;
}

/** A fresh token of the local identity provider, minted by the example server. */
async function devToken(user: string, expired: boolean): Promise<string> {
  const query = new URLSearchParams({ user, ...(expired ? { expired: '1' } : {}) });
  const { token } = await devJson<{ token: string }>(`/dev/token?${query}`);
  return token;
}

/** How often the roster is read again after an attempt, as its user. */
const ROSTER_REFRESH_MS = 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const describeSecret = (value: string | undefined, absent: string) =>
  value ? `received (${value.length} chars)` : absent;

const ui = {
  result: byTestId('result'),
  status: byTestId('status'),
  error: byTestId('error'),
  errorMessage: byTestId('error-message'),
  errorDetails: byTestId('error-details'),
  moderatorNote: byTestId('moderator-note'),
  attendee: byTestId('attendee'),
  configuration: byTestId('configuration'),
  joinButton: byTestId<HTMLButtonElement>('join-button'),
  faultButtons: byTestId('fault-buttons'),
  attendeeSelect: byTestId<HTMLSelectElement>('attendee-select'),
  expired: byTestId<HTMLInputElement>('expired-token'),
  faultStatus: byTestId('fault-status'),
  roster: byTestId('roster'),
  rosterStatus: byTestId('roster-status'),
  rosterError: byTestId('roster-error'),
  rosterList: byTestId('roster-list'),
};

function setText(testId: string, text: string): void {
  byTestId(testId).textContent = text;
}

function setState(state: ResultState, status: string): void {
  ui.result.dataset.state = state;
  ui.result.setAttribute('aria-busy', String(state === 'loading' || state === 'retrying'));
  ui.status.textContent = status;
}

function clearResult(): void {
  for (const part of [ui.error, ui.moderatorNote, ui.attendee, ui.configuration]) {
    part.hidden = true;
  }
}

function showError(error: unknown, retryingIn?: number): void {
  ui.errorMessage.textContent =
    error instanceof DevServerError
      ? `Dev sign-in failed: ${error.message}`
      : userMessage(error, retryingIn);
  ui.errorDetails.textContent = errorDetails(error);
  ui.error.hidden = false;
}

function showAttendee(attendee: Attendee, source: string, joinTokenAbsent: string): void {
  setText('attendee-source', source);
  setText('attendee-id', attendee.AttendeeId);
  setText('external-user-id', attendee.ExternalUserId);
  const { Audio, Video, Content } = attendee.Capabilities;
  setText('capabilities', `Audio ${Audio} · Video ${Video} · Content ${Content}`);
  setText('join-token', describeSecret(attendee.JoinToken, joinTokenAbsent));
  ui.attendee.hidden = false;
}

function showConfiguration(joinInfo: JoinInfo): void {
  const configuration = new MeetingSessionConfiguration(joinInfo.Meeting, joinInfo.Attendee);
  setText('config-meeting-id', configuration.meetingId ?? '(none)');
  setText('config-attendee-id', configuration.credentials?.attendeeId ?? '(none)');
  setText(
    'config-join-token',
    describeSecret(configuration.credentials?.joinToken ?? undefined, 'not set'),
  );
  setText('config-signaling-url', configuration.urls?.signalingURL ?? '(none)');
  setText('config-audio-host-url', configuration.urls?.audioHostURL ?? '(none)');
  ui.configuration.hidden = false;
}

function rosterEntry(attendee: RosterAttendee): HTMLLIElement {
  const entry = document.createElement('li');
  entry.className = 'roster-entry';
  entry.dataset.testid = `roster-${attendee.AttendeeId}`;
  const name = document.createElement('span');
  name.className = attendee.Name ? 'roster-name' : 'roster-name roster-name-missing';
  name.textContent = attendee.Name || 'no name yet';
  const externalUserId = document.createElement('code');
  externalUserId.textContent = attendee.ExternalUserId;
  entry.append(name, externalUserId);
  if (attendee.Service) {
    const badge = document.createElement('span');
    badge.className = 'badge badge-service';
    badge.title = 'A media pipeline of the meeting, not a person';
    badge.textContent = 'service';
    entry.append(badge);
  }
  return entry;
}

let rosterReads = 0;

/**
 * Reads the demo meeting's roster as `user` and shows it, or why it cannot be read, marked with
 * the attempt `run` it follows. A read that a later one overtook shows nothing.
 */
async function showRoster(
  meetingId: string,
  api: AttendeeApiClient,
  user: DevUser,
  run: string,
): Promise<void> {
  rosterReads += 1;
  const read = rosterReads;
  const outcome = await api.getRoster({ meetingId }).then(
    (roster) => ({ roster }),
    (error: unknown) => ({ error }),
  );
  if (read !== rosterReads) return;
  ui.roster.dataset.run = run;
  if ('roster' in outcome) {
    const { Attendees } = outcome.roster;
    ui.rosterList.replaceChildren(...Attendees.map(rosterEntry));
    ui.rosterError.hidden = true;
    ui.rosterStatus.textContent = `${Attendees.length} in the meeting, as ${user.name} sees it.`;
    ui.roster.dataset.state = 'ok';
  } else {
    ui.rosterList.replaceChildren();
    setText('roster-error-message', rosterMessage(outcome.error));
    setText('roster-error-details', errorDetails(outcome.error));
    ui.rosterError.hidden = false;
    ui.rosterStatus.textContent = `No roster for ${user.name}.`;
    ui.roster.dataset.state = 'error';
  }
}

/**
 * Runs `request`, retrying once by itself after a short Retry-After, with a visible countdown
 * (the client's own `retry` option would wait silently).
 */
async function withAutoRetry<T>(request: () => Promise<T>): Promise<T> {
  for (let retries = 0; ; retries += 1) {
    try {
      return await request();
    } catch (error) {
      const delay = autoRetryDelay(error, retries);
      if (delay === undefined) throw error;
      for (let left = delay; left > 0; left -= 1) {
        setState('retrying', 'Waiting to retry…');
        showError(error, left);
        await sleep(1000);
      }
      ui.error.hidden = true;
      setState('loading', 'Retrying…');
    }
  }
}

async function load(meeting: Meeting, api: AttendeeApiClient, user: DevUser): Promise<void> {
  const target = ui.attendeeSelect.value as AttendeeName;
  const request = { meetingId: meeting.meetingId, attendeeId: meeting.attendees[target] };
  try {
    const joinInfo = await withAutoRetry(() => api.getJoinInfo(request));
    showAttendee(joinInfo.Attendee, '(from join info)', 'not received');
    showConfiguration(joinInfo);
    setState('ok', `Join info received for ${user.name}. Ready to join.`);
  } catch (error) {
    if (!(error instanceof ApiError && error.notFound && user.role === 'moderator')) throw error;
    // Join info is the owner's only, by design; a moderator may still read the attendee.
    const { Attendee } = await withAutoRetry(() => api.getAttendee(request));
    ui.moderatorNote.textContent =
      'Join info is only for the attendee’s owner (the API answers 404 to anyone else). ' +
      'As a moderator you can read the attendee, without its JoinToken, so you cannot join as them.';
    ui.moderatorNote.hidden = false;
    showAttendee(Attendee, '(from getAttendee, as a moderator)', 'not received (moderator)');
    setState('ok', `Attendee read by ${user.name} (moderator).`);
  }
}

function renderUsers(config: DevConfig): void {
  const container = byTestId('users');
  container.replaceChildren(
    ...config.users.map((user, index) => {
      const label = document.createElement('label');
      label.className = 'user';
      label.dataset.testid = `user-${user.id}`;
      const input = document.createElement('input');
      Object.assign(input, { type: 'radio', name: 'user', value: user.id, checked: index === 0 });
      input.addEventListener('change', () => {
        ui.attendeeSelect.value = user.attendee;
      });
      const name = document.createElement('span');
      name.className = 'user-name';
      name.textContent = user.name;
      const role = document.createElement('span');
      role.className = `badge badge-${user.role}`;
      role.textContent = user.role;
      const description = document.createElement('span');
      description.className = 'user-description';
      description.textContent = user.description;
      label.append(input, name, role, description);
      return label;
    }),
  );
  ui.attendeeSelect.replaceChildren(
    ...(Object.keys(config.attendees) as AttendeeName[]).map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = `${name}’s attendee (${config.attendees[name].slice(0, 8)}…)`;
      return option;
    }),
  );
  ui.attendeeSelect.value = config.users[0]?.attendee ?? 'alice';
}

/** Whether a fault rule is still queued in the emulator (`GET /dev/faults`). */
async function stillQueued(faultId: string): Promise<boolean> {
  const { faults } = await devJson<{ faults: { id: string }[] }>('/dev/faults');
  return faults.some((fault) => fault.id === faultId);
}

/**
 * A fault button: the example server makes a fresh meeting (the caches answer a meeting read
 * before without asking Chime, so a fault would not show) and queues the fault for it; then the
 * selected user gets join info there, as with the demo meeting, and that request uses it up.
 */
async function demonstrateFault(
  name: FaultName,
  api: AttendeeApiClient,
  user: DevUser,
): Promise<void> {
  const { label } = FAULTS[name];
  ui.faultStatus.textContent = `${label}: making a fresh meeting…`;
  const queued = await devJson<QueuedFault>('/dev/faults', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fault: name }),
  }).catch((error: unknown) => {
    ui.faultStatus.textContent = `Could not queue the fault: ${(error as Error).message}`;
    throw error;
  });
  const fresh = `meeting ${queued.meetingId.slice(0, 8)}…`;
  ui.faultStatus.textContent = `${queued.description}, queued for the fresh ${fresh}.`;
  try {
    await load(queued, api, user);
  } finally {
    // A request stopped before Chime (a 401) leaves its rule: withdrawn, so none lingers.
    const left = await stillQueued(queued.faultId)
      .then(async (queuedStill) => {
        if (queuedStill) await devJson(`/dev/faults/${queued.faultId}`, { method: 'DELETE' });
        return queuedStill;
      })
      .catch(() => undefined);
    ui.faultStatus.textContent = `${queued.description}, on the fresh ${fresh} ${
      left === undefined
        ? '(the emulator’s fault queue could not be read).'
        : left
          ? '— not used: the request stopped before Chime, so the fault was withdrawn.'
          : '— used up by this request: nothing left queued.'
    }`;
  }
}

function renderFaultButtons(onClick: (name: FaultName) => void): void {
  ui.faultButtons.replaceChildren(
    ...(Object.keys(FAULTS) as FaultName[]).map((name) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'fault';
      button.dataset.testid = `fault-${name}`;
      const label = document.createElement('span');
      label.className = 'fault-label';
      label.textContent = FAULTS[name].label;
      const description = document.createElement('span');
      description.className = 'fault-description';
      description.textContent = FAULTS[name].description;
      button.append(label, description);
      button.addEventListener('click', () => onClick(name));
      return button;
    }),
  );
}

async function main(): Promise<void> {
  setText('page-origin', window.location.origin);
  let config: DevConfig;
  try {
    config = await devJson<DevConfig>('/dev/config');
  } catch (error) {
    setState('error', 'The example server has no configuration.');
    showError(error);
    return;
  }
  const crossOrigin = new URL(config.apiUrl).origin !== window.location.origin;
  setText('api-url', `${config.apiUrl}${crossOrigin ? ' (another origin: CORS applies)' : ''}`);
  setText('meeting-id', config.meetingId);
  renderUsers(config);

  const form = byTestId<HTMLFormElement>('join-form');
  const buttons = () => [ui.joinButton, ...ui.faultButtons.querySelectorAll('button')];
  /** Reads the roster as the user of the last attempt; nothing before the first. */
  let readRoster: (() => Promise<void>) | undefined;
  window.setInterval(() => void readRoster?.(), ROSTER_REFRESH_MS);
  /** Runs one attempt as the selected user, showing its outcome in the result, then the roster. */
  const run = (
    status: (user: DevUser) => string,
    work: (api: AttendeeApiClient, user: DevUser) => Promise<void>,
  ) => {
    const userId = new FormData(form).get('user');
    const user = config.users.find((candidate) => candidate.id === userId);
    if (!user) return;
    const expired = ui.expired.checked;
    const api = createAttendeeApiClient({
      baseUrl: config.apiUrl,
      getToken: () => devToken(user.id, expired),
    });
    clearResult();
    // Counts the runs, so a test can wait for the end of this one rather than the last one.
    const runId = String(Number(ui.result.dataset.run ?? '0') + 1);
    ui.result.dataset.run = runId;
    setState('loading', status(user));
    // On a narrow screen the result is below the controls.
    ui.result.scrollIntoView({ block: 'nearest' });
    for (const button of buttons()) button.disabled = true;
    work(api, user)
      .catch((error: unknown) => {
        setState('error', `No join info for ${user.name}.`);
        showError(error);
      })
      .finally(() => {
        for (const button of buttons()) button.disabled = false;
        readRoster = () => showRoster(config.meetingId, api, user, runId);
        void readRoster();
      });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(
      (user) => `Getting join info as ${user.name}…`,
      (api, user) => load(config, api, user),
    );
  });
  renderFaultButtons((name) =>
    run(
      (user) =>
        `Getting join info as ${user.name} from a fresh meeting with ${FAULTS[name].label}…`,
      (api, user) => demonstrateFault(name, api, user),
    ),
  );
  ui.joinButton.disabled = false;
  ui.result.dataset.ready = 'true';
}

void main();
