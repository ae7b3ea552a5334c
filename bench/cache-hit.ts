/**
 * The cache-hit row: a warm join-info that needs no Chime call, against the SDK-only baseline
 * that makes its call (issue 11: target ≤ 0.5×). It runs, and its budget is judged, only when
 * the function's attendee cache is turned on for it: by the variables below, or by
 * `npm run bench -- --cache-env NAME=VALUE` (repeatable). Until the cache lands the row reads
 * "pending".
 */

import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';

/**
 * The function's environment that turns its container cache on (added to the dev stack's
 * environment for this row only): the contract's default TTLs, the other rows run with 0.
 */
const CACHE_ON_ENV: Readonly<Record<string, string>> = Object.freeze({
  [FUNCTION_SETTINGS.cacheAttendeeTtlMs.env]: String(FUNCTION_SETTINGS.cacheAttendeeTtlMs.default),
  [FUNCTION_SETTINGS.cacheMeetingTtlMs.env]: String(FUNCTION_SETTINGS.cacheMeetingTtlMs.default),
});

/** `NAME=VALUE` pairs of `--cache-env`, over {@link CACHE_ON_ENV}. */
export function cacheEnv(pairs: readonly string[]): Readonly<Record<string, string>> {
  const env: Record<string, string> = { ...CACHE_ON_ENV };
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--cache-env takes NAME=VALUE, not ${pair}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
