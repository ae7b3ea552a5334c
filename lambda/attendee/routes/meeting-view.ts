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

/** The meeting of a GetMeeting answer checked against the request (OWASP API10), cut down. */
export function meetingView(
  output: Pick<GetMeetingCommandOutput, 'Meeting'>,
  meetingId: string,
): MeetingView {
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
  const view: Record<string, unknown> = {};
  for (const field of MEETING_FIELDS) {
    if (meeting[field] !== undefined) view[field] = meeting[field];
  }
  const mediaPlacement: Record<string, string> = {};
  for (const field of MEDIA_PLACEMENT_FIELDS) {
    const value = placement[field];
    if (typeof value === 'string') mediaPlacement[field] = value;
  }
  view.MediaPlacement = mediaPlacement;
  return view as MeetingView;
}
