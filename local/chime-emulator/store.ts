import type {
  Attendee,
  AttendeeCapabilities,
  CreateAttendeeError,
  Meeting,
  MeetingFeaturesConfiguration,
} from '@aws-sdk/client-chime-sdk-meetings';
import { badRequest, CHIME_ERRORS, ChimeServiceError, notFound } from './errors';
import { newId, newJoinToken } from './ids';
import { mediaPlacementFor, meetingArn } from './media-placement';
import {
  type AttendeeRequestItem,
  type BatchEntry,
  type CreateMeetingInput,
  LIMITS,
  type ListAttendeesQuery,
  resolveCapabilities,
} from './validation';

/** The in-memory state of the emulated service: meetings and their attendees. */
export interface MeetingStore {
  /** Creates a meeting, or returns the one already created with the same ClientRequestToken. */
  createMeeting(input: CreateMeetingInput): Meeting;
  getMeeting(meetingId: string): Meeting;
  /** Ends the meeting: it and all its attendees are gone. Notifies `MeetingEnded`. */
  deleteMeeting(meetingId: string): void;
  /** Creates an attendee (notifies `AttendeeAdded`), or returns the one that already has this ExternalUserId. */
  createAttendee(meetingId: string, item: AttendeeRequestItem): Attendee;
  batchCreateAttendees(
    meetingId: string,
    entries: readonly BatchEntry[],
  ): { attendees: Attendee[]; errors: CreateAttendeeError[] };
  getAttendee(meetingId: string, attendeeId: string): Attendee;
  listAttendees(
    meetingId: string,
    query: ListAttendeesQuery,
  ): { attendees: Attendee[]; nextToken?: string };
  /** Removes the attendee; its JoinToken is dead. Notifies `AttendeeDeleted`. */
  deleteAttendee(meetingId: string, attendeeId: string): void;
  /**
   * Sets one attendee's capabilities (the meeting's features permitting) and returns the
   * attendee. Notifies `AttendeeCapabilitiesUpdated`.
   */
  updateAttendeeCapabilities(
    meetingId: string,
    attendeeId: string,
    capabilities: AttendeeCapabilities,
  ): Attendee;
  /**
   * Sets the capabilities of every attendee of the meeting but the excluded ones, all or none.
   * Notifies `AttendeeCapabilitiesUpdated` once per attendee updated.
   */
  updateAttendeeCapabilitiesExcept(
    meetingId: string,
    excludedAttendeeIds: ReadonlySet<string>,
    capabilities: AttendeeCapabilities,
  ): void;
  /** Forgets every meeting, attendee and idempotency token. */
  clear(): void;
}

/**
 * A change other parts react to (the emulator turns these into EventBridge events). Copies, so
 * a listener cannot alter the store.
 */
export type StoreChange =
  | { readonly type: 'MeetingEnded'; readonly meeting: Meeting }
  | { readonly type: 'AttendeeAdded'; readonly meeting: Meeting; readonly attendee: Attendee }
  | { readonly type: 'AttendeeDeleted'; readonly meeting: Meeting; readonly attendee: Attendee }
  | {
      readonly type: 'AttendeeCapabilitiesUpdated';
      readonly meeting: Meeting;
      /** The attendee with its new capabilities. */
      readonly attendee: Attendee;
    };

interface AttendeeRecord {
  readonly seq: number;
  readonly attendee: Attendee;
}

interface MeetingRecord {
  readonly meeting: Meeting;
  readonly features: MeetingFeaturesConfiguration | undefined;
  readonly attendees: Map<string, AttendeeRecord>;
  readonly attendeeIdByExternalUserId: Map<string, string>;
  nextSeq: number;
}

const meetingNotFound = (meetingId: string) => notFound(`Meeting <${meetingId}> not found`);
const attendeeNotFound = (attendeeId: string) => notFound(`Attendee <${attendeeId}> not found`);

// NextToken is opaque to callers; inside it names the meeting and the last attendee returned,
// so deleting attendees between pages neither skips nor repeats anyone.
const encodeNextToken = (meetingId: string, seq: number): string =>
  Buffer.from(`${meetingId}:${seq}`, 'utf8').toString('base64url');

function decodeNextToken(meetingId: string, token: string): number {
  const [tokenMeetingId, rawSeq] = Buffer.from(token, 'base64url').toString('utf8').split(':');
  if (tokenMeetingId !== meetingId || rawSeq === undefined || !/^\d+$/.test(rawSeq)) {
    throw badRequest('Invalid NextToken');
  }
  return Number(rawSeq);
}

/** Creates an empty store for one emulated account and control Region. */
export function createMeetingStore(options: {
  readonly controlRegion: string;
  readonly accountId: string;
  /**
   * Called synchronously after an attendee is created (not when an existing one is returned),
   * an attendee's capabilities are set, an attendee is deleted or a meeting ends; `clear()` is
   * silent.
   */
  readonly onChange?: (change: StoreChange) => void;
}): MeetingStore {
  const meetings = new Map<string, MeetingRecord>();
  const meetingIdByToken = new Map<string, string>();

  const recordOf = (meetingId: string): MeetingRecord => {
    const record = meetings.get(meetingId);
    if (!record) throw meetingNotFound(meetingId);
    return record;
  };

  const addAttendee = (record: MeetingRecord, item: AttendeeRequestItem): Attendee => {
    const existingId = record.attendeeIdByExternalUserId.get(item.externalUserId);
    const existing = existingId === undefined ? undefined : record.attendees.get(existingId);
    if (existing) return structuredClone(existing.attendee);
    const capabilities = resolveCapabilities(item.capabilities, record.features);
    const limit = record.features?.Attendee?.MaxCount ?? LIMITS.attendeesPerMeeting;
    if (record.attendees.size >= limit) {
      throw new ChimeServiceError(
        'LimitExceededException',
        `Meeting <${record.meeting.MeetingId}> has reached its limit of ${limit} attendees`,
      );
    }
    const attendee: Attendee = {
      ExternalUserId: item.externalUserId,
      AttendeeId: newId(),
      JoinToken: newJoinToken(),
      Capabilities: capabilities,
    };
    const seq = record.nextSeq++;
    record.attendees.set(attendee.AttendeeId as string, { seq, attendee });
    record.attendeeIdByExternalUserId.set(item.externalUserId, attendee.AttendeeId as string);
    options.onChange?.({
      type: 'AttendeeAdded',
      meeting: structuredClone(record.meeting),
      attendee: structuredClone(attendee),
    });
    return structuredClone(attendee);
  };

  const attendeeRecordOf = (record: MeetingRecord, attendeeId: string): AttendeeRecord => {
    const found = record.attendees.get(attendeeId);
    if (!found) throw attendeeNotFound(attendeeId);
    return found;
  };

  // Replacing the value of an existing key keeps the Map's order, so ListAttendees pages are
  // unchanged by an update.
  const setCapabilities = (
    record: MeetingRecord,
    found: AttendeeRecord,
    capabilities: AttendeeCapabilities,
  ): Attendee => {
    const attendee: Attendee = { ...found.attendee, Capabilities: { ...capabilities } };
    record.attendees.set(attendee.AttendeeId as string, { seq: found.seq, attendee });
    options.onChange?.({
      type: 'AttendeeCapabilitiesUpdated',
      meeting: structuredClone(record.meeting),
      attendee: structuredClone(attendee),
    });
    return structuredClone(attendee);
  };

  return {
    createMeeting(input) {
      const sameRequest = meetingIdByToken.get(input.clientRequestToken);
      const previous = sameRequest === undefined ? undefined : meetings.get(sameRequest);
      if (previous) return structuredClone(previous.meeting);
      if (input.primaryMeetingId !== undefined && !meetings.has(input.primaryMeetingId)) {
        throw badRequest(`Primary meeting <${input.primaryMeetingId}> not found`);
      }
      const meetingId = newId();
      const meeting: Meeting = {
        MeetingId: meetingId,
        ...(input.meetingHostId === undefined ? {} : { MeetingHostId: input.meetingHostId }),
        ExternalMeetingId: input.externalMeetingId,
        MediaRegion: input.mediaRegion,
        MediaPlacement: mediaPlacementFor(meetingId, input.mediaRegion, options.controlRegion),
        ...(input.meetingFeatures === undefined ? {} : { MeetingFeatures: input.meetingFeatures }),
        ...(input.primaryMeetingId === undefined
          ? {}
          : { PrimaryMeetingId: input.primaryMeetingId }),
        TenantIds: [...input.tenantIds],
        MeetingArn: meetingArn(input.mediaRegion, options.accountId, meetingId),
      };
      meetings.set(meetingId, {
        meeting,
        features: input.meetingFeatures,
        attendees: new Map(),
        attendeeIdByExternalUserId: new Map(),
        nextSeq: 1,
      });
      meetingIdByToken.set(input.clientRequestToken, meetingId);
      return structuredClone(meeting);
    },

    getMeeting(meetingId) {
      return structuredClone(recordOf(meetingId).meeting);
    },

    deleteMeeting(meetingId) {
      const record = recordOf(meetingId);
      meetings.delete(meetingId);
      options.onChange?.({ type: 'MeetingEnded', meeting: structuredClone(record.meeting) });
    },

    createAttendee(meetingId, item) {
      return addAttendee(recordOf(meetingId), item);
    },

    batchCreateAttendees(meetingId, entries) {
      const record = recordOf(meetingId);
      const attendees: Attendee[] = [];
      const errors: CreateAttendeeError[] = [];
      for (const entry of entries) {
        const externalUserId = entry.ok ? entry.item.externalUserId : entry.externalUserId;
        try {
          if (!entry.ok) throw badRequest(entry.message);
          attendees.push(addAttendee(record, entry.item));
        } catch (error) {
          if (!(error instanceof ChimeServiceError)) throw error;
          errors.push({
            ...(externalUserId === undefined ? {} : { ExternalUserId: externalUserId }),
            ErrorCode: CHIME_ERRORS[error.errorName].code,
            ErrorMessage: error.message,
          });
        }
      }
      return { attendees, errors };
    },

    getAttendee(meetingId, attendeeId) {
      return structuredClone(attendeeRecordOf(recordOf(meetingId), attendeeId).attendee);
    },

    listAttendees(meetingId, query) {
      const record = recordOf(meetingId);
      const after = query.nextToken === undefined ? 0 : decodeNextToken(meetingId, query.nextToken);
      const remaining = [...record.attendees.values()].filter(({ seq }) => seq > after);
      const page = remaining.slice(0, query.maxResults);
      const last = page.at(-1);
      const attendees = page.map(({ attendee }) => structuredClone(attendee));
      return remaining.length > page.length && last
        ? { attendees, nextToken: encodeNextToken(meetingId, last.seq) }
        : { attendees };
    },

    deleteAttendee(meetingId, attendeeId) {
      const record = recordOf(meetingId);
      const found = attendeeRecordOf(record, attendeeId);
      record.attendees.delete(attendeeId);
      record.attendeeIdByExternalUserId.delete(found.attendee.ExternalUserId as string);
      options.onChange?.({
        type: 'AttendeeDeleted',
        meeting: structuredClone(record.meeting),
        attendee: structuredClone(found.attendee),
      });
    },

    updateAttendeeCapabilities(meetingId, attendeeId, capabilities) {
      const record = recordOf(meetingId);
      const found = attendeeRecordOf(record, attendeeId);
      return setCapabilities(record, found, resolveCapabilities(capabilities, record.features));
    },

    updateAttendeeCapabilitiesExcept(meetingId, excludedAttendeeIds, capabilities) {
      const record = recordOf(meetingId);
      const allowed = resolveCapabilities(capabilities, record.features);
      for (const found of [...record.attendees.values()]) {
        if (!excludedAttendeeIds.has(found.attendee.AttendeeId as string)) {
          setCapabilities(record, found, allowed);
        }
      }
    },

    clear() {
      meetings.clear();
      meetingIdByToken.clear();
    },
  };
}
