import { attendeeConfig } from '../common/config/settings';

/** Reads the environment once, at init, by the settings contract (common/config/settings.ts). */
export const parseConfig = attendeeConfig;
/** The typed, frozen configuration of one Lambda container. */
export type Config = ReturnType<typeof attendeeConfig>;
