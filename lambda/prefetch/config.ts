/** Reads the environment once, at init, by the settings contract (common/config/settings.ts). */
export { prefetchConfig as parsePrefetchConfig } from '../common/config/settings';
