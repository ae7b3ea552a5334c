import { randomUUID } from 'node:crypto';
import { InvalidInputError, rethrowAs } from './errors';
import type { MeetingStore } from './store';
import {
  attendeeItem,
  createMeetingInput,
  integer,
  listOf,
  MAX_ATTENDEES,
  meetingFeatures,
  struct,
  text,
  where,
} from './validation';

/**
 * Bulk seeding for benchmarks (`POST /_emulator/seed`): many meetings and attendees straight
 * into the store, validated by the same rules as the API, never rate limited. The README's
 * "Seeding" table documents the request.
 */

/** What to create. */
export interface SeedRequest {
  readonly meetings: number;
  readonly attendeesPerMeeting: number;
  readonly externalUserIdPrefix?: string;
  readonly externalMeetingIdPrefix?: string;
  readonly mediaRegion?: string;
  readonly tenantIds?: readonly string[];
  readonly meetingFeatures?: unknown;
  readonly includeJoinTokens?: boolean;
}

/** One seeded meeting with its attendees, in creation order. */
export interface SeededMeeting {
  readonly MeetingId: string;
  readonly ExternalMeetingId: string;
  readonly MediaRegion: string;
  readonly Attendees: readonly {
    readonly AttendeeId: string;
    readonly ExternalUserId: string;
    readonly JoinToken?: string;
  }[];
}

/** A seed request that cannot be used, with the reason. */
export class InvalidSeedError extends InvalidInputError {}

const SEED_REQUEST = struct<SeedRequest>(
  {
    // At most 1000 meetings: a guard against typos eating the laptop's memory.
    meetings: integer(1, 1000),
    attendeesPerMeeting: integer(0, MAX_ATTENDEES),
    externalUserIdPrefix: text(),
    externalMeetingIdPrefix: text(),
    mediaRegion: text(),
    tenantIds: listOf(0, Infinity, text()),
    meetingFeatures: (_name, value) => value,
    includeJoinTokens: where((value) => typeof value === 'boolean', 'be a boolean'),
  },
  ['meetings', 'attendeesPerMeeting'],
  'seed option',
);

/**
 * Validates the request and creates the meetings and attendees. Everything is validated before
 * anything is created, so a bad request seeds nothing.
 */
export function seedStore(store: MeetingStore, value: unknown): SeededMeeting[] {
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
    meetingInput(count - 1);
    if (perMeeting > 0) attendeeItem('', { ExternalUserId: userId(count - 1, perMeeting - 1) });
    const features = meetingFeatures('MeetingFeatures', request.meetingFeatures ?? {});
    const limit = features.Attendee?.MaxCount ?? MAX_ATTENDEES;
    if (perMeeting > limit) {
      throw new InvalidSeedError(
        `attendeesPerMeeting ${perMeeting} exceeds the meeting's limit of ${limit} attendees`,
      );
    }
  });

  return Array.from({ length: count }, (_, m) => {
    const meeting = store.createMeeting(meetingInput(m));
    const MeetingId = meeting.MeetingId as string;
    const Attendees = Array.from({ length: perMeeting }, (_, a) => {
      const { AttendeeId, ExternalUserId, JoinToken } = store.createAttendee(MeetingId, {
        ExternalUserId: userId(m, a),
      });
      return {
        AttendeeId: AttendeeId as string,
        ExternalUserId: ExternalUserId as string,
        ...(request.includeJoinTokens ? { JoinToken: JoinToken as string } : {}),
      };
    });
    return {
      MeetingId,
      ExternalMeetingId: meeting.ExternalMeetingId as string,
      MediaRegion: meeting.MediaRegion as string,
      Attendees,
    };
  });
}
