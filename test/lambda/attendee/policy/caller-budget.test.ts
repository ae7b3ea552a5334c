import { randomUUID } from 'node:crypto';
import { createCallerBudget } from '../../../../lambda/attendee/policy/caller-budget';

const fixed = (caller: string) => () => caller;

describe('the caller budget', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_700_000_000_000;
  });

  it('lets a caller spend its budget on denials, then answers with a Retry-After', () => {
    const budget = createCallerBudget({ callsPerMinute: 10, now });
    const caller = fixed(`https://issuer.example ${randomUUID()}`);
    for (let call = 0; call < 9; call += 1) {
      budget.charge(caller, 1);
      expect(budget.check(caller)).toEqual({ allowed: true });
    }
    budget.charge(caller, 1);
    expect(budget.check(caller)).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it('refills with time, so a caller over budget may spend again after the Retry-After', () => {
    const budget = createCallerBudget({ callsPerMinute: 10, now });
    const caller = fixed(randomUUID());
    budget.charge(caller, 10);
    const over = budget.check(caller);
    expect(over.allowed).toBe(false);
    clock += (over.allowed ? 0 : over.retryAfterSeconds) * 1000;
    expect(budget.check(caller)).toEqual({ allowed: true });
  });

  it('bounds the debt of a caller to one minute of budget', () => {
    const budget = createCallerBudget({ callsPerMinute: 10, now });
    const caller = fixed(randomUUID());
    budget.charge(caller, 1_000);
    expect(budget.check(caller)).toEqual({ allowed: false, retryAfterSeconds: 66 });
  });

  it('keeps callers apart and charges nothing for requests that cost no Chime call', () => {
    const budget = createCallerBudget({ callsPerMinute: 2, now });
    const greedy = fixed(randomUUID());
    const other = fixed(randomUUID());
    budget.charge(greedy, 2);
    budget.charge(other, 0);
    expect(budget.check(greedy).allowed).toBe(false);
    expect(budget.check(other).allowed).toBe(true);
  });

  it('remembers a bounded number of callers, the least recently charged forgotten first', () => {
    const budget = createCallerBudget({ callsPerMinute: 1, maxCallers: 2, now });
    const [a, b, c] = [fixed(randomUUID()), fixed(randomUUID()), fixed(randomUUID())];
    budget.charge(a, 1);
    budget.charge(b, 1);
    budget.charge(c, 1);
    expect(budget.check(a).allowed).toBe(true);
    expect(budget.check(b).allowed).toBe(false);
    expect(budget.check(c).allowed).toBe(false);
  });

  it('knows callers by a keyed hash: the same identity under another container key starts afresh', () => {
    const caller = fixed(randomUUID());
    const first = createCallerBudget({ callsPerMinute: 1, now });
    first.charge(caller, 1);
    const second = createCallerBudget({ callsPerMinute: 1, now });
    expect(first.check(caller).allowed).toBe(false);
    expect(second.check(caller).allowed).toBe(true);
  });

  it('builds no caller identity while nobody has wasted a call, and forgets a caller whose budget is whole again', () => {
    let t = 0;
    const budget = createCallerBudget({ callsPerMinute: 2, now: () => t });
    let built = 0;
    const mallory = () => 'mallory';
    const alice = () => {
      built += 1;
      return 'alice';
    };
    expect(budget.check(alice).allowed).toBe(true);
    expect(built).toBe(0);
    budget.charge(mallory, 2);
    expect(budget.check(mallory).allowed).toBe(false);
    expect(budget.check(alice).allowed).toBe(true);
    expect(built).toBe(1);
    t = 60_000; // a whole minute: mallory's two tokens are back
    expect(budget.check(mallory).allowed).toBe(true);
    built = 0;
    expect(budget.check(alice).allowed).toBe(true);
    expect(built).toBe(0);
  });
});
