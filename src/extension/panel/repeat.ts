/**
 * The panel's repeat-send job: one message N times at once, or every T ms (optionally N times)
 * until stopped. One job per panel; starting one stops the previous. Timers are injected, so tests
 * drive it with fake time. No `vscode` import.
 */
import type { RepeatStatus } from '../../shared/contract';

export interface RepeatDeps {
  /** Called whenever the status changes (the binding posts it with the next batch). */
  changed(): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
  log?(message: string): void;
}

interface Job {
  status: RepeatStatus;
  timer?: unknown;
}

export class RepeatScheduler {
  private job: Job | undefined;

  constructor(private readonly deps: RepeatDeps) {}

  /** The last job's status (running or finished), if any. */
  get status(): RepeatStatus | undefined {
    return this.job && { ...this.job.status };
  }

  /**
   * Calls `send` `count` times now (no `everyMs`), or starts calling it every `everyMs`; resolves with
   * the status. A send that rejects stops the job.
   */
  async start(send: () => Promise<unknown>, count: number | undefined, everyMs: number | undefined): Promise<RepeatStatus> {
    this.stop();
    if (everyMs === undefined) {
      const n = count ?? 1;
      const job: Job = { status: { active: false, sent: 0, count: n } };
      this.job = job;
      for (let i = 0; i < n; i++) {
        await send();
        job.status.sent++;
      }
      this.deps.changed();
      return { ...job.status };
    }
    const job: Job = { status: { active: true, sent: 0, everyMs, ...(count !== undefined ? { count } : {}) } };
    this.job = job;
    const tick = () => {
      if (!job.status.active) return;
      send().then(
        () => {
          job.status.sent++;
          this.deps.changed();
          if (count !== undefined && job.status.sent >= count) this.stopJob(job);
          else if (job.status.active) job.timer = this.deps.setTimeout(tick, everyMs);
        },
        (err: Error) => {
          this.deps.log?.(`repeat send stopped: ${err.message}`);
          this.stopJob(job);
        },
      );
    };
    tick();
    return { ...job.status };
  }

  /** Stops the running job (if any) and returns its final status. */
  stop(): RepeatStatus {
    return this.job ? this.stopJob(this.job) : { active: false, sent: 0 };
  }

  /** Stops `job`: a send still in flight for a job already replaced must not stop its successor. */
  private stopJob(job: Job): RepeatStatus {
    if (job.timer !== undefined) this.deps.clearTimeout(job.timer);
    job.timer = undefined;
    job.status.active = false;
    this.deps.changed();
    return { ...job.status };
  }
}
