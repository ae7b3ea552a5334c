import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';

/** The numeric options: name, default, minimum. */
const COUNTS = {
  coldRuns: ['cold', 40, 1],
  warmIterations: ['warm', 5000, 1],
  warmup: ['warmup', 1000, 0],
  warmRounds: ['warm-rounds', 2, 1],
  httpSeconds: ['http-seconds', 5, 1],
  httpRounds: ['http-rounds', 5, 1],
  httpWarmup: ['http-warmup', 3, 0],
  connections: ['connections', 10, 1],
} as const;

export type BenchSettings = ReturnType<typeof parseSettings>;

/** `npm run bench -- [options]` (bench/README.md, "Options"), checked. */
export function parseSettings(args: string[], repo: string) {
  const { values } = parseArgs({
    args,
    options: {
      'app-root': { type: 'string', default: repo },
      out: { type: 'string', default: path.join(repo, 'bench-results.json') },
      // INFO is the stack's default: the app writes its one line per request, the baseline none.
      'log-level': { type: 'string', default: 'INFO' },
      'cache-env': { type: 'string', multiple: true, default: [] },
      ...Object.fromEntries(
        Object.values(COUNTS).map(([option, fallback]) => [
          option,
          { type: 'string', default: `${fallback}` },
        ]),
      ),
    },
  });
  // Added to the function's environment for the cache-hit row: its cache on, default TTLs.
  const cacheEnv: Record<string, string> = {};
  for (const { env, default: ttl } of [
    FUNCTION_SETTINGS.cacheAttendeeTtlMs,
    FUNCTION_SETTINGS.cacheMeetingTtlMs,
  ]) {
    cacheEnv[env] = String(ttl);
  }
  for (const pair of values['cache-env'] as string[]) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--cache-env takes NAME=VALUE, not ${pair}`);
    cacheEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const counts = Object.entries(COUNTS).map(([name, [option, , min]]) => {
    const value = Number((values as Record<string, unknown>)[option]);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${option} must be ≥ ${min}`);
    return [name, value];
  });
  return {
    appRoot: path.resolve(values['app-root'] as string),
    out: path.resolve(values.out as string),
    logLevel: values['log-level'] as string,
    cacheEnv: cacheEnv as Readonly<Record<string, string>>,
    ...(Object.fromEntries(counts) as Record<keyof typeof COUNTS, number>),
  };
}
