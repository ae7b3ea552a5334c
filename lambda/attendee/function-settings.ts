/** Where local/, bench/ and scripts/storm/ still import the contract from (lambda/shared/config). */
export { FUNCTION_SETTINGS } from '../shared/config/settings';
