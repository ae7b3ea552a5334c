import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FUNCTION_SETTINGS } from '../lambda/common/config/settings';

const COUNT_OPTIONS =
  'cold warm warmup warm-rounds http-seconds http-rounds http-warmup connections'.split(' ');

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
      ...Object.fromEntries(COUNT_OPTIONS.map((name) => [name, { type: 'string' }])),
    },
  });
  const count = (option: string, fallback: number, min: number) => {
    const value = Number((values as Record<string, unknown>)[option] ?? fallback);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${option} must be ≥ ${min}`);
    return value;
  };
  // Added to the function's environment for the cache-hit row: its cache on, default TTLs.
  const { cacheAttendeeTtlMs, cacheMeetingTtlMs } = FUNCTION_SETTINGS;
  const cacheEnv: Record<string, string> = Object.fromEntries(
    [cacheAttendeeTtlMs, cacheMeetingTtlMs].map((s) => [s.env, String(s.default)]),
  );
  for (const pair of values['cache-env'] as string[]) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--cache-env takes NAME=VALUE, not ${pair}`);
    cacheEnv[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    appRoot: path.resolve(values['app-root'] as string),
    out: path.resolve(values.out as string),
    logLevel: values['log-level'] as string,
    cacheEnv: cacheEnv as Readonly<Record<string, string>>,
    coldRuns: count('cold', 40, 1),
    warmIterations: count('warm', 5000, 1),
    warmup: count('warmup', 1000, 0),
    warmRounds: count('warm-rounds', 2, 1),
    httpSeconds: count('http-seconds', 5, 1),
    httpRounds: count('http-rounds', 5, 1),
    httpWarmup: count('http-warmup', 3, 0),
    connections: count('connections', 10, 1),
  };
}
