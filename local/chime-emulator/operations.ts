import type { MeetingStore } from './store';
import {
  attendeeItem,
  batchCapabilitiesUpdate,
  capabilitiesUpdate,
  checkAttendeeList,
  checkGuid,
  checkListAttendeesQuery,
  createMeetingInput,
  parseJsonObject,
} from './validation';

/**
 * The HTTP bindings of the emulated operations, copied from the `smithy.api#http` traits in the
 * SDK's generated schemas (`@aws-sdk/client-chime-sdk-meetings/dist-es/schemas/schemas_0.js`),
 * API version 2021-07-15. A test checks this table against the installed SDK.
 */
export const OPERATIONS = {
  BatchCreateAttendee: ['POST', '/meetings/{MeetingId}/attendees?operation=batch-create', 200],
  BatchUpdateAttendeeCapabilitiesExcept: [
    'PUT',
    '/meetings/{MeetingId}/attendees/capabilities?operation=batch-update-except',
    200,
  ],
  CreateAttendee: ['POST', '/meetings/{MeetingId}/attendees', 200],
  CreateMeeting: ['POST', '/meetings', 200],
  CreateMeetingWithAttendees: ['POST', '/meetings?operation=create-attendees', 200],
  DeleteAttendee: ['DELETE', '/meetings/{MeetingId}/attendees/{AttendeeId}', 204],
  DeleteMeeting: ['DELETE', '/meetings/{MeetingId}', 204],
  GetAttendee: ['GET', '/meetings/{MeetingId}/attendees/{AttendeeId}', 200],
  GetMeeting: ['GET', '/meetings/{MeetingId}', 200],
  ListAttendees: ['GET', '/meetings/{MeetingId}/attendees', 200],
  UpdateAttendeeCapabilities: [
    'PUT',
    '/meetings/{MeetingId}/attendees/{AttendeeId}/capabilities',
    200,
  ],
} as const;

/** An emulated operation. */
export type OperationName = keyof typeof OPERATIONS;

/** Narrows an unknown value to an emulated operation name. */
export const isOperationName = (value: unknown): value is OperationName =>
  typeof value === 'string' && Object.hasOwn(OPERATIONS, value);

/** A request matched to an operation, with its path labels (still unvalidated). */
export interface MatchedRoute {
  readonly operation: OperationName;
  readonly meetingId?: string;
  readonly attendeeId?: string;
}

const COMPILED = Object.entries(OPERATIONS).map(([operation, [method, uri]]) => {
  const [path = '', query] = uri.split('?');
  return {
    operation: operation as OperationName,
    method,
    // `{MeetingId}` → the label `meetingId` of MatchedRoute
    segments: path
      .split('/')
      .filter(Boolean)
      .map((s) => (s.startsWith('{') ? { label: s[1]?.toLowerCase() + s.slice(2, -1) } : s)),
    queryOperation: query === undefined ? null : new URLSearchParams(query).get('operation'),
  };
});

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Finds the operation a request addresses. The `operation` query parameter is part of the
 * route (`?operation=batch-create`), so a request carrying one only matches the route that
 * declares it.
 */
export function matchRoute(
  method: string,
  pathname: string,
  query: URLSearchParams,
): MatchedRoute | undefined {
  const segments = pathname.split('/').filter(Boolean).map(decodeSegment);
  if (segments.includes(undefined)) return undefined;
  for (const route of COMPILED) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    if (route.queryOperation !== query.get('operation')) continue;
    const labels: Record<string, string> = {};
    const matches = route.segments.every((expected, i) => {
      if (typeof expected === 'string') return expected === segments[i];
      labels[expected.label] = segments[i] as string;
      return true;
    });
    if (matches) return { operation: route.operation, ...labels };
  }
  return undefined;
}

/** What an operation reads of a request; the getters validate on first use. */
interface OperationRequest {
  readonly meetingId: () => string;
  readonly attendeeId: () => string;
  readonly body: () => Record<string, unknown>;
  readonly query: URLSearchParams;
}

// Path labels are checked before the body, as the service does.
const HANDLERS: Record<OperationName, (store: MeetingStore, request: OperationRequest) => unknown> =
  {
    CreateMeeting: (store, r) => ({
      Meeting: store.createMeeting(createMeetingInput('', r.body())),
    }),
    CreateMeetingWithAttendees(store, r) {
      const input = createMeetingInput('', r.body());
      const entries = checkAttendeeList(r.body().Attendees, 20);
      const meeting = store.createMeeting(input);
      return {
        Meeting: meeting,
        ...store.batchCreateAttendees(meeting.MeetingId as string, entries),
      };
    },
    GetMeeting: (store, r) => ({ Meeting: store.getMeeting(r.meetingId()) }),
    DeleteMeeting: (store, r) => store.deleteMeeting(r.meetingId()),
    CreateAttendee: (store, r) => ({
      Attendee: store.createAttendee(r.meetingId(), attendeeItem('', r.body())),
    }),
    BatchCreateAttendee(store, r) {
      const meetingId = r.meetingId();
      const entries = checkAttendeeList(r.body().Attendees, 100);
      return store.batchCreateAttendees(meetingId, entries);
    },
    GetAttendee: (store, r) => ({ Attendee: store.getAttendee(r.meetingId(), r.attendeeId()) }),
    ListAttendees: (store, r) =>
      store.listAttendees(r.meetingId(), checkListAttendeesQuery(r.query)),
    DeleteAttendee: (store, r) => store.deleteAttendee(r.meetingId(), r.attendeeId()),
    UpdateAttendeeCapabilities(store, r) {
      const [meetingId, attendeeId] = [r.meetingId(), r.attendeeId()];
      const { Capabilities } = capabilitiesUpdate('', r.body());
      return { Attendee: store.updateCapabilities(meetingId, Capabilities, { attendeeId })[0] };
    },
    BatchUpdateAttendeeCapabilitiesExcept(store, r) {
      const meetingId = r.meetingId();
      const { ExcludedAttendeeIds, Capabilities } = batchCapabilitiesUpdate('', r.body());
      const except = new Set(ExcludedAttendeeIds.map(({ AttendeeId }) => AttendeeId));
      store.updateCapabilities(meetingId, Capabilities, { except });
    },
  };

/**
 * Runs one operation against the store and returns the model's status code and JSON output
 * (none for an empty body). Validation and missing resources surface as thrown
 * `ChimeServiceError`s.
 */
export function runOperation(
  store: MeetingStore,
  route: MatchedRoute,
  request: { readonly body: string; readonly query: URLSearchParams },
): { status: number; output: unknown } {
  let body: Record<string, unknown> | undefined;
  const output = HANDLERS[route.operation](store, {
    meetingId: () => checkGuid('MeetingId', route.meetingId ?? ''),
    attendeeId: () => checkGuid('AttendeeId', route.attendeeId ?? ''),
    body: () => {
      body ??= parseJsonObject(request.body);
      return body;
    },
    query: request.query,
  });
  return { status: OPERATIONS[route.operation][2], output };
}
