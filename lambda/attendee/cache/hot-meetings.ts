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
  isHot(meetingId: string): boolean;
}

/**
 * Creates a per-container hot-meeting detector: a sliding window of the last `threshold` miss
 * times per meeting, in a bounded `Map`.
 */
export function createHotMeetings(options: HotMeetingsOptions): HotMeetings {
  const { threshold, windowMs, maxMeetings = 10_000 } = options;
  const now = options.now ?? Date.now;
  const misses = new Map<string, number[]>();

  const recent = (meetingId: string, at: number): number[] => {
    const times = misses.get(meetingId) ?? [];
    return times.filter((time) => at - time < windowMs);
  };

  return {
    recordMiss(meetingId) {
      const at = now();
      const times = recent(meetingId, at);
      times.push(at);
      while (times.length > threshold) times.shift();
      misses.delete(meetingId);
      misses.set(meetingId, times);
      while (misses.size > maxMeetings) {
        const oldest = misses.keys().next();
        if (oldest.done) break;
        misses.delete(oldest.value);
      }
      return times.length >= threshold;
    },
    isHot(meetingId) {
      return recent(meetingId, now()).length >= threshold;
    },
  };
}
