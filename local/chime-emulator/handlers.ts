import { badRequest } from './errors';
import { type MatchedRoute, OPERATIONS } from './routes';
import type { MeetingStore } from './store';
import {
  checkAttendeeItem,
  checkAttendeeList,
  checkBatchCapabilitiesUpdate,
  checkCapabilitiesUpdate,
  checkCreateMeeting,
  checkGuid,
  checkListAttendeesQuery,
  LIMITS,
  parseJsonObject,
} from './validation';

/** A successful operation result: the model's status code and the JSON output, if any. */
export interface OperationResult {
  readonly status: number;
  readonly output?: unknown;
}

/** The parts of an HTTP request an operation reads. */
export interface OperationRequest {
  readonly body: string;
  readonly query: URLSearchParams;
}

const meetingIdOf = (route: MatchedRoute): string => {
  if (route.meetingId === undefined) throw badRequest('MeetingId is required');
  return checkGuid('MeetingId', route.meetingId);
};

const attendeeIdOf = (route: MatchedRoute): string => {
  if (route.attendeeId === undefined) throw badRequest('AttendeeId is required');
  return checkGuid('AttendeeId', route.attendeeId);
};

/**
 * Runs one operation against the store. Validation and missing resources surface as thrown
 * `ChimeServiceError`s, which the server turns into AWS error responses.
 */
export function runOperation(
  store: MeetingStore,
  route: MatchedRoute,
  request: OperationRequest,
): OperationResult {
  const ok = (output?: unknown): OperationResult => ({
    status: OPERATIONS[route.operation].code,
    ...(output === undefined ? {} : { output }),
  });
  switch (route.operation) {
    case 'CreateMeeting': {
      const input = checkCreateMeeting(parseJsonObject(request.body));
      return ok({ Meeting: store.createMeeting(input) });
    }
    case 'CreateMeetingWithAttendees': {
      const body = parseJsonObject(request.body);
      const input = checkCreateMeeting(body);
      const entries = checkAttendeeList(body.Attendees, LIMITS.createMeetingWithAttendees);
      const meeting = store.createMeeting(input);
      const { attendees, errors } = store.batchCreateAttendees(
        meeting.MeetingId as string,
        entries,
      );
      return ok({ Meeting: meeting, Attendees: attendees, Errors: errors });
    }
    case 'GetMeeting':
      return ok({ Meeting: store.getMeeting(meetingIdOf(route)) });
    case 'DeleteMeeting':
      store.deleteMeeting(meetingIdOf(route));
      return ok();
    case 'CreateAttendee': {
      const meetingId = meetingIdOf(route);
      const item = checkAttendeeItem(parseJsonObject(request.body));
      return ok({ Attendee: store.createAttendee(meetingId, item) });
    }
    case 'BatchCreateAttendee': {
      const meetingId = meetingIdOf(route);
      const body = parseJsonObject(request.body);
      const entries = checkAttendeeList(body.Attendees, LIMITS.batchCreateAttendees);
      const { attendees, errors } = store.batchCreateAttendees(meetingId, entries);
      return ok({ Attendees: attendees, Errors: errors });
    }
    case 'GetAttendee': {
      const meetingId = meetingIdOf(route);
      return ok({ Attendee: store.getAttendee(meetingId, attendeeIdOf(route)) });
    }
    case 'ListAttendees': {
      const meetingId = meetingIdOf(route);
      const { attendees, nextToken } = store.listAttendees(
        meetingId,
        checkListAttendeesQuery(request.query),
      );
      return ok(
        nextToken === undefined
          ? { Attendees: attendees }
          : { Attendees: attendees, NextToken: nextToken },
      );
    }
    case 'DeleteAttendee': {
      const meetingId = meetingIdOf(route);
      store.deleteAttendee(meetingId, attendeeIdOf(route));
      return ok();
    }
    case 'UpdateAttendeeCapabilities': {
      const meetingId = meetingIdOf(route);
      const attendeeId = attendeeIdOf(route);
      const capabilities = checkCapabilitiesUpdate(parseJsonObject(request.body));
      return ok({
        Attendee: store.updateAttendeeCapabilities(meetingId, attendeeId, capabilities),
      });
    }
    case 'BatchUpdateAttendeeCapabilitiesExcept': {
      const meetingId = meetingIdOf(route);
      const { excludedAttendeeIds, capabilities } = checkBatchCapabilitiesUpdate(
        parseJsonObject(request.body),
      );
      store.updateAttendeeCapabilitiesExcept(meetingId, excludedAttendeeIds, capabilities);
      return ok();
    }
  }
}
