import type { MeetingStore } from './store';
import {
  attendeeItem,
  attendeeList,
  batchCapabilitiesUpdate,
  capabilitiesUpdate,
  checkGuid,
  checkListAttendeesQuery,
  createMeetingInput,
  type JsonObject,
  parseJsonObject,
} from './validation';

/** The SDK schemas' `smithy.api#http` traits (API 2021-07-15); a test compares them. */
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

export type OperationName = keyof typeof OPERATIONS;

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
  const labels = path
    .replace('{MeetingId}', '(?<meetingId>[^/]+)')
    .replace('{AttendeeId}', '(?<attendeeId>[^/]+)');
  return {
    operation: operation as OperationName,
    method,
    pattern: new RegExp(`^${labels}$`),
    queryOperation: new URLSearchParams(query).get('operation'),
  };
});

/** The `operation` query parameter is part of the route: only the route declaring it matches. */
export function matchRoute(
  method: string,
  pathname: string,
  query: URLSearchParams,
): MatchedRoute | undefined {
  const path = `/${pathname.split('/').filter(Boolean).join('/')}`;
  const operation = query.get('operation');
  const route = ROUTES.find(
    (r) => r.method === method && r.queryOperation === operation && r.pattern.test(path),
  );
  if (!route) return undefined;
  const labels = Object.entries(route.pattern.exec(path)?.groups ?? {});
  try {
    const decoded = labels.map(([label, raw]) => [label, decodeURIComponent(raw)]);
    return { operation: route.operation, ...Object.fromEntries(decoded) };
  } catch {
    return undefined; // a malformed %-escape
  }
}

interface OperationRequest {
  readonly meetingId: string;
  readonly attendeeId: string;
  readonly body: JsonObject;
  readonly query: URLSearchParams;
}

const HANDLERS: Record<OperationName, (store: MeetingStore, r: OperationRequest) => unknown> = {
  CreateMeeting: (store, r) => ({ Meeting: store.createMeeting(createMeetingInput('', r.body)) }),
  CreateMeetingWithAttendees(store, r) {
    const input = createMeetingInput('', r.body);
    const { Attendees } = attendeeList(20)('', r.body);
    const Meeting = store.createMeeting(input);
    return { Meeting, ...store.batchCreateAttendees(Meeting.MeetingId, Attendees) };
  },
  GetMeeting: (store, r) => ({ Meeting: store.getMeeting(r.meetingId) }),
  DeleteMeeting: (store, r) => store.deleteMeeting(r.meetingId),
  CreateAttendee: (store, r) => ({
    Attendee: store.createAttendee(r.meetingId, attendeeItem('', r.body)),
  }),
  BatchCreateAttendee: (store, r) =>
    store.batchCreateAttendees(r.meetingId, attendeeList(100)('', r.body).Attendees),
  GetAttendee: (store, r) => ({ Attendee: store.getAttendee(r.meetingId, r.attendeeId) }),
  ListAttendees: (store, r) => store.listAttendees(r.meetingId, checkListAttendeesQuery(r.query)),
  DeleteAttendee: (store, r) => store.deleteAttendee(r.meetingId, r.attendeeId),
  UpdateAttendeeCapabilities(store, { meetingId, attendeeId, body }) {
    const { Capabilities } = capabilitiesUpdate('', body);
    store.getAttendee(meetingId, attendeeId); // a 404 before the capability rules
    const [Attendee] = store.updateCapabilities(meetingId, Capabilities, (id) => id === attendeeId);
    return { Attendee };
  },
  BatchUpdateAttendeeCapabilitiesExcept(store, { meetingId, body }) {
    const { ExcludedAttendeeIds, Capabilities } = batchCapabilitiesUpdate('', body);
    const except = new Set(ExcludedAttendeeIds.map(({ AttendeeId }) => AttendeeId));
    store.updateCapabilities(meetingId, Capabilities, (id) => !except.has(id));
  },
};

/** Path labels are checked before the body, as the service does. Throws `ChimeServiceError`s. */
export function runOperation(
  store: MeetingStore,
  route: MatchedRoute,
  body = '',
  query = new URLSearchParams(),
): { status: number; output: unknown } {
  const [method, , status] = OPERATIONS[route.operation];
  const { meetingId, attendeeId } = route;
  const output = HANDLERS[route.operation](store, {
    meetingId: meetingId === undefined ? '' : checkGuid('MeetingId', meetingId),
    attendeeId: attendeeId === undefined ? '' : checkGuid('AttendeeId', attendeeId),
    body: method === 'POST' || method === 'PUT' ? parseJsonObject(body) : {},
    query,
  });
  return { status, output };
}
