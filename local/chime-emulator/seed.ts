import { randomUUID } from 'node:crypto';
import { InvalidInputError, rethrowAs } from './errors';
import type { MeetingStore } from './store';
import {
  attendeeItem,
  boolean,
  createMeetingInput,
  integer,
  listOf,
  MAX_ATTENDEES,
  struct,
  text,
} from './validation';

export class InvalidSeedError extends InvalidInputError {}

/** `POST /_emulator/seed`; the README's "Seeding" table documents it. */
const SEED_REQUEST = struct(
  {
    // A guard against typos eating the laptop's memory.
    meetings: integer(1, 1000),
    attendeesPerMeeting: integer(0, MAX_ATTENDEES),
    externalUserIdPrefix: text(),
    externalMeetingIdPrefix: text(),
    mediaRegion: text(),
    tenantIds: listOf(0, Infinity, text()),
    meetingFeatures: (_name, value) => value,
    includeJoinTokens: boolean,
  },
  ['meetings', 'attendeesPerMeeting'],
  'seed option',
);

export type SeedRequest = ReturnType<typeof SEED_REQUEST>;
/** Attendees in creation order. */
export type SeededMeeting = ReturnType<typeof seedStore>[number];

/** By the API's rules but never rate limited; a bad request seeds nothing. */
export function seedStore(store: MeetingStore, value: unknown) {
  const request = rethrowAs(InvalidSeedError, () => SEED_REQUEST('', value));
  const { meetings: count, attendeesPerMeeting: perMeeting } = request;
  const meetingInput = (index: number) =>
    createMeetingInput('', {
      ClientRequestToken: `seed-${randomUUID()}`,
      MediaRegion: request.mediaRegion ?? 'us-east-1',
      ExternalMeetingId: `${request.externalMeetingIdPrefix ?? 'seed'}-${index + 1}`,
      TenantIds: request.tenantIds,
      MeetingFeatures: request.meetingFeatures,
    });
  const userId = (meeting: number, attendee: number) =>
    `${request.externalUserIdPrefix ?? 'user'}-${meeting + 1}-${attendee + 1}`;

  // The longest ids and the limit, up front: the store would refuse them one by one.
  rethrowAs(InvalidSeedError, () => {
    const { MeetingFeatures } = meetingInput(count - 1);
    if (perMeeting > 0) attendeeItem('', { ExternalUserId: userId(count - 1, perMeeting - 1) });
    const limit = MeetingFeatures?.Attendee?.MaxCount ?? MAX_ATTENDEES;
    if (perMeeting > limit) {
      throw new InvalidSeedError(
        `attendeesPerMeeting ${perMeeting} exceeds the meeting's limit of ${limit} attendees`,
      );
    }
  });

  return Array.from({ length: count }, (_, m) => {
    const { MeetingId, ExternalMeetingId, MediaRegion } = store.createMeeting(meetingInput(m));
    const Attendees = Array.from({ length: perMeeting }, (_, a) => {
      const attendee = store.createAttendee(MeetingId, { ExternalUserId: userId(m, a) });
      const { AttendeeId, ExternalUserId, JoinToken } = attendee;
      return { AttendeeId, ExternalUserId, ...(request.includeJoinTokens && { JoinToken }) };
    });
    return { MeetingId, ExternalMeetingId, MediaRegion, Attendees };
  });
}
