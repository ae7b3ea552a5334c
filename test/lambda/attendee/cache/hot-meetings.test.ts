import { createHotMeetings, MAX_MEETINGS } from '../../../../lambda/attendee/cache/hot-meetings';

describe('hot meeting detection', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('turns a meeting hot at the threshold of misses within the window', () => {
    const hot = createHotMeetings({ threshold: 3, windowMs: 1000, now });
    expect(hot.recordMiss('m')).toBe(false);
    clock += 400;
    expect(hot.recordMiss('m')).toBe(false);
    clock += 400;
    expect(hot.recordMiss('m')).toBe(true);
    expect(hot.recordMiss('other')).toBe(false);
  });

  it('forgets misses older than the window', () => {
    const hot = createHotMeetings({ threshold: 2, windowMs: 1000, now });
    hot.recordMiss('m');
    clock += 1000;
    expect(hot.recordMiss('m')).toBe(false);
    clock += 999;
    expect(hot.recordMiss('m')).toBe(true);
    clock += 1000;
    expect(hot.recordMiss('m')).toBe(false);
  });

  it('is hot at the first miss with a threshold of 1', () => {
    expect(createHotMeetings({ threshold: 1, windowMs: 1000, now }).recordMiss('m')).toBe(true);
  });

  it('tracks a bounded number of meetings', () => {
    const hot = createHotMeetings({ threshold: 2, windowMs: 1000, now });
    hot.recordMiss('a');
    for (let meeting = 1; meeting <= MAX_MEETINGS; meeting += 1) hot.recordMiss(`m${meeting}`);
    expect(hot.recordMiss('a')).toBe(false);
    expect(hot.recordMiss(`m${MAX_MEETINGS}`)).toBe(true);
  });
});
