import type { MediaPlacement } from '@aws-sdk/client-chime-sdk-meetings';

/** The model's `MediaRegion` values and their code in media host names (`*.m3.ue1.app.chime.aws`). */
const MEDIA_REGION_CODES = {
  'af-south-1': 'fs1',
  'ap-northeast-1': 'an1',
  'ap-northeast-2': 'an2',
  'ap-south-1': 'ps1',
  'ap-southeast-1': 'as1',
  'ap-southeast-2': 'as2',
  'ca-central-1': 'cc1',
  'eu-central-1': 'ec1',
  'eu-north-1': 'en1',
  'eu-south-1': 'es1',
  'eu-west-1': 'ew1',
  'eu-west-2': 'ew2',
  'eu-west-3': 'ew3',
  'sa-east-1': 'se1',
  'us-east-1': 'ue1',
  'us-east-2': 'ue2',
  'us-west-1': 'uw1',
  'us-west-2': 'uw2',
  'us-gov-east-1': 'ge1',
  'us-gov-west-1': 'gw1',
} as const;

export const isMediaRegion = (value: string): value is keyof typeof MEDIA_REGION_CODES =>
  Object.hasOwn(MEDIA_REGION_CODES, value);

const regionCode = (region: string): string =>
  isMediaRegion(region) ? MEDIA_REGION_CODES[region] : region.replaceAll('-', '');

/** The meeting ARN; like the service, it names the meeting's media Region. */
export const meetingArn = (mediaRegion: string, accountId: string, meetingId: string): string =>
  `arn:${mediaRegion.startsWith('us-gov-') ? 'aws-us-gov' : 'aws'}:chime:${mediaRegion}:${accountId}:meeting/${meetingId}`;

/** Shaped like the service's: media hosts in the media Region, event ingestion in the control Region. */
export function mediaPlacementFor(
  meetingId: string,
  mediaRegion: string,
  controlRegion: string,
): MediaPlacement {
  const media = `m3.${regionCode(mediaRegion)}.app.chime.aws`;
  const audioHost = meetingId.replaceAll('-', '').slice(0, 32);
  const screen = `wss://bitpw.${media}:443`;
  return {
    AudioHostUrl: `${audioHost}.k.${media}:3478`,
    AudioFallbackUrl: `wss://wss.k.${media}:443/calls/${meetingId}`,
    SignalingUrl: `wss://signal.${media}/control/${meetingId}`,
    TurnControlUrl: `https://${meetingId.slice(-4)}.cell.${mediaRegion}.meetings.chime.aws/v2/turn_sessions`,
    ScreenDataUrl: `${screen}/v2/screen/${meetingId}`,
    ScreenViewingUrl: `${screen}/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id=${meetingId}`,
    ScreenSharingUrl: `${screen}/v2/screen/${meetingId}`,
    EventIngestionUrl: `https://data.svc.${regionCode(controlRegion)}.ingest.chime.aws/v1/client-events`,
  };
}
