import { attendeeConfig } from '../shared/config/settings';

/** Reads the environment once, at init, by the settings contract (shared/config/settings.ts). */
export const parseConfig = attendeeConfig;
/** The typed, frozen configuration of one Lambda container. */
export type Config = ReturnType<typeof attendeeConfig>;
