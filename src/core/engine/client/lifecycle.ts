/**
 * The timing side of a client connection's lifecycle: round trips of pings, the keep-alive
 * interval, and the reconnect backoff. (The close and handshake timers stay with the connection,
 * whose state they change.)
 */
import type { ConnectionOptions } from './options';

/** Pending pings by payload, so each pong yields the round trip of the ping it answers. */
export class RoundTrips {
  private readonly pending = new Map<string, number[]>();

  sent(payload: Uint8Array, at: number): void {
    const key = Buffer.from(payload).toString('hex');
    const list = this.pending.get(key);
    if (list) list.push(at);
    else this.pending.set(key, [at]);
  }

  /** The round trip in ms when the pong answers a ping we sent (oldest first), else undefined. */
  pong(payload: Uint8Array, at: number): number | undefined {
    const key = Buffer.from(payload).toString('hex');
    const list = this.pending.get(key);
    const t0 = list?.shift();
    if (t0 === undefined) return undefined;
    if (!list!.length) this.pending.delete(key);
    return at - t0;
  }

  clear(): void {
    this.pending.clear();
  }
}

/** Keep-alive pings every `pingIntervalMs` while the connection is open (unref'd: never keeps the process alive). */
export class KeepAlive {
  private timer: NodeJS.Timeout | null = null;

  start(everyMs: number | undefined, ping: (payload: Buffer) => void): void {
    this.stop();
    if (!everyMs || everyMs <= 0) return;
    let n = 0;
    this.timer = setInterval(() => ping(Buffer.from(`keepalive-${++n}`)), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Exponential backoff with jitter: initial × 2^attempt, capped, ± jitter (random in [0, 1)). */
export function backoffDelay(r: ConnectionOptions['reconnect'], attempt: number, random: () => number): number {
  const initial = r?.initialDelayMs ?? 500;
  const max = r?.maxDelayMs ?? 30_000;
  const jitter = Math.min(1, Math.max(0, r?.jitter ?? 0.2));
  const base = Math.min(max, initial * 2 ** attempt);
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}
