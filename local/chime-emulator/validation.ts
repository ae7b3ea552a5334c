import {
  type AttendeeCapabilities,
  ContentResolution,
  MediaCapabilities,
  MediaPlacementNetworkType,
  MeetingFeatureStatus,
  type MeetingFeaturesConfiguration,
  VideoResolution,
} from '@aws-sdk/client-chime-sdk-meetings';
import { badRequest } from './errors';
import { GUID_PATTERN } from './ids';
import { isMediaRegion, type MediaRegion } from './media-placement';

/**
 * Input validation as the Chime SDK Meetings model declares it (required members, lengths,
 * patterns, enums, list sizes) plus the documented capability rules. Every function is pure and
 * throws a `BadRequestException` on the first violation.
 */

/** Validated CreateMeeting input, the members the emulator keeps. */
export interface CreateMeetingInput {
  readonly clientRequestToken: string;
  readonly mediaRegion: MediaRegion;
  readonly externalMeetingId: string;
  readonly meetingHostId?: string;
  readonly meetingFeatures?: MeetingFeaturesConfiguration;
  readonly primaryMeetingId?: string;
  readonly tenantIds: readonly string[];
}

/** One attendee to create: CreateAttendee's body or an entry of a batch. */
export interface AttendeeRequestItem {
  readonly externalUserId: string;
  readonly capabilities?: AttendeeCapabilities;
}

/** A batch entry after validation: either usable or the reason it was refused. */
export type BatchEntry =
  | { readonly ok: true; readonly item: AttendeeRequestItem }
  | { readonly ok: false; readonly externalUserId?: string; readonly message: string };

/** Validated ListAttendees query parameters. */
export interface ListAttendeesQuery {
  readonly maxResults: number;
  readonly nextToken?: string;
}

/** Model limits the emulator enforces. */
export const LIMITS = {
  batchCreateAttendees: 100,
  createMeetingWithAttendees: 20,
  listAttendeesMaxResults: 100,
  attendeesPerMeeting: 250,
  tenantIds: 5,
  tags: 50,
  excludedAttendeeIds: 250,
} as const;

// The documented ExternalUserId / ExternalMeetingId character set.
const EXTERNAL_ID_PATTERN = /^[-_&@+=,(){}[\]/«».:|'"#a-zA-Z0-9À-ÿ\s]*$/u;
const CLIENT_REQUEST_TOKEN_PATTERN = /^[-_a-zA-Z0-9]*$/;
const TENANT_ID_PATTERN = /^(?!.*?(.)\1{3})[-_!@#$a-zA-Z0-9]*$/;
const ARN_PATTERN = /^arn[/:\-_.a-zA-Z0-9]+$/;
const TAG_KEY_PATTERN = /^[a-zA-Z+-=._:/]+$/;
const TAG_VALUE_PATTERN = /^[\s\w+-=.:/@]*$/;
const RESERVED_PREFIX = /^aws:/i;

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

interface StringRule {
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  readonly reservedPrefix?: boolean;
}

function checkString(name: string, value: unknown, rule: StringRule): string {
  if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
  if (rule.min !== undefined && value.length < rule.min) {
    throw badRequest(`${name} must be at least ${rule.min} characters long`);
  }
  if (rule.max !== undefined && value.length > rule.max) {
    throw badRequest(`${name} must be at most ${rule.max} characters long`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    throw badRequest(`${name} does not match the pattern ${rule.pattern.source}`);
  }
  if (rule.reservedPrefix && RESERVED_PREFIX.test(value)) {
    throw badRequest(`${name} must not begin with the reserved prefix aws:`);
  }
  return value;
}

function requiredString(body: JsonObject, name: string, rule: StringRule): string {
  if (body[name] === undefined || body[name] === null) throw badRequest(`${name} is required`);
  return checkString(name, body[name], rule);
}

function optionalString(body: JsonObject, name: string, rule: StringRule): string | undefined {
  return body[name] === undefined || body[name] === null
    ? undefined
    : checkString(name, body[name], rule);
}

function checkEnum<T extends string>(
  name: string,
  value: unknown,
  allowed: Readonly<Record<string, T>>,
): T {
  const values: readonly string[] = Object.values(allowed);
  if (typeof value !== 'string' || !values.includes(value)) {
    throw badRequest(`${name} must be one of ${values.join(', ')}`);
  }
  return value as T;
}

function checkList(name: string, value: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw badRequest(`${name} must be a list`);
  if (value.length < min || value.length > max) {
    throw badRequest(`${name} must contain between ${min} and ${max} items`);
  }
  return value;
}

const EXTERNAL_USER_ID: StringRule = {
  min: 2,
  max: 64,
  pattern: EXTERNAL_ID_PATTERN,
  reservedPrefix: true,
};

/** Checks a MeetingId or AttendeeId path label against the model's `GuidString` pattern. */
export function checkGuid(name: 'MeetingId' | 'AttendeeId', value: string): string {
  if (!GUID_PATTERN.test(value)) {
    throw badRequest(`Invalid input: ${name} does not match the pattern ${GUID_PATTERN.source}`);
  }
  return value;
}

/** Parses a request body: empty means `{}`, anything but a JSON object is refused. */
export function parseJsonObject(raw: string): JsonObject {
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
  if (!isObject(parsed)) throw badRequest('The request body must be a JSON object');
  return parsed;
}

/** Validates `Capabilities`: the structure requires Audio, Video and Content. */
function checkCapabilities(value: unknown): AttendeeCapabilities {
  if (!isObject(value)) throw badRequest('Capabilities must be an object');
  const member = (name: 'Audio' | 'Video' | 'Content') => {
    if (value[name] === undefined || value[name] === null) {
      throw badRequest(`Capabilities.${name} is required`);
    }
    return checkEnum(`Capabilities.${name}`, value[name], MediaCapabilities);
  };
  return { Audio: member('Audio'), Video: member('Video'), Content: member('Content') };
}

/** Validates `MeetingFeatures`, keeping only the members the model defines. */
export function checkMeetingFeatures(value: unknown): MeetingFeaturesConfiguration {
  if (!isObject(value)) throw badRequest('MeetingFeatures must be an object');
  const features: MeetingFeaturesConfiguration = {};
  const section = (name: string): JsonObject | undefined => {
    const part = value[name];
    if (part === undefined || part === null) return undefined;
    if (!isObject(part)) throw badRequest(`MeetingFeatures.${name} must be an object`);
    return part;
  };
  const audio = section('Audio');
  if (audio) {
    features.Audio =
      audio.EchoReduction === undefined
        ? {}
        : {
            EchoReduction: checkEnum(
              'MeetingFeatures.Audio.EchoReduction',
              audio.EchoReduction,
              MeetingFeatureStatus,
            ),
          };
  }
  const video = section('Video');
  if (video) {
    features.Video =
      video.MaxResolution === undefined
        ? {}
        : {
            MaxResolution: checkEnum(
              'MeetingFeatures.Video.MaxResolution',
              video.MaxResolution,
              VideoResolution,
            ),
          };
  }
  const content = section('Content');
  if (content) {
    features.Content =
      content.MaxResolution === undefined
        ? {}
        : {
            MaxResolution: checkEnum(
              'MeetingFeatures.Content.MaxResolution',
              content.MaxResolution,
              ContentResolution,
            ),
          };
  }
  const attendee = section('Attendee');
  if (attendee) {
    const maxCount = attendee.MaxCount;
    if (maxCount === undefined) {
      features.Attendee = {};
    } else if (
      typeof maxCount !== 'number' ||
      !Number.isInteger(maxCount) ||
      maxCount < 1 ||
      maxCount > LIMITS.attendeesPerMeeting
    ) {
      throw badRequest(
        `MeetingFeatures.Attendee.MaxCount must be an integer from 1 to ${LIMITS.attendeesPerMeeting}`,
      );
    } else {
      features.Attendee = { MaxCount: maxCount };
    }
  }
  return features;
}

function checkTags(value: unknown): void {
  for (const tag of checkList('Tags', value, 0, LIMITS.tags)) {
    if (!isObject(tag)) throw badRequest('Each of Tags must be an object');
    requiredString(tag, 'Key', { min: 1, max: 128, pattern: TAG_KEY_PATTERN });
    requiredString(tag, 'Value', { min: 0, max: 256, pattern: TAG_VALUE_PATTERN });
  }
}

function checkNotifications(value: unknown): void {
  if (!isObject(value)) throw badRequest('NotificationsConfiguration must be an object');
  for (const name of ['LambdaFunctionArn', 'SnsTopicArn', 'SqsQueueArn']) {
    optionalString(value, name, { min: 1, max: 1024, pattern: ARN_PATTERN });
  }
}

/** Validates a CreateMeeting (or the meeting part of a CreateMeetingWithAttendees) body. */
export function checkCreateMeeting(body: JsonObject): CreateMeetingInput {
  const clientRequestToken = requiredString(body, 'ClientRequestToken', {
    min: 2,
    max: 64,
    pattern: CLIENT_REQUEST_TOKEN_PATTERN,
  });
  const mediaRegion = requiredString(body, 'MediaRegion', { min: 2, max: 64 });
  if (!isMediaRegion(mediaRegion)) {
    throw badRequest(`MediaRegion ${mediaRegion} is not a supported media Region`);
  }
  const externalMeetingId = requiredString(body, 'ExternalMeetingId', EXTERNAL_USER_ID);
  const meetingHostId = optionalString(body, 'MeetingHostId', EXTERNAL_USER_ID);
  const primaryMeetingId = optionalString(body, 'PrimaryMeetingId', { min: 2, max: 64 });
  const meetingFeatures =
    body.MeetingFeatures === undefined || body.MeetingFeatures === null
      ? undefined
      : checkMeetingFeatures(body.MeetingFeatures);
  const tenantIds =
    body.TenantIds === undefined || body.TenantIds === null
      ? []
      : checkList('TenantIds', body.TenantIds, 1, LIMITS.tenantIds).map((id) =>
          checkString('TenantIds', id, { min: 2, max: 256, pattern: TENANT_ID_PATTERN }),
        );
  if (body.Tags !== undefined && body.Tags !== null) checkTags(body.Tags);
  if (body.NotificationsConfiguration !== undefined && body.NotificationsConfiguration !== null) {
    checkNotifications(body.NotificationsConfiguration);
  }
  if (body.MediaPlacementNetworkType !== undefined && body.MediaPlacementNetworkType !== null) {
    checkEnum(
      'MediaPlacementNetworkType',
      body.MediaPlacementNetworkType,
      MediaPlacementNetworkType,
    );
  }
  return {
    clientRequestToken,
    mediaRegion,
    externalMeetingId,
    tenantIds,
    ...(meetingHostId === undefined ? {} : { meetingHostId }),
    ...(primaryMeetingId === undefined ? {} : { primaryMeetingId }),
    ...(meetingFeatures === undefined ? {} : { meetingFeatures }),
  };
}

/** Validates one attendee to create (CreateAttendee's body or a batch entry). */
export function checkAttendeeItem(body: JsonObject): AttendeeRequestItem {
  const externalUserId = requiredString(body, 'ExternalUserId', EXTERNAL_USER_ID);
  const capabilities =
    body.Capabilities === undefined || body.Capabilities === null
      ? undefined
      : checkCapabilities(body.Capabilities);
  return capabilities === undefined ? { externalUserId } : { externalUserId, capabilities };
}

/**
 * Validates the `Attendees` list of BatchCreateAttendee (1–100) or CreateMeetingWithAttendees
 * (1–20). A bad list fails the whole request; a bad entry only fails that entry.
 */
export function checkAttendeeList(value: unknown, max: number): BatchEntry[] {
  if (value === undefined || value === null) throw badRequest('Attendees is required');
  return checkList('Attendees', value, 1, max).map((entry): BatchEntry => {
    if (!isObject(entry)) return { ok: false, message: 'Each attendee must be an object' };
    try {
      return { ok: true, item: checkAttendeeItem(entry) };
    } catch (error) {
      const externalUserId =
        typeof entry.ExternalUserId === 'string' ? entry.ExternalUserId : undefined;
      return {
        ok: false,
        message: (error as Error).message,
        ...(externalUserId === undefined ? {} : { externalUserId }),
      };
    }
  });
}

/** Validates an UpdateAttendeeCapabilities body: `Capabilities` is required. */
export function checkCapabilitiesUpdate(body: JsonObject): AttendeeCapabilities {
  if (body.Capabilities === undefined || body.Capabilities === null) {
    throw badRequest('Capabilities is required');
  }
  return checkCapabilities(body.Capabilities);
}

/** Validated BatchUpdateAttendeeCapabilitiesExcept input. */
export interface BatchCapabilitiesUpdate {
  readonly excludedAttendeeIds: ReadonlySet<string>;
  readonly capabilities: AttendeeCapabilities;
}

/**
 * Validates a BatchUpdateAttendeeCapabilitiesExcept body: `ExcludedAttendeeIds` holds 1–250
 * `{ AttendeeId }` items, each a GUID, and `Capabilities` is required (API Reference,
 * https://docs.aws.amazon.com/chime-sdk/latest/APIReference/API_meeting-chime_BatchUpdateAttendeeCapabilitiesExcept.html).
 * An excluded id that names no attendee is not an error: it excludes nobody (our assumption).
 */
export function checkBatchCapabilitiesUpdate(body: JsonObject): BatchCapabilitiesUpdate {
  if (body.ExcludedAttendeeIds === undefined || body.ExcludedAttendeeIds === null) {
    throw badRequest('ExcludedAttendeeIds is required');
  }
  const items = checkList(
    'ExcludedAttendeeIds',
    body.ExcludedAttendeeIds,
    1,
    LIMITS.excludedAttendeeIds,
  );
  const excludedAttendeeIds = new Set(
    items.map((item) => {
      if (!isObject(item)) throw badRequest('Each of ExcludedAttendeeIds must be an object');
      if (item.AttendeeId === undefined || item.AttendeeId === null) {
        throw badRequest('ExcludedAttendeeIds.AttendeeId is required');
      }
      return checkString('ExcludedAttendeeIds.AttendeeId', item.AttendeeId, {
        pattern: GUID_PATTERN,
      });
    }),
  );
  return { excludedAttendeeIds, capabilities: checkCapabilitiesUpdate(body) };
}

/** Validates ListAttendees' `max-results` and `next-token` query parameters. */
export function checkListAttendeesQuery(query: URLSearchParams): ListAttendeesQuery {
  const rawMax = query.get('max-results');
  let maxResults: number = LIMITS.listAttendeesMaxResults;
  if (rawMax !== null) {
    maxResults = /^\d+$/.test(rawMax) ? Number(rawMax) : Number.NaN;
    if (!(maxResults >= 1 && maxResults <= LIMITS.listAttendeesMaxResults)) {
      throw badRequest(`MaxResults must be an integer from 1 to ${LIMITS.listAttendeesMaxResults}`);
    }
  }
  const nextToken = query.get('next-token') ?? undefined;
  return nextToken === undefined ? { maxResults } : { maxResults, nextToken };
}

const RECEIVES = new Set<string>([MediaCapabilities.SEND_RECEIVE, MediaCapabilities.RECEIVE]);

/**
 * The capabilities an attendee gets: SendReceive on everything unless the meeting turned video
 * or content off, and the documented corner cases enforced on explicit requests (CreateAttendee,
 * the batches, UpdateAttendeeCapabilities, BatchUpdateAttendeeCapabilitiesExcept). The corner
 * cases are the API Reference's, "UpdateAttendeeCapabilities"
 * (https://docs.aws.amazon.com/chime-sdk/latest/APIReference/API_meeting-chime_UpdateAttendeeCapabilities.html):
 * Video (Content) other than `None` is rejected with a 400 when the meeting's
 * `MeetingFeatures` Video (Content) `MaxResolution` is `None`, and Content `SendReceive` or
 * `Receive` needs Video `SendReceive` or `Receive`.
 */
export function resolveCapabilities(
  requested: AttendeeCapabilities | undefined,
  features: MeetingFeaturesConfiguration | undefined,
): AttendeeCapabilities {
  const videoOff = features?.Video?.MaxResolution === VideoResolution.NONE;
  const contentOff = features?.Content?.MaxResolution === ContentResolution.NONE;
  if (requested === undefined) {
    // Documented: with video off but content on, video defaults to Receive because content
    // SendReceive needs video to receive at least.
    return {
      Audio: MediaCapabilities.SEND_RECEIVE,
      Video: videoOff
        ? contentOff
          ? MediaCapabilities.NONE
          : MediaCapabilities.RECEIVE
        : MediaCapabilities.SEND_RECEIVE,
      Content: contentOff ? MediaCapabilities.NONE : MediaCapabilities.SEND_RECEIVE,
    };
  }
  if (videoOff && requested.Video !== MediaCapabilities.NONE) {
    throw badRequest(
      'Video capabilities must be None when MeetingFeatures Video MaxResolution is None',
    );
  }
  if (contentOff && requested.Content !== MediaCapabilities.NONE) {
    throw badRequest(
      'Content capabilities must be None when MeetingFeatures Content MaxResolution is None',
    );
  }
  if (RECEIVES.has(requested.Content ?? '') && !RECEIVES.has(requested.Video ?? '')) {
    throw badRequest(
      'Content capabilities SendReceive or Receive require Video capabilities SendReceive or Receive',
    );
  }
  return requested;
}
