import type { Meeting } from '@aws-sdk/client-chime-sdk-meetings';
import { UpstreamResponseError } from '../../../../lambda/attendee/errors/errors';
import { meetingView } from '../../../../lambda/attendee/routes/meeting-view';

const MEETING_ID = '2c8f9d5c-3f6e-4b8a-9f2d-1a2b3c4d5e6f';
const placement = {
  AudioHostUrl: 'abc.k.m1.ue1.app.chime.aws:3478',
  AudioFallbackUrl: 'wss://haxrp.m1.ue1.app.chime.aws:443/calls/x',
  SignalingUrl: 'wss://signal.m1.ue1.app.chime.aws/control/x',
  TurnControlUrl: 'https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions',
  EventIngestionUrl: 'https://data.svc.ue1.ingest.chime.aws/v1/client-events',
};
const meeting: Meeting = {
  MeetingId: MEETING_ID.toUpperCase(),
  ExternalMeetingId: 'standup',
  MediaRegion: 'us-east-1',
  MediaPlacement: placement,
  MeetingFeatures: { Audio: { EchoReduction: 'AVAILABLE' } },
  TenantIds: ['tenant-a'],
  MeetingArn: `arn:aws:chime:us-east-1:111122223333:meeting/${MEETING_ID}`,
};

describe('meetingView', () => {
  it('gives the documented fields, as MeetingSessionConfiguration takes them', () => {
    expect(meetingView({ Meeting: meeting }, MEETING_ID)).toEqual(meeting);
  });

  it('drops what Chime may add beyond the documented fields', () => {
    const view = meetingView(
      {
        Meeting: {
          ...meeting,
          Internal: 'x',
          MediaPlacement: { ...placement, Internal: 'y', ScreenDataUrl: 42 },
        } as never,
      },
      MEETING_ID,
    );
    expect(view).not.toHaveProperty('Internal');
    expect(view.MediaPlacement).toEqual(placement);
  });

  it.each([
    ['no meeting', undefined, 'Meeting is missing'],
    ['another meeting', { ...meeting, MeetingId: 'f'.repeat(36) }, 'differs'],
    ['no media region', { ...meeting, MediaRegion: undefined }, 'MediaRegion'],
    ['no signaling URL', { ...meeting, MediaPlacement: { AudioHostUrl: 'a' } }, 'MediaPlacement'],
  ])('refuses %s as a malformed answer', (_case, answer, message) => {
    const view = () => meetingView({ Meeting: answer as never }, MEETING_ID);
    expect(view).toThrow(UpstreamResponseError);
    expect(view).toThrow(message);
  });
});
