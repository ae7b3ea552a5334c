export type ChimeOperation = 'GetAttendee' | 'GetMeeting' | 'ListAttendees';
