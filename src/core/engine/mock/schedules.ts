/** Schedules of mock servers: messages sent after a delay and then every `everyMs`, `count` times. */
import type { MockSchedule } from './definition';

/**
 * Runs a schedule: the first tick after `initialDelayMs` (else `everyMs`), then one every `everyMs`,
 * `count` ticks in all (forever when unset). `tick` returns false to stop (connection closed,
 * server stopping); `later` owns the timers, so whoever stops the server clears them.
 */
export function runSchedule(s: MockSchedule, later: (ms: number, fn: () => void) => void, tick: () => boolean): void {
  let sent = 0;
  const step = () => {
    if (!tick()) return;
    sent++;
    if (s.count === undefined || sent < s.count) later(s.everyMs, step);
  };
  later(s.initialDelayMs ?? s.everyMs, step);
}
