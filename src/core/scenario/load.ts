/**
 * Load on one machine: N virtual users, started evenly over a ramp, each running one test (a
 * scenario, or a saved request: connect, its messages and expectations, close) again and again
 * until the duration ends. Counts connections opened and failed, messages each way, the latency of
 * every expectation that matched (send → matching reply, as the runner measures it) and failures by
 * code. Pure core: the CLI prints it (src/cli/load.ts); the exporter to Artillery is the way beyond
 * one machine.
 */
import type { TimelineEvent } from '../engine/events';
import type { PlannedTest } from './plan';
import { runTest } from './runner';
import type { RunOptions, StepResult } from './runner';

export interface LoadOptions extends Omit<RunOptions, 'onStep' | 'onEvent' | 'signal'> {
  clients: number;
  rampMs: number;
  durationMs: number;
  signal?: AbortSignal;
  /** Called about every `progressMs` (default 1000) with the counts so far. */
  onProgress?(p: LoadProgress): void;
  progressMs?: number;
}

export interface LoadProgress {
  elapsedMs: number;
  active: number;
  iterations: number;
  opened: number;
  failed: number;
  sent: number;
  received: number;
}

export interface LoadSummary {
  clients: number;
  durationMs: number;
  iterations: { total: number; passed: number; failed: number };
  connections: { opened: number; failed: number };
  messages: { sent: number; received: number; sentPerSec: number; receivedPerSec: number };
  latencyMs: { count: number; min?: number; p50?: number; p95?: number; p99?: number; max?: number; mean?: number };
  errors: Record<string, number>;
}

/** Nearest-rank percentile of sorted values (p in 0–100). */
export function percentile(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function latencyStats(values: number[]): LoadSummary['latencyMs'] {
  if (!values.length) return { count: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { count: s.length, min: s[0], p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1], mean: Math.round(mean * 10) / 10 };
}

/** Runs the load; resolves when every user has finished its last iteration after the duration. */
export async function runLoad(test: PlannedTest, opts: LoadOptions): Promise<LoadSummary> {
  const now = opts.now ?? Date.now;
  const started = now();
  const end = started + opts.durationMs;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort);
  const counts = { opened: 0, failed: 0, sent: 0, received: 0, iterations: 0, passed: 0, iterFailed: 0, active: 0 };
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  // A user's iteration in progress when the duration ends is stopped: it counts as neither.
  const deadline = setTimeout(() => stop.abort(), Math.max(0, end - now()));

  const onStep = (s: StepResult) => {
    if (s.action === 'connect') {
      if (s.ok) counts.opened++;
      else counts.failed++;
    }
    if (s.ok && (s.action === 'expect' || s.action === 'unordered')) latencies.push(s.elapsedMs);
    if (!s.ok && s.code !== 'WSWB_INTERRUPTED' && !stop.signal.aborted) errors[s.code ?? 'WSWB_STEP_FAILED'] = (errors[s.code ?? 'WSWB_STEP_FAILED'] ?? 0) + 1;
  };
  const onEvent = (e: TimelineEvent, source: string) => {
    if (e.kind !== 'message' || source.startsWith('mock:')) return;
    if (e.dir === 'out') counts.sent++;
    else counts.received++;
  };

  const progress = opts.onProgress
    ? setInterval(() => opts.onProgress!({ elapsedMs: now() - started, active: counts.active, iterations: counts.iterations, opened: counts.opened, failed: counts.failed, sent: counts.sent, received: counts.received }), opts.progressMs ?? 1000)
    : undefined;

  const user = async (i: number) => {
    const delay = opts.clients > 1 ? Math.round((opts.rampMs * i) / opts.clients) : 0;
    if (delay) await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      stop.signal.addEventListener('abort', () => {
        clearTimeout(t);
        resolve();
      });
    });
    counts.active++;
    try {
      while (!stop.signal.aborted && now() < end) {
        const r = await runTest(test, { ...opts, signal: stop.signal, onStep, onEvent });
        if (stop.signal.aborted && !r.ok) break;
        counts.iterations++;
        if (r.ok) counts.passed++;
        else {
          counts.iterFailed++;
          // A failing user does not spin: a short pause before it tries again.
          await new Promise((res) => setTimeout(res, 50));
        }
      }
    } finally {
      counts.active--;
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.clients }, (_, i) => user(i)));
  } finally {
    clearTimeout(deadline);
    if (progress) clearInterval(progress);
    opts.onProgress?.({ elapsedMs: now() - started, active: counts.active, iterations: counts.iterations, opened: counts.opened, failed: counts.failed, sent: counts.sent, received: counts.received });
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const durationMs = Math.max(1, now() - started);
  const perSec = (n: number) => Math.round((n * 10000) / durationMs) / 10;
  return {
    clients: opts.clients,
    durationMs,
    iterations: { total: counts.iterations, passed: counts.passed, failed: counts.iterFailed },
    connections: { opened: counts.opened, failed: counts.failed },
    messages: { sent: counts.sent, received: counts.received, sentPerSec: perSec(counts.sent), receivedPerSec: perSec(counts.received) },
    latencyMs: latencyStats(latencies),
    errors,
  };
}
