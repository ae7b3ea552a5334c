import { LRUCache } from 'lru-cache';

export const MAX_MEETINGS = 10_000;

/** Which meetings are missed often enough to be worth one ListAttendees snapshot. */
export function createHotMeetings(options: {
  readonly threshold: number;
  readonly windowMs: number;
  readonly now?: () => number;
}) {
  const { threshold, windowMs, now = Date.now } = options;
  const misses = new LRUCache<string, number[]>({ max: MAX_MEETINGS });
  return {
    /** True when the meeting is hot with this miss (`threshold` 1: the first). */
    recordMiss(meetingId: string): boolean {
      const at = now();
      const times = (misses.get(meetingId) ?? []).filter((time) => at - time < windowMs);
      times.push(at);
      while (times.length > threshold) times.shift();
      misses.set(meetingId, times);
      return times.length >= threshold;
    },
  };
}
