export type { CallRecord } from './call-log';
export type { ChimeEmulator, ChimeEmulatorOptions } from './emulator';
export { chimeClientFor, createChimeEmulator } from './emulator';
export type { ChimeMeetingEvent } from './events';
export type { FaultRule, FaultSpec } from './faults';
export type { SeededMeeting } from './seed';
