export { ADMIN_PREFIX } from './admin';
export type { CallRecord, CallStats, OperationStats } from './call-log';
export { UNKNOWN_OPERATION } from './call-log';
export { chimeClientFor } from './client';
export type { ChimeEmulator, ChimeEmulatorOptions } from './emulator';
export { createChimeEmulator } from './emulator';
export type { ChimeErrorName } from './errors';
export { CHIME_ERRORS } from './errors';
export type {
  AttendeeCapabilitiesUpdatedDetail,
  AttendeeEventDetail,
  ChimeMeetingEvent,
  EventStats,
  MeetingEndedDetail,
} from './events';
export { InvalidEventTargetError } from './events';
export type { ActiveFault, FaultRule, FaultSpec } from './faults';
export { InvalidFaultError } from './faults';
export type {
  RateBucket,
  RateOverrides,
  RateSetting,
  RateSettings,
  RateUpdate,
} from './rate-limits';
export { BUCKET_OF_OPERATION, DEFAULT_RATES, InvalidRatesError } from './rate-limits';
export type { OperationName } from './routes';
export { OPERATIONS } from './routes';
export type { SeededAttendee, SeededMeeting, SeedRequest } from './seed';
export { InvalidSeedError } from './seed';
export type { EmulatorAddress } from './server';
