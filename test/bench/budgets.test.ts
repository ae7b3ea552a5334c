import { BUDGETS, type BudgetKey, judge, roundRatio } from '../../bench/budgets';

const KEYS = Object.keys(BUDGETS) as BudgetKey[];
/** Every budget exactly at its stretch goal, then `ratios` over it. */
const judged = (ratios: Partial<Record<BudgetKey, number>>) =>
  judge({ ...Object.fromEntries(KEYS.map((key) => [key, BUDGETS[key].stretch])), ...ratios });
const verdict = (key: BudgetKey, ratio: number | undefined) =>
  judged({ [key]: ratio }).find((v) => v.key === key);

describe('judge', () => {
  it.each(KEYS)('passes %s at its limit, fails it just above; its stretch goal likewise', (key) => {
    const { limit, stretch } = BUDGETS[key];
    expect(verdict(key, limit)).toMatchObject({ pass: true, stretchPass: limit <= stretch });
    expect(verdict(key, limit * 1.001)).toMatchObject({ pass: false, stretchPass: false });
    expect(verdict(key, stretch)).toMatchObject({ pass: true, stretchPass: true });
  });

  it.each([
    ['missing', undefined],
    ['not a number', Number.NaN],
  ])('fails a budget whose ratio is %s, and only that one', (_name, ratio) => {
    const verdicts = judged({ cold_p50: ratio });
    expect(verdicts.filter((v) => !v.pass).map((v) => v.key)).toEqual(['cold_p50']);
  });
});

describe('roundRatio', () => {
  it("takes the median of the rounds' own ratios, not the ratio of the sides' medians", () => {
    // The rounds' ratios are 3, 1.05 and 1.1; the sides' medians would give 300 ÷ 200 = 1.5.
    expect(roundRatio([300, 210, 330], [100, 200, 300])).toBeCloseTo(1.1);
  });

  it('is not moved by one round that other work on the machine slowed', () => {
    expect(roundRatio([260, 1000, 255, 250, 245], [250, 240, 260, 250, 245])).toBeCloseTo(1.0);
  });

  it('is NaN, and so fails its budget, when the two sides did not run the same rounds', () => {
    expect(roundRatio([250, 250], [250, 240, 260])).toBeNaN();
  });
});
