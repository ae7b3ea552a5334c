import type { RosterAttendee } from '../../client/src';

/** A meeting and the entries of its roster: named, not yet named, and a media pipeline. */
export const ROSTER_MEETING = '5b0c6e7a-2d0f-4e0a-9f1c-3a4b5c6d7e8f';

const capabilities = {
  Audio: 'SendReceive',
  Video: 'SendReceive',
  Content: 'SendReceive',
} as const;

export const ADA: RosterAttendee = {
  AttendeeId: '0f1e2d3c-4b5a-4968-8776-655443322110',
  ExternalUserId: 'ada',
  Capabilities: capabilities,
  Name: 'Ada Lovelace',
};

export const BOB: RosterAttendee = {
  AttendeeId: '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d',
  ExternalUserId: 'bob',
  Capabilities: capabilities,
};

export const PIPELINE: RosterAttendee = {
  AttendeeId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f',
  ExternalUserId: 'aws:MediaPipeline-4ae1f2c3',
  Capabilities: { Audio: 'Receive', Video: 'Receive', Content: 'Receive' },
  Service: true,
};
