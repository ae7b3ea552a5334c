import { BUDGETS, judge } from '../../bench/budgets';
import { moduleMapOf, packageOf, summarizeProfile } from '../../bench/cpu-profile';

const passing = {
  bundle_bytes: 0.5,
  cold_p50: 1,
  warm_p50: 1.2,
  warm_p99: 1.2,
  http_rps: 0.9,
};

describe('judge', () => {
  it('leaves the cache-hit budget out while the cache is off', () => {
    const verdicts = judge(passing);
    expect(verdicts.map((v) => v.key)).not.toContain('cache_hit_p50');
    expect(verdicts.every((v) => v.pass)).toBe(true);
  });

  it('judges the cache-hit budget, and fails it when missing, once the cache is on', () => {
    expect(judge(passing, { cacheOn: true }).find((v) => v.key === 'cache_hit_p50')?.pass).toBe(
      false,
    );
    const hit = judge({ ...passing, cache_hit_p50: 0.3 }, { cacheOn: true });
    expect(hit.find((v) => v.key === 'cache_hit_p50')?.pass).toBe(true);
    expect(judge({ ...passing, cache_hit_p50: 0.6 }, { cacheOn: true }).at(-1)?.pass).toBe(false);
  });

  it('keeps the five existing budgets', () => {
    expect(BUDGETS.map((b) => [b.key, b.limit])).toEqual(
      expect.arrayContaining([
        ['bundle_bytes', 1.15],
        ['cold_p50', 1.1],
        ['warm_p50', 1.45],
        ['warm_p99', 1.5],
        ['http_rps', 0.85],
      ]),
    );
  });
});

describe('summarizeProfile', () => {
  const bundle = [
    '// node_modules/@smithy/core/dist-es/a.js',
    'x',
    '// lambda/attendee/logger.ts',
    'y',
  ].join('\n');
  const url = 'file:///b/index.mjs';
  const frame = (functionName: string, frameUrl: string, lineNumber: number) => ({
    functionName,
    url: frameUrl,
    lineNumber,
    columnNumber: 0,
  });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)', '', -1) },
      { id: 3, callFrame: frame('sign', url, 1) },
      { id: 4, callFrame: frame('line', url, 3), children: [5] },
      { id: 5, callFrame: frame('writeBuffer', '', -1) },
    ],
    startTime: 0,
    endTime: 100,
    samples: [2, 3, 4, 5, 5],
    timeDeltas: [40, 30, 10, 10, 10],
  };

  it('sums self time by function, module and package, leaving idle time out of the shares', () => {
    const summary = summarizeProfile(profile, new Map([[url, moduleMapOf(bundle)]]));
    expect(summary.busyMs).toBeCloseTo(0.06);
    expect(summary.byPackage.map((r) => [r.key, r.ms])).toEqual([
      ['@smithy/core', 0.03],
      ['(writeBuffer)', 0.02],
      ['(own code)', 0.01],
    ]);
    expect(summary.byModule[0]).toMatchObject({
      key: 'node_modules/@smithy/core/dist-es/a.js',
      share: 0.5,
    });
    expect(summary.nativeByCaller[0]?.key).toBe('writeBuffer ← line lambda/attendee/logger.ts:4');
  });

  it('names packages, Node internals and own code', () => {
    expect(packageOf('node_modules/@middy/core/index.js')).toBe('@middy/core');
    expect(packageOf('node:internal/timers')).toBe('node:internal');
    expect(packageOf('lambda/attendee/logger.ts')).toBe('(own code)');
  });
});
