/**
 * A test's clock and deadline, and the three ways a step waits on it: `sleep` (a `wait` step),
 * `race` (a promise against a deadline) and `waitUntil` (re-check on every message or close of some
 * connections). Deadlines are total: they count from when they start, whatever traffic arrives.
 * An abort of the run's signal ends every wait early.
 */
import type { PlannedTest } from '../plan';
import { StepFailure, type RunOptions } from './results';

/** Something that calls its waiters on each message or close (a run's connection). */
export interface Waitable {
  waiters: Set<() => void>;
}

export class RunClock {
  /** When the whole test must be over (ms since the epoch); set by `start`. */
  deadline = 0;

  readonly now: () => number;

  constructor(
    private readonly test: PlannedTest,
    private readonly opts: Pick<RunOptions, 'now' | 'signal'>,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The run's abort signal (interrupts every wait). */
  get signal(): AbortSignal | undefined {
    return this.opts.signal;
  }

  /** Starts the test's deadline (`timeoutMs` from `startedAt`). */
  start(startedAt: number): void {
    this.deadline = startedAt + this.test.timeoutMs;
  }

  deadlineFailure(): StepFailure {
    return new StepFailure('WSWB_SCENARIO_TIMEOUT', `the ${this.test.kind}'s deadline of ${this.test.timeoutMs} ms passed`);
  }

  /** Calls `check` on every message or close of `conns`, at each of `ticks` and at `deadline`; resolves with its first non-undefined value, or undefined at the deadline. */
  waitUntil<T>(conns: Waitable[], check: () => T | undefined, deadline: number, ticks: number[] = []): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      let done = false;
      const finish = (v: T | undefined) => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        for (const c of conns) c.waiters.delete(fn);
        this.signal?.removeEventListener('abort', fn);
        resolve(v);
      };
      const fn = () => {
        const v = check();
        if (v !== undefined) finish(v);
      };
      for (const at of new Set(ticks)) if (at < deadline) timers.push(setTimeout(fn, Math.max(0, at - this.now())));
      timers.push(setTimeout(() => {
        const v = check();
        finish(v);
      }, Math.max(0, deadline - this.now())));
      for (const c of conns) c.waiters.add(fn);
      this.signal?.addEventListener('abort', fn);
      fn();
    });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const signal = this.signal;
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done);
    });
  }

  /** Awaits `p` until `deadline` (the test's, unless `failure` says otherwise), then fails the step (after calling `onTimeout`). */
  async race<T>(p: Promise<T>, deadline: number, onTimeout?: () => void, failure?: StepFailure): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout?.();
        reject(failure ?? this.deadlineFailure());
      }, Math.max(0, deadline - this.now()));
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
