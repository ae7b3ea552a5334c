import { LRUCache } from 'lru-cache';

/** Options of {@link createHotMeetings}. */
export interface HotMeetingsOptions {
  /** Misses within `windowMs` that make a meeting hot (1: the first miss). */
  readonly threshold: number;
  readonly windowMs: number;
  /** Meetings tracked at most (least recently missed dropped first). */
  readonly maxMeetings?: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
}

/** Tells which meetings are missed often enough to be worth one ListAttendees snapshot. */
export interface HotMeetings {
  /** Counts a cache miss of `meetingId`; true when the meeting is hot with it. */
  recordMiss(meetingId: string): boolean;
}

/**
 * Creates a per-container hot-meeting detector: a sliding window of the last `threshold` miss
 * times per meeting, for a bounded number of meetings.
 */
export function createHotMeetings(options: HotMeetingsOptions): HotMeetings {
  const { threshold, windowMs, maxMeetings = 10_000 } = options;
  const now = options.now ?? Date.now;
  const misses = new LRUCache<string, number[]>({ max: maxMeetings });

  return {
    recordMiss(meetingId) {
      const at = now();
      const times = (misses.get(meetingId) ?? []).filter((time) => at - time < windowMs);
      times.push(at);
      while (times.length > threshold) times.shift();
      misses.set(meetingId, times);
      return times.length >= threshold;
    },
  };
}
