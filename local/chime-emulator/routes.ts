/**
 * The HTTP bindings of the emulated operations, copied from the `smithy.api#http` traits in the
 * SDK's generated schemas (`@aws-sdk/client-chime-sdk-meetings/dist-es/schemas/schemas_0.js`),
 * API version 2021-07-15. A test checks this table against the installed SDK.
 */
export const OPERATIONS = {
  BatchCreateAttendee: {
    method: 'POST',
    uri: '/meetings/{MeetingId}/attendees?operation=batch-create',
    code: 200,
  },
  BatchUpdateAttendeeCapabilitiesExcept: {
    method: 'PUT',
    uri: '/meetings/{MeetingId}/attendees/capabilities?operation=batch-update-except',
    code: 200,
  },
  CreateAttendee: { method: 'POST', uri: '/meetings/{MeetingId}/attendees', code: 200 },
  CreateMeeting: { method: 'POST', uri: '/meetings', code: 200 },
  CreateMeetingWithAttendees: {
    method: 'POST',
    uri: '/meetings?operation=create-attendees',
    code: 200,
  },
  DeleteAttendee: {
    method: 'DELETE',
    uri: '/meetings/{MeetingId}/attendees/{AttendeeId}',
    code: 204,
  },
  DeleteMeeting: { method: 'DELETE', uri: '/meetings/{MeetingId}', code: 204 },
  GetAttendee: { method: 'GET', uri: '/meetings/{MeetingId}/attendees/{AttendeeId}', code: 200 },
  GetMeeting: { method: 'GET', uri: '/meetings/{MeetingId}', code: 200 },
  ListAttendees: { method: 'GET', uri: '/meetings/{MeetingId}/attendees', code: 200 },
  UpdateAttendeeCapabilities: {
    method: 'PUT',
    uri: '/meetings/{MeetingId}/attendees/{AttendeeId}/capabilities',
    code: 200,
  },
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

interface CompiledRoute {
  readonly operation: OperationName;
  readonly method: string;
  readonly segments: readonly string[];
  readonly staticOperation: string | undefined;
}

const COMPILED: readonly CompiledRoute[] = Object.entries(OPERATIONS).map(([name, http]) => {
  const [path = '', query] = http.uri.split('?');
  return {
    operation: name as OperationName,
    method: http.method,
    segments: path.split('/').filter(Boolean),
    staticOperation:
      query === undefined ? undefined : (new URLSearchParams(query).get('operation') ?? undefined),
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
  const segments = pathname.split('/').filter(Boolean);
  const requestedOperation = query.get('operation') ?? undefined;
  for (const route of COMPILED) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    if (route.staticOperation !== requestedOperation) continue;
    const labels = new Map<string, string>();
    const matches = route.segments.every((expected, index) => {
      const actual = decodeSegment(segments[index] ?? '');
      if (actual === undefined) return false;
      if (expected.startsWith('{') && expected.endsWith('}')) {
        labels.set(expected.slice(1, -1), actual);
        return actual.length > 0;
      }
      return expected === actual;
    });
    if (!matches) continue;
    const meetingId = labels.get('MeetingId');
    const attendeeId = labels.get('AttendeeId');
    return {
      operation: route.operation,
      ...(meetingId === undefined ? {} : { meetingId }),
      ...(attendeeId === undefined ? {} : { attendeeId }),
    };
  }
  return undefined;
}
