/** Reads the environment once, at init, by the settings contract (common/config/settings.ts). */
export { invalidationConfig as parseInvalidationConfig } from '../common/config/settings';
