import { LRUCache } from 'lru-cache';

/**
 * Tells which meetings are missed often enough to be worth one ListAttendees snapshot: the last
 * `threshold` miss times per meeting (1: the first miss is hot), for a bounded number of meetings.
 */
export function createHotMeetings(options: {
  readonly threshold: number;
  readonly windowMs: number;
  readonly maxMeetings?: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}) {
  const { threshold, windowMs, maxMeetings = 10_000, now = Date.now } = options;
  const misses = new LRUCache<string, number[]>({ max: maxMeetings });
  return {
    /** Counts a cache miss of `meetingId`; true when the meeting is hot with it. */
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

export type HotMeetings = ReturnType<typeof createHotMeetings>;
