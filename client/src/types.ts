// The API's shapes, each named for its schema in openapi.yaml (test/contract/client-types.test.ts).

/** The GuidString pattern of the Chime SDK Meetings model: what the API takes as an ID. */
export const GUID_PATTERN = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;

export const CAPABILITIES = ['SendReceive', 'Send', 'Receive', 'None'] as const;

export type Capability = (typeof CAPABILITIES)[number];

export interface Capabilities {
  readonly Audio: Capability;
  readonly Video: Capability;
  readonly Content: Capability;
}

export interface Attendee {
  readonly AttendeeId: string;
  readonly ExternalUserId: string;
  /** Only for the attendee's owner, under the deployment's policy `owner`. A secret. */
  readonly JoinToken?: string;
  readonly Capabilities: Capabilities;
  /** The display name from its owner's token, once recorded (given on the attendee route). */
  readonly Name?: string;
}

/** `GET /meetings/{meetingId}/attendees/{attendeeId}`. */
export interface AttendeeResponse {
  readonly Attendee: Attendee;
}

/** An attendee as the roster lists it: never a JoinToken. */
export interface RosterAttendee extends Omit<Attendee, 'JoinToken'> {
  /** `true` for a media pipeline (an `ExternalUserId` starting with `aws:`); absent otherwise. */
  readonly Service?: true;
}

/** `GET /meetings/{meetingId}/roster`. */
export interface RosterResponse {
  readonly Attendees: readonly RosterAttendee[];
}

export interface MediaPlacement {
  readonly AudioHostUrl: string;
  readonly AudioFallbackUrl?: string;
  readonly SignalingUrl: string;
  readonly TurnControlUrl?: string;
  readonly ScreenDataUrl?: string;
  readonly ScreenViewingUrl?: string;
  readonly ScreenSharingUrl?: string;
  readonly EventIngestionUrl?: string;
}

export interface AudioFeatures {
  readonly EchoReduction?: 'AVAILABLE' | 'UNAVAILABLE';
}

export interface VideoFeatures {
  readonly MaxResolution?: 'None' | 'HD' | 'FHD';
}

export interface ContentFeatures {
  readonly MaxResolution?: 'None' | 'FHD' | 'UHD';
}

export interface AttendeeFeatures {
  readonly MaxCount?: number;
}

export interface MeetingFeatures {
  readonly Audio?: AudioFeatures;
  readonly Video?: VideoFeatures;
  readonly Content?: ContentFeatures;
  readonly Attendee?: AttendeeFeatures;
}

export interface Meeting {
  readonly MeetingId: string;
  readonly MeetingHostId?: string;
  readonly ExternalMeetingId?: string;
  readonly MediaRegion: string;
  readonly MediaPlacement: MediaPlacement;
  readonly MeetingFeatures?: MeetingFeatures;
  readonly PrimaryMeetingId?: string;
  readonly TenantIds?: readonly string[];
  readonly MeetingArn?: string;
}

/** `GET …/join-info`: `new MeetingSessionConfiguration(info.Meeting, info.Attendee)`. */
export interface JoinInfo {
  readonly Meeting: Meeting;
  readonly Attendee: Attendee;
}

export const PROBLEM_CODES = [
  'invalid_id',
  'unauthorized',
  'not_found',
  'too_many_requests',
  'upstream_rejected',
  'upstream_credentials',
  'upstream_failure',
  'upstream_malformed',
  'upstream_throttled',
  'upstream_unavailable',
  'identity_provider_unavailable',
  'upstream_timeout',
  'internal_error',
] as const;

/** The `code` of an RFC 9457 problem the API answers with. */
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** An `application/problem+json` body. `title` and `detail` are generic; key on `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly requestId: string;
}

/** An answer of API Gateway itself (`application/json`), not of the function. */
export interface GatewayMessage {
  readonly message: string;
}

/** The code given to a gateway answer, by status; any other status is `gateway_error`. */
export const GATEWAY_CODES = {
  401: 'gateway_unauthorized',
  404: 'gateway_not_found',
  429: 'gateway_throttled',
  500: 'gateway_error',
  503: 'gateway_unavailable',
  504: 'gateway_timeout',
} as const;

export type GatewayCode = (typeof GATEWAY_CODES)[keyof typeof GATEWAY_CODES];

/** No answer, or an answer the contract does not describe (e.g. an HTML error page). */
export type ClientCode = 'network_error' | 'unexpected_response';

export type ApiErrorCode = ProblemCode | GatewayCode | ClientCode;
