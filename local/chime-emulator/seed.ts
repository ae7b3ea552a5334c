import { ChimeServiceError } from './errors';
import { newId } from './ids';
import type { MeetingStore } from './store';
import { checkAttendeeItem, checkCreateMeeting, checkMeetingFeatures, LIMITS } from './validation';

/**
 * Bulk seeding for benchmarks (`POST /_emulator/seed`): many meetings and attendees straight
 * into the store, validated by the same rules as the API, never rate limited.
 */

/** What to create. */
export interface SeedRequest {
  /** How many meetings, 1–1000. */
  readonly meetings: number;
  /** Attendees in each meeting, 0 up to the meeting's limit (250, or MeetingFeatures.Attendee.MaxCount). */
  readonly attendeesPerMeeting: number;
  /** ExternalUserIds are `<prefix>-<meeting>-<attendee>`, both 1-based (default `user`). */
  readonly externalUserIdPrefix?: string;
  /** ExternalMeetingIds are `<prefix>-<meeting>` (default `seed`). */
  readonly externalMeetingIdPrefix?: string;
  /** Default `us-east-1`. */
  readonly mediaRegion?: string;
  readonly tenantIds?: readonly string[];
  readonly meetingFeatures?: unknown;
  /** Also return each attendee's JoinToken (default false). */
  readonly includeJoinTokens?: boolean;
}

/** One seeded attendee. */
interface SeededAttendee {
  readonly AttendeeId: string;
  readonly ExternalUserId: string;
  readonly JoinToken?: string;
}

/** One seeded meeting with its attendees, in creation order. */
export interface SeededMeeting {
  readonly MeetingId: string;
  readonly ExternalMeetingId: string;
  readonly MediaRegion: string;
  readonly Attendees: readonly SeededAttendee[];
}

/** A seed request that cannot be used, with the reason. */
export class InvalidSeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSeedError';
  }
}

/** The most meetings one request may seed; a guard against typos eating the laptop's memory. */
const MAX_SEED_MEETINGS = 1000;

const KNOWN_KEYS = new Set([
  'meetings',
  'attendeesPerMeeting',
  'externalUserIdPrefix',
  'externalMeetingIdPrefix',
  'mediaRegion',
  'tenantIds',
  'meetingFeatures',
  'includeJoinTokens',
]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const integerIn = (name: string, value: unknown, min: number, max: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidSeedError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
};

const optionalString = (name: string, value: unknown): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidSeedError(`${name} must be a string`);
  return value;
};

/** Validates a seed request from JSON or code. */
export function parseSeedRequest(value: unknown): SeedRequest {
  if (!isObject(value)) throw new InvalidSeedError('The seed request must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!KNOWN_KEYS.has(key)) throw new InvalidSeedError(`Unknown seed option ${key}`);
  }
  const externalUserIdPrefix = optionalString('externalUserIdPrefix', value.externalUserIdPrefix);
  const externalMeetingIdPrefix = optionalString(
    'externalMeetingIdPrefix',
    value.externalMeetingIdPrefix,
  );
  const mediaRegion = optionalString('mediaRegion', value.mediaRegion);
  if (
    value.tenantIds !== undefined &&
    !(Array.isArray(value.tenantIds) && value.tenantIds.every((id) => typeof id === 'string'))
  ) {
    throw new InvalidSeedError('tenantIds must be a list of strings');
  }
  if (value.includeJoinTokens !== undefined && typeof value.includeJoinTokens !== 'boolean') {
    throw new InvalidSeedError('includeJoinTokens must be a boolean');
  }
  return {
    meetings: integerIn('meetings', value.meetings, 1, MAX_SEED_MEETINGS),
    attendeesPerMeeting: integerIn(
      'attendeesPerMeeting',
      value.attendeesPerMeeting,
      0,
      LIMITS.attendeesPerMeeting,
    ),
    ...(externalUserIdPrefix === undefined ? {} : { externalUserIdPrefix }),
    ...(externalMeetingIdPrefix === undefined ? {} : { externalMeetingIdPrefix }),
    ...(mediaRegion === undefined ? {} : { mediaRegion }),
    ...(value.tenantIds === undefined ? {} : { tenantIds: value.tenantIds as string[] }),
    ...(value.meetingFeatures === undefined ? {} : { meetingFeatures: value.meetingFeatures }),
    ...(value.includeJoinTokens === undefined
      ? {}
      : { includeJoinTokens: value.includeJoinTokens }),
  };
}

const invalid = (error: unknown): never => {
  if (error instanceof ChimeServiceError) throw new InvalidSeedError(error.message);
  throw error;
};

/**
 * Creates the meetings and attendees. Everything is validated before anything is created, so
 * a bad request seeds nothing.
 */
export function seedStore(store: MeetingStore, request: SeedRequest): SeededMeeting[] {
  const userPrefix = request.externalUserIdPrefix ?? 'user';
  const meetingPrefix = request.externalMeetingIdPrefix ?? 'seed';
  const meetingInput = (index: number) => {
    try {
      return checkCreateMeeting({
        ClientRequestToken: `seed-${newId()}`,
        MediaRegion: request.mediaRegion ?? 'us-east-1',
        ExternalMeetingId: `${meetingPrefix}-${index + 1}`,
        ...(request.tenantIds === undefined ? {} : { TenantIds: request.tenantIds }),
        ...(request.meetingFeatures === undefined
          ? {}
          : { MeetingFeatures: request.meetingFeatures }),
      });
    } catch (error) {
      return invalid(error);
    }
  };
  const userId = (meeting: number, attendee: number) =>
    `${userPrefix}-${meeting + 1}-${attendee + 1}`;

  // Check the longest ids and the limit up front: the store would refuse them one by one.
  meetingInput(request.meetings - 1);
  try {
    if (request.attendeesPerMeeting > 0) {
      checkAttendeeItem({
        ExternalUserId: userId(request.meetings - 1, request.attendeesPerMeeting - 1),
      });
    }
  } catch (error) {
    invalid(error);
  }
  const features =
    request.meetingFeatures === undefined
      ? undefined
      : checkMeetingFeatures(request.meetingFeatures);
  const limit = features?.Attendee?.MaxCount ?? LIMITS.attendeesPerMeeting;
  if (request.attendeesPerMeeting > limit) {
    throw new InvalidSeedError(
      `attendeesPerMeeting ${request.attendeesPerMeeting} exceeds the meeting's limit of ${limit} attendees`,
    );
  }

  const seeded: SeededMeeting[] = [];
  for (let m = 0; m < request.meetings; m += 1) {
    const meeting = store.createMeeting(meetingInput(m));
    const meetingId = meeting.MeetingId as string;
    const attendees: SeededAttendee[] = [];
    for (let a = 0; a < request.attendeesPerMeeting; a += 1) {
      const attendee = store.createAttendee(meetingId, { externalUserId: userId(m, a) });
      attendees.push({
        AttendeeId: attendee.AttendeeId as string,
        ExternalUserId: attendee.ExternalUserId as string,
        ...(request.includeJoinTokens ? { JoinToken: attendee.JoinToken as string } : {}),
      });
    }
    seeded.push({
      MeetingId: meetingId,
      ExternalMeetingId: meeting.ExternalMeetingId as string,
      MediaRegion: meeting.MediaRegion as string,
      Attendees: attendees,
    });
  }
  return seeded;
}
