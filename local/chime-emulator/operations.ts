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

const ROUTES = Object.entries(OPERATIONS).map(([operation, [method, uri]]) => {
  const [path = '', query = ''] = uri.split('?');
  // `{MeetingId}` becomes the named group `meetingId`, a label of MatchedRoute.
  const pattern = path.replace(
    /\{(\w)(\w+)\}/g,
    (_, a: string, b: string) => `(?<${a.toLowerCase()}${b}>[^/]+)`,
  );
  return {
    operation: operation as OperationName,
    method,
    pattern: new RegExp(`^${pattern}$`),
    queryOperation: new URLSearchParams(query).get('operation'),
  };
});

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
  const path = `/${pathname.split('/').filter(Boolean).join('/')}`;
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (route.method !== method || route.queryOperation !== query.get('operation') || !match) {
      continue;
    }
    try {
      const decoded = Object.entries(match.groups ?? {}).map(([label, raw]) => [
        label,
        decodeURIComponent(raw),
      ]);
      return { operation: route.operation, ...Object.fromEntries(decoded) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A request's validated path labels and parsed body. */
interface OperationRequest {
  readonly meetingId: string;
  readonly attendeeId: string;
  readonly body: Record<string, unknown>;
  readonly query: URLSearchParams;
}

const HANDLERS: Record<OperationName, (store: MeetingStore, r: OperationRequest) => unknown> = {
  CreateMeeting: (store, r) => ({ Meeting: store.createMeeting(createMeetingInput('', r.body)) }),
  CreateMeetingWithAttendees(store, r) {
    const input = createMeetingInput('', r.body);
    const entries = checkAttendeeList(r.body.Attendees, 20);
    const Meeting = store.createMeeting(input);
    return { Meeting, ...store.batchCreateAttendees(Meeting.MeetingId as string, entries) };
  },
  GetMeeting: (store, r) => ({ Meeting: store.getMeeting(r.meetingId) }),
  DeleteMeeting: (store, r) => store.deleteMeeting(r.meetingId),
  CreateAttendee: (store, r) => ({
    Attendee: store.createAttendee(r.meetingId, attendeeItem('', r.body)),
  }),
  BatchCreateAttendee: (store, r) =>
    store.batchCreateAttendees(r.meetingId, checkAttendeeList(r.body.Attendees, 100)),
  GetAttendee: (store, r) => ({ Attendee: store.getAttendee(r.meetingId, r.attendeeId) }),
  ListAttendees: (store, r) => store.listAttendees(r.meetingId, checkListAttendeesQuery(r.query)),
  DeleteAttendee: (store, r) => store.deleteAttendee(r.meetingId, r.attendeeId),
  UpdateAttendeeCapabilities(store, { meetingId, attendeeId, body }) {
    const { Capabilities } = capabilitiesUpdate('', body);
    return { Attendee: store.updateCapabilities(meetingId, Capabilities, { attendeeId })[0] };
  },
  BatchUpdateAttendeeCapabilitiesExcept(store, { meetingId, body }) {
    const { ExcludedAttendeeIds, Capabilities } = batchCapabilitiesUpdate('', body);
    const except = new Set(ExcludedAttendeeIds.map(({ AttendeeId }) => AttendeeId));
    store.updateCapabilities(meetingId, Capabilities, { except });
  },
};

/**
 * Runs one operation against the store and returns the model's status code and JSON output
 * (none for an empty body). Path labels are checked before the body, as the service does;
 * validation and missing resources surface as thrown `ChimeServiceError`s.
 */
export function runOperation(
  store: MeetingStore,
  route: MatchedRoute,
  request: { readonly body: string; readonly query: URLSearchParams },
): { status: number; output: unknown } {
  const [method, , status] = OPERATIONS[route.operation];
  const { meetingId, attendeeId } = route;
  const output = HANDLERS[route.operation](store, {
    meetingId: meetingId === undefined ? '' : checkGuid('MeetingId', meetingId),
    attendeeId: attendeeId === undefined ? '' : checkGuid('AttendeeId', attendeeId),
    body: method === 'POST' || method === 'PUT' ? parseJsonObject(request.body) : {},
    query: request.query,
  });
  return { status, output };
}
