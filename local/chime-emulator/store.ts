import { randomBytes, randomUUID } from 'node:crypto';
import type {
  Attendee,
  AttendeeCapabilities,
  CreateAttendeeError,
  Meeting,
} from '@aws-sdk/client-chime-sdk-meetings';
import { CHIME_ERRORS, ChimeServiceError } from './errors';
import { mediaPlacementFor, meetingArn } from './media-placement';
import {
  type AttendeeRequestItem,
  attendeeItem,
  type CreateMeetingInput,
  fail,
  isObject,
  MAX_ATTENDEES,
  resolveCapabilities,
} from './validation';

type StoredMeeting = Meeting & Record<'MeetingId' | 'ExternalMeetingId' | 'MediaRegion', string>;

export interface StoreChange {
  readonly type: `Attendee${'Added' | 'Deleted' | 'CapabilitiesUpdated'}` | 'MeetingEnded';
  readonly meeting: StoredMeeting;
  readonly attendee?: Required<Attendee>;
}

interface MeetingRecord {
  readonly meeting: StoredMeeting;
  /** Its ClientRequestToken, which makes CreateMeeting idempotent. */
  readonly token: string;
  /** In creation order (an update keeps its place); a NextToken points after a `seq`. */
  readonly attendees: Map<string, { readonly seq: number; readonly attendee: Required<Attendee> }>;
}

const notFound = (what: string, id: string) =>
  new ChimeServiceError('NotFoundException', `${what} <${id}> not found`);

// A NextToken names the meeting and the last attendee returned: deleting attendees between pages
// neither skips nor repeats anyone.
function decodeNextToken(meetingId: string, token: string): number {
  const [tokenMeetingId, seq = ''] = Buffer.from(token, 'base64url').toString('utf8').split(':');
  if (tokenMeetingId !== meetingId || !/^\d+$/.test(seq)) fail('Invalid NextToken');
  return Number(seq);
}

/** One account and control Region; it hands out its own records, never to be changed. */
export class MeetingStore {
  readonly #meetings = new Map<string, MeetingRecord>();
  #seq = 0;

  constructor(
    private readonly options: {
      readonly region: string;
      readonly accountId: string;
      readonly onChange: (change: StoreChange) => void;
    },
  ) {}

  #recordOf(meetingId: string): MeetingRecord {
    const record = this.#meetings.get(meetingId);
    if (!record) throw notFound('Meeting', meetingId);
    return record;
  }

  #attendeeOf(meetingId: string, attendeeId: string) {
    const record = this.#recordOf(meetingId);
    const entry = record.attendees.get(attendeeId);
    if (!entry) throw notFound('Attendee', attendeeId);
    return { record, ...entry };
  }

  /** An ExternalUserId already there returns its attendee. */
  createAttendee(meetingId: string, item: AttendeeRequestItem): Required<Attendee> {
    const record = this.#recordOf(meetingId);
    const same = [...record.attendees.values()].find(
      ({ attendee }) => attendee.ExternalUserId === item.ExternalUserId,
    );
    if (same) return same.attendee;
    const features = record.meeting.MeetingFeatures;
    const Capabilities = resolveCapabilities(item.Capabilities, features);
    const limit = features?.Attendee?.MaxCount ?? MAX_ATTENDEES;
    if (record.attendees.size >= limit) {
      throw new ChimeServiceError(
        'LimitExceededException',
        `Meeting <${record.meeting.MeetingId}> has reached its limit of ${limit} attendees`,
      );
    }
    const AttendeeId = randomUUID();
    const { ExternalUserId } = item;
    // 138 bytes are 184 base64 characters without `=` padding, about the service's token length.
    const JoinToken = randomBytes(138).toString('base64');
    const attendee = { ExternalUserId, AttendeeId, JoinToken, Capabilities };
    record.attendees.set(AttendeeId, { seq: ++this.#seq, attendee });
    this.options.onChange({ type: 'AttendeeAdded', meeting: record.meeting, attendee });
    return attendee;
  }

  createMeeting(input: CreateMeetingInput): StoredMeeting {
    const { ClientRequestToken } = input;
    const previous = [...this.#meetings.values()].find((r) => r.token === ClientRequestToken);
    if (previous) return previous.meeting;
    const { PrimaryMeetingId, MeetingHostId, MeetingFeatures, MediaRegion } = input;
    if (PrimaryMeetingId !== undefined && !this.#meetings.has(PrimaryMeetingId)) {
      fail(`Primary meeting <${PrimaryMeetingId}> not found`);
    }
    const MeetingId = randomUUID();
    const meeting: StoredMeeting = {
      MeetingId,
      ...(MeetingHostId && { MeetingHostId }),
      ExternalMeetingId: input.ExternalMeetingId,
      MediaRegion,
      MediaPlacement: mediaPlacementFor(MeetingId, MediaRegion, this.options.region),
      ...(MeetingFeatures && { MeetingFeatures }),
      ...(PrimaryMeetingId && { PrimaryMeetingId }),
      TenantIds: [...(input.TenantIds ?? [])],
      MeetingArn: meetingArn(MediaRegion, this.options.accountId, MeetingId),
    };
    this.#meetings.set(MeetingId, { meeting, token: ClientRequestToken, attendees: new Map() });
    return meeting;
  }

  getMeeting(meetingId: string): Meeting {
    return this.#recordOf(meetingId).meeting;
  }

  deleteMeeting(meetingId: string): void {
    const record = this.#recordOf(meetingId);
    this.#meetings.delete(meetingId);
    this.options.onChange({ type: 'MeetingEnded', meeting: record.meeting });
  }

  /** Entries refused by validation or by the store go into `Errors`. */
  batchCreateAttendees(meetingId: string, entries: readonly unknown[]) {
    this.#recordOf(meetingId); // an unknown meeting fails the request, not each entry
    const output = { Attendees: [] as Attendee[], Errors: [] as CreateAttendeeError[] };
    for (const entry of entries) {
      try {
        const item = isObject(entry)
          ? attendeeItem('', entry)
          : fail('Each attendee must be an object');
        output.Attendees.push(this.createAttendee(meetingId, item));
      } catch (error) {
        if (!(error instanceof ChimeServiceError)) throw error;
        const ExternalUserId = isObject(entry) ? entry.ExternalUserId : undefined;
        output.Errors.push({
          ...(typeof ExternalUserId === 'string' && { ExternalUserId }),
          ErrorCode: CHIME_ERRORS[error.name].code,
          ErrorMessage: error.message,
        });
      }
    }
    return output;
  }

  getAttendee(meetingId: string, attendeeId: string): Attendee {
    return this.#attendeeOf(meetingId, attendeeId).attendee;
  }

  listAttendees(meetingId: string, query: { maxResults: number; nextToken?: string | undefined }) {
    const record = this.#recordOf(meetingId);
    const after = query.nextToken === undefined ? 0 : decodeNextToken(meetingId, query.nextToken);
    const remaining = [...record.attendees.values()].filter((entry) => entry.seq > after);
    const page = remaining.slice(0, query.maxResults);
    const Attendees = page.map(({ attendee }) => attendee);
    const last = page.at(-1);
    if (remaining.length === page.length || !last) return { Attendees };
    return { Attendees, NextToken: Buffer.from(`${meetingId}:${last.seq}`).toString('base64url') };
  }

  deleteAttendee(meetingId: string, attendeeId: string): void {
    const { record, attendee } = this.#attendeeOf(meetingId, attendeeId);
    record.attendees.delete(attendeeId);
    this.options.onChange({ type: 'AttendeeDeleted', meeting: record.meeting, attendee });
  }

  /** All chosen attendees or none. */
  updateCapabilities(
    meetingId: string,
    capabilities: AttendeeCapabilities,
    chosen: (attendeeId: string) => boolean,
  ): Attendee[] {
    const record = this.#recordOf(meetingId);
    const Capabilities = resolveCapabilities(capabilities, record.meeting.MeetingFeatures);
    const { meeting } = record;
    return [...record.attendees.values()]
      .filter(({ attendee }) => chosen(attendee.AttendeeId))
      .map(({ seq, attendee: previous }) => {
        const attendee = { ...previous, Capabilities: { ...Capabilities } };
        record.attendees.set(attendee.AttendeeId, { seq, attendee });
        this.options.onChange({ type: 'AttendeeCapabilitiesUpdated', meeting, attendee });
        return attendee;
      });
  }

  clear(): void {
    this.#meetings.clear();
  }
}
