import { createPacer } from '../../../lambda/prefetch/pacer';

describe('the prefetch pacer', () => {
  let clock: number;
  let slept: number[];
  const pacerOf = (perSecond: number) =>
    createPacer({
      perSecond,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
    });

  beforeEach(() => {
    clock = 1_000_000;
    slept = [];
  });

  it('spaces the calls of one operation 1/perSecond apart, the first at once', async () => {
    const pacer = pacerOf(4);
    const at: number[] = [];

    for (let i = 0; i < 4; i += 1) await pacer.pace('ListAttendees', async () => at.push(clock));

    expect(at).toEqual([1_000_000, 1_000_250, 1_000_500, 1_000_750]);
    expect(slept).toEqual([250, 250, 250]);
  });

  it('paces each operation on its own', async () => {
    const pacer = pacerOf(2);

    await Promise.all([
      pacer.pace('ListAttendees', async () => 'list'),
      pacer.pace('GetMeeting', async () => 'meeting'),
    ]);

    expect(slept).toEqual([]);
  });

  it('gives concurrent callers successive slots', async () => {
    // All three ask at the same instant: the clock stands still while they wait.
    const pacer = createPacer({
      perSecond: 10,
      now: () => clock,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

    const results = await Promise.all(
      [1, 2, 3].map((n) => pacer.pace('GetMeeting', async () => n)),
    );

    expect(results).toEqual([1, 2, 3]);
    expect(slept).toEqual([100, 200]);
  });

  it('does not wait when the slot has passed already, and lets a failure through', async () => {
    const pacer = pacerOf(1);
    await pacer.pace('ListAttendees', async () => undefined);
    clock += 5000;

    await expect(
      pacer.pace('ListAttendees', async () => {
        throw new Error('throttled');
      }),
    ).rejects.toThrow('throttled');
    expect(slept).toEqual([]);
  });
});
