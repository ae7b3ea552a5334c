import type { GetMeetingCommandOutput, Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import { UpstreamResponseError } from '../errors/errors';

const MEDIA_PLACEMENT_FIELDS = [
  'AudioHostUrl',
  'AudioFallbackUrl',
  'SignalingUrl',
  'TurnControlUrl',
  'ScreenDataUrl',
  'ScreenViewingUrl',
  'ScreenSharingUrl',
  'EventIngestionUrl',
] as const;

const MEETING_FIELDS = [
  'MeetingId',
  'MeetingHostId',
  'ExternalMeetingId',
  'MediaRegion',
  'MeetingFeatures',
  'PrimaryMeetingId',
  'TenantIds',
  'MeetingArn',
] as const;

/** The documented fields of GetMeeting's `Meeting`, as `MeetingSessionConfiguration` takes it. */
type MeetingView = Pick<Meeting, (typeof MEETING_FIELDS)[number]> & {
  MeetingId: string;
  MediaRegion: string;
  MediaPlacement: Partial<Record<(typeof MEDIA_PLACEMENT_FIELDS)[number], string>>;
};

const picked = <T>(from: T, fields: readonly (keyof T)[], kept: (value: unknown) => boolean) =>
  Object.fromEntries(
    fields.filter((field) => kept(from[field])).map((field) => [field, from[field]]),
  );

/** The meeting of a GetMeeting answer checked against the request (OWASP API10), cut down. */
export function meetingView(output: Pick<GetMeetingCommandOutput, 'Meeting'>, meetingId: string) {
  const meeting = output.Meeting;
  if (!meeting) throw new UpstreamResponseError('Meeting is missing');
  if (typeof meeting.MeetingId !== 'string' || meeting.MeetingId.toLowerCase() !== meetingId) {
    throw new UpstreamResponseError('Meeting.MeetingId differs from the requested one');
  }
  if (typeof meeting.MediaRegion !== 'string') {
    throw new UpstreamResponseError('Meeting.MediaRegion is missing');
  }
  const placement = meeting.MediaPlacement;
  if (typeof placement?.AudioHostUrl !== 'string' || typeof placement.SignalingUrl !== 'string') {
    throw new UpstreamResponseError('Meeting.MediaPlacement is missing');
  }
  return {
    ...picked(meeting, MEETING_FIELDS, (value) => value !== undefined),
    MediaPlacement: picked(placement, MEDIA_PLACEMENT_FIELDS, (value) => typeof value === 'string'),
  } as MeetingView;
}
