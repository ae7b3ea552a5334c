/** Reads the environment once, at init, by the settings contract (shared/config/settings.ts). */
export { prefetchConfig as parsePrefetchConfig } from '../shared/config/settings';
