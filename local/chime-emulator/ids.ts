import { randomBytes, randomUUID } from 'node:crypto';

/** The model's `GuidString` pattern, which MeetingId and AttendeeId path labels must match. */
export const GUID_PATTERN = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;

/** A fresh MeetingId, AttendeeId or request id. */
export const newId = (): string => randomUUID();

// 138 bytes encode to exactly 184 base64 characters, so there is no `=` padding and the token
// matches ^[a-zA-Z0-9+/]+$, about as long as the opaque tokens the service hands out today.
const JOIN_TOKEN_BYTES = 138;

/** A fresh opaque JoinToken. */
export const newJoinToken = (): string => randomBytes(JOIN_TOKEN_BYTES).toString('base64');
