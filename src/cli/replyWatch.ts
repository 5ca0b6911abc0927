/**
 * The waiting half of the single-request `run`: replies collected from the moment a message is
 * sent, and each expectation waiting (with its own timeout) for enough of them to match.
 */
import type { MessageEvent } from '../core/engine/events';
import type { CompiledExpect, MatchContext } from '../core/collections/expect';
import type { Decoded } from '../core/protocols/types';

/** Outcome of one expectation. */
export interface ExpectOutcome {
  ok: boolean;
  matchedId?: number;
  reason?: string;
  elapsedMs: number;
  /** What arrived, when the expectation failed (decoded summaries for protocol replies). */
  actual?: string;
}

/** A reply as the watch keeps it. */
type Received = MessageEvent & { decoded?: Decoded };

/** One line per reply for a failure's `actual`: the decoded summary when there is one, else the text. */
function describeReply(r: Received): string {
  const d = r.decoded;
  if (d && d.invalid === undefined) return `#${r.id} ${d.protocol} ${d.type}${d.key !== undefined ? ` key ${d.key}` : ''}: ${d.summary}`;
  const text = r.binary ? `hex ${Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex')}` : new TextDecoder().decode(r.data);
  return `#${r.id} ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

/**
 * Collects incoming messages from the moment a message is sent, so a reply that arrives before we
 * start waiting still counts; each rule then waits (with its own timeout) for any of them to match.
 */
export class ReplyWatch {
  private readonly replies: Received[] = [];
  private readonly waiters = new Set<() => void>();
  private closedReason: string | undefined;

  constructor(private readonly ctx: MatchContext = {}) {}

  push(e: Received): void {
    this.replies.push(e);
    for (const w of [...this.waiters]) w();
  }

  end(reason: string): void {
    this.closedReason ??= reason;
    for (const w of [...this.waiters]) w();
  }

  wait(x: CompiledExpect, now: () => number): Promise<ExpectOutcome> {
    const started = now();
    return new Promise((resolve) => {
      let checked = 0;
      let got = 0;
      const finish = (o: Omit<ExpectOutcome, 'elapsedMs'>) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        const actual = o.ok ? undefined : this.replies.length ? this.replies.slice(-5).map(describeReply).join('\n') : 'nothing received';
        resolve({ ...o, elapsedMs: Math.max(0, now() - started), ...(actual !== undefined ? { actual } : {}) });
      };
      const check = () => {
        for (; checked < this.replies.length; checked++) {
          const r = this.replies[checked]!;
          got += x.match(r, this.ctx).n;
          if (got >= x.count) return finish({ ok: true, matchedId: r.id });
        }
        if (this.closedReason !== undefined) finish({ ok: false, reason: this.closedReason });
      };
      const missing = () => (x.count > 1 ? `${got} of ${x.count} matching replies within ${x.timeoutMs} ms` : `no matching reply within ${x.timeoutMs} ms`);
      const timer = setTimeout(() => finish({ ok: false, reason: missing() }), x.timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
