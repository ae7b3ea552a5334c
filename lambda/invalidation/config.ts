/** Reads the environment once, at init, by the settings contract (shared/config/settings.ts). */
export { invalidationConfig as parseInvalidationConfig } from '../shared/config/settings';
