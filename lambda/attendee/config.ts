import { attendeeConfig } from '../common/config/settings';

/** Reads the environment once, at init, by the settings contract (common/config/settings.ts). */
export const parseConfig = attendeeConfig;
export type Config = ReturnType<typeof attendeeConfig>;
