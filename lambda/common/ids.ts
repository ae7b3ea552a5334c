/** The GuidString pattern of the Chime SDK Meetings model, whole string. */
export const GUID = /^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$/;

/** A GUID from outside data (an event's field), lower-cased; undefined for anything else. */
export const guidOf = (value: unknown): string | undefined =>
  typeof value === 'string' && GUID.test(value) ? value.toLowerCase() : undefined;
