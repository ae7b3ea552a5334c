import {
  type AttendeeCapabilities,
  ContentResolution,
  MediaCapabilities,
  MediaPlacementNetworkType,
  MeetingFeatureStatus,
  type MeetingFeaturesConfiguration,
  VideoResolution,
} from '@aws-sdk/client-chime-sdk-meetings';
import { ChimeServiceError } from './errors';
import { isMediaRegion } from './media-placement';

// Checks as the Chime SDK Meetings model declares them, and the documented capability rules.
// Each throws a `BadRequestException`; the admin inputs rethrow it as their own error.
export type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export type Check<T = unknown> = (name: string, value: unknown) => T;

export const fail = (message: string): never => {
  throw new ChimeServiceError('BadRequestException', message);
};

const GUID = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;

export const MAX_ATTENDEES = 250;

export const where =
  <T>(test: (value: unknown) => boolean, must: string) =>
  (name: string, value: unknown): T =>
    test(value) ? (value as T) : fail(`${name} must ${must}`);

export const boolean = where<boolean>((value) => typeof value === 'boolean', 'be a boolean');

/** `reserved`: must not start with `aws:`. */
export const text =
  (min = 0, max = Infinity, pattern = /(?:)/, reserved = false) =>
  (name: string, value: unknown): string => {
    const broken =
      typeof value !== 'string'
        ? 'must be a string'
        : [
            value.length < min && `must be at least ${min} characters long`,
            value.length > max && `must be at most ${max} characters long`,
            !pattern.test(value) && `does not match the pattern ${pattern.source}`,
            reserved && /^aws:/i.test(value) && 'must not begin with the reserved prefix aws:',
          ].find(Boolean);
    return broken ? fail(`${name} ${broken}`) : (value as string);
  };

const oneOf = <T extends string>(allowed: Readonly<Record<string, T>>) =>
  where<T>(
    (value) => Object.values<unknown>(allowed).includes(value),
    `be one of ${Object.values(allowed).join(', ')}`,
  );

export const integer = (min: number, max = Infinity) =>
  where<number>(
    (value) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max,
    `be an integer ${max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`}`,
  );

export const listOf =
  <T>(min: number, max: number, item: Check<T>) =>
  (name: string, value: unknown): T[] => {
    if (!Array.isArray(value)) return fail(`${name} must be a list`);
    if (value.length < min || value.length > max) {
      fail(`${name} must contain between ${min} and ${max} items`);
    }
    return value.map((entry) => item(name, entry));
  };

type Members = Readonly<Record<string, Check>>;
type Struct<M extends Members, R extends keyof M> = { [K in keyof M]?: ReturnType<M[K]> } & {
  [K in R]: ReturnType<M[K]>;
};

/**
 * Null counts as absent, as the service's JSON reader has it. `unknown` names what any other
 * member is (`seed option`), refusing it; without it other members are dropped.
 */
export const struct =
  <M extends Members, R extends keyof M & string = never>(
    members: M,
    required: readonly R[] = [],
    unknown?: string,
  ) =>
  (name: string, value: unknown): Struct<M, R> => {
    if (!isObject(value)) return fail(`${name || 'The body'} must be an object`);
    const extra = Object.keys(value).find((key) => unknown && !Object.hasOwn(members, key));
    if (extra) fail(`Unknown ${unknown} ${extra}; known: ${Object.keys(members).join(', ')}`);
    const output: JsonObject = {};
    for (const [key, check] of Object.entries(members)) {
      const path = name === '' ? key : `${name}.${key}`;
      const member = value[key];
      if (member !== undefined && member !== null) output[key] = check(path, member);
      else if ((required as readonly string[]).includes(key)) fail(`${path} is required`);
    }
    return output as Struct<M, R>;
  };

export const checkGuid = (name: 'MeetingId' | 'AttendeeId', value: string): string =>
  GUID.test(value)
    ? value
    : fail(`Invalid input: ${name} does not match the pattern ${GUID.source}`);

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** An empty body means `{}`. */
export function parseJsonObject(raw: string): JsonObject {
  const parsed = raw.trim() === '' ? {} : parseJson(raw);
  if (parsed === undefined) fail('The request body is not valid JSON');
  return isObject(parsed) ? parsed : fail('The request body must be a JSON object');
}

const externalId = text(2, 64, /^[-_&@+=,(){}[\]/«».:|'"#a-zA-Z0-9À-ÿ\s]*$/u, true);
const arn = text(1, 1024, /^arn[/:\-_.a-zA-Z0-9]+$/);
const tag = struct(
  { Key: text(1, 128, /^[a-zA-Z+-=._:/]+$/), Value: text(0, 256, /^[\s\w+-=.:/@]*$/) },
  ['Key', 'Value'],
);
const capability = oneOf(MediaCapabilities);
const MEDIA = ['Audio', 'Video', 'Content'] as const;
const capabilities = struct({ Audio: capability, Video: capability, Content: capability }, MEDIA);

const meetingFeatures = struct({
  Audio: struct({ EchoReduction: oneOf(MeetingFeatureStatus) }),
  Video: struct({ MaxResolution: oneOf(VideoResolution) }),
  Content: struct({ MaxResolution: oneOf(ContentResolution) }),
  Attendee: struct({ MaxCount: integer(1, MAX_ATTENDEES) }),
});

const mediaRegion = (name: string, value: unknown) => {
  const region = text(2, 64)(name, value);
  return isMediaRegion(region)
    ? region
    : fail(`MediaRegion ${region} is not a supported media Region`);
};

/** A CreateMeeting body, or the meeting part of a CreateMeetingWithAttendees body. */
export const createMeetingInput = struct(
  {
    ClientRequestToken: text(2, 64, /^[-_a-zA-Z0-9]*$/),
    MediaRegion: mediaRegion,
    ExternalMeetingId: externalId,
    MeetingHostId: externalId,
    PrimaryMeetingId: text(2, 64),
    MeetingFeatures: meetingFeatures,
    TenantIds: listOf(1, 5, text(2, 256, /^(?!.*?(.)\1{3})[-_!@#$a-zA-Z0-9]*$/)),
    Tags: listOf(0, 50, tag),
    NotificationsConfiguration: struct({
      LambdaFunctionArn: arn,
      SnsTopicArn: arn,
      SqsQueueArn: arn,
    }),
    MediaPlacementNetworkType: oneOf(MediaPlacementNetworkType),
  },
  ['ClientRequestToken', 'MediaRegion', 'ExternalMeetingId'],
);

export type CreateMeetingInput = ReturnType<typeof createMeetingInput>;

/** CreateAttendee's body or an entry of a batch. */
export const attendeeItem = struct({ ExternalUserId: externalId, Capabilities: capabilities }, [
  'ExternalUserId',
]);

export type AttendeeRequestItem = ReturnType<typeof attendeeItem>;

/** A bad `Attendees` list fails the whole request; a bad entry only fails that entry. */
export const attendeeList = (max: number) =>
  struct({ Attendees: listOf(1, max, (_name, entry) => entry) }, ['Attendees']);

export const capabilitiesUpdate = struct({ Capabilities: capabilities }, ['Capabilities']);

const attendeeId = struct({ AttendeeId: text(0, Infinity, GUID) }, ['AttendeeId']);
export const batchCapabilitiesUpdate = struct(
  {
    ExcludedAttendeeIds: listOf(1, 250, attendeeId),
    Capabilities: capabilities,
  },
  ['ExcludedAttendeeIds', 'Capabilities'],
);

/** ListAttendees' `max-results` (1–100, default 100) and `next-token`. */
export function checkListAttendeesQuery(query: URLSearchParams) {
  const raw = query.get('max-results') ?? '100';
  const maxResults = integer(1, 100)('MaxResults', /^\d+$/.test(raw) ? Number(raw) : raw);
  return { maxResults, nextToken: query.get('next-token') ?? undefined };
}

const RECEIVES = new Set<string>([MediaCapabilities.SEND_RECEIVE, MediaCapabilities.RECEIVE]);

/** The API Reference's rules ("UpdateAttendeeCapabilities"), and the defaults they imply. */
export function resolveCapabilities(
  requested: AttendeeCapabilities | undefined,
  features: MeetingFeaturesConfiguration | undefined,
): AttendeeCapabilities {
  const off = {
    Video: features?.Video?.MaxResolution === VideoResolution.NONE,
    Content: features?.Content?.MaxResolution === ContentResolution.NONE,
  };
  const { NONE, RECEIVE, SEND_RECEIVE } = MediaCapabilities;
  if (requested === undefined) {
    // Documented: content SendReceive needs video to receive at least.
    return {
      Audio: SEND_RECEIVE,
      Video: off.Video ? (off.Content ? NONE : RECEIVE) : SEND_RECEIVE,
      Content: off.Content ? NONE : SEND_RECEIVE,
    };
  }
  for (const media of ['Video', 'Content'] as const) {
    const rule = `${media} capabilities must be None when MeetingFeatures ${media} MaxResolution is None`;
    if (off[media] && requested[media] !== NONE) fail(rule);
  }
  if (RECEIVES.has(requested.Content ?? '') && !RECEIVES.has(requested.Video ?? '')) {
    fail(
      'Content capabilities SendReceive or Receive require Video capabilities SendReceive or Receive',
    );
  }
  return requested;
}
