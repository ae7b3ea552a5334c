import { BUDGETS, type BudgetKey, judge, roundRatio } from '../../bench/budgets';

const limitOf = (key: BudgetKey) => {
  const budget = BUDGETS.find((b) => b.key === key);
  if (!budget) throw new Error(`no budget ${key}`);
  return budget;
};

/** Every budget that applies with the cache off, each exactly at its stretch goal. */
const atStretch = (): Partial<Record<BudgetKey, number>> =>
  Object.fromEntries(BUDGETS.map((b) => [b.key, b.stretch]));

const verdictOf = (ratios: Partial<Record<BudgetKey, number>>, key: BudgetKey) =>
  judge(ratios, { cacheOn: true }).find((v) => v.key === key);

describe('judge', () => {
  it.each(BUDGETS.map((b) => [b.key]))(
    'passes %s at its limit and fails it just above; the stretch goal likewise',
    (key) => {
      const { limit, stretch } = limitOf(key);
      expect(verdictOf({ ...atStretch(), [key]: limit }, key)).toMatchObject({ pass: true });
      expect(verdictOf({ ...atStretch(), [key]: limit * 1.001 }, key)).toMatchObject({
        pass: false,
        stretchPass: false,
      });
      expect(verdictOf({ ...atStretch(), [key]: stretch }, key)).toMatchObject({
        pass: true,
        stretchPass: true,
      });
    },
  );

  it.each([
    ['missing', undefined],
    ['not a number', Number.NaN],
  ])('fails a budget whose ratio is %s', (_name, ratio) => {
    const ratios = { ...atStretch(), http_cpu_per_request: ratio };
    expect(verdictOf(ratios, 'http_cpu_per_request')).toMatchObject({ pass: false });
  });

  it('leaves the cache-hit budget out while the cache is off, and fails it when missing once on', () => {
    const { cache_hit_p50: _left, ...withoutCacheHit } = atStretch();
    const off = judge(withoutCacheHit);
    expect(off.map((v) => v.key)).not.toContain('cache_hit_p50');
    expect(off.every((v) => v.pass)).toBe(true);
    expect(verdictOf(withoutCacheHit, 'cache_hit_p50')).toMatchObject({ pass: false });
  });

  it('does not judge HTTP requests/s: a low throughput ratio fails nothing', () => {
    const slow = { ...atStretch(), http_rps: 0.1 };
    const verdicts = judge(slow, { cacheOn: true });
    expect(verdicts.every((v) => v.pass)).toBe(true);
    expect(verdicts.map((v) => v.key)).not.toContain('http_rps');
  });
});

describe('the HTTP CPU budget, over rounds', () => {
  const { limit } = limitOf('http_cpu_per_request');
  const baseline = [250, 240, 260, 255, 245];
  /** App CPU per request in each round, as `factors` × that round's baseline. */
  const app = (factors: number[]) => factors.map((factor, i) => factor * (baseline[i] as number));
  const judged = (factors: number[]) =>
    verdictOf(
      { ...atStretch(), http_cpu_per_request: roundRatio(app(factors), baseline) },
      'http_cpu_per_request',
    );

  it("takes the median of the rounds' own ratios, not the ratio of the sides' medians", () => {
    // The rounds' ratios are 3, 1.05 and 1.1; the sides' medians would give 300 ÷ 200 = 1.5.
    expect(roundRatio([300, 210, 330], [100, 200, 300])).toBeCloseTo(1.1);
  });

  it('passes when most rounds are within the budget, whatever the worst round', () => {
    expect(judged([limit * 0.99, 1, 3, 1, limit * 1.01])).toMatchObject({ pass: true });
  });

  it('fails when most rounds are over the budget, whatever the best round', () => {
    expect(judged([limit * 1.01, 1, 0.5, limit * 1.01, limit * 1.02])).toMatchObject({
      pass: false,
    });
  });

  it('fails when the two sides did not run the same rounds', () => {
    expect(roundRatio([250, 250], baseline)).toBeNaN();
  });
});
