/**
 * What a panel knows about the protocol spoken on its timeline: each decoded message (for rows and
 * the detail pane), the pairs and unanswered requests the ProtocolSession reported, and latencies
 * per operation. One track per panel store (reconnects share it, like the store). No `vscode` import.
 *
 * Memory stays bounded whatever the traffic: the decoded packets of the newest MAX_PACKETS messages
 * are kept (their summaries are built only when a row is shown: LazyPacket); for every message the
 * track keeps 4 bytes (an index into a small table of protocol/type/name), which is what the view
 * filter reads; pairs beyond MAX_PAIRS are forgotten oldest first.
 */
import type { Exchange, Unanswered } from '../../core/protocols/pairing';
import type { SessionOutput } from '../../core/protocols/connectionSession';
import { loadProtocols } from '../../core/lazy';
import type { Decoded } from '../../core/protocols/types';
import type { TimelineEvent } from '../../core/engine/events';
import type { TimelineStore } from '../../core/engine/timelineStore';
import { ROW_SUMMARY_MAX, type LatencyRow, type RowProtocol } from '../../shared/protocolContract';

/** Decoded packets kept for rows and the detail pane (older rows show protocol and type only). */
export const MAX_PACKETS = 50_000;
/** Pairs and unanswered marks kept. */
export const MAX_PAIRS = 100_000;
/** Row updates (pairs completed, requests unanswered) carried by one post. */
const MAX_CHANGED = 2000;
/** Latency samples kept per operation (count and max stay exact). */
const MAX_SAMPLES = 100_000;

/** Protocol, type and operation name of a message: what filters and the latency table read. */
interface Facet {
  protocol: Decoded['protocol'];
  type: string;
  name: string | undefined;
  /** Lower case `type` and `name`, for the filter. */
  text: string;
}

interface Stat {
  protocol: Decoded['protocol'];
  name: string;
  count: number;
  max: number;
  samples: number[];
  unanswered: number;
}

/** The operation a packet names: Socket.IO event, GraphQL operation, SignalR target, STOMP destination, MQTT topic, JSON-RPC method. */
export function operationName(d: Decoded): string | undefined {
  const first = d.items?.[0] ?? d;
  const s = (x: unknown) => (typeof x === 'string' && x ? x : undefined);
  switch (first.protocol) {
    case 'socket.io':
      return s(first.event);
    case 'graphql-ws': {
      const p = first.payload as { operationName?: unknown; query?: unknown } | undefined;
      if (!p || typeof p !== 'object') return undefined;
      if (s(p.operationName)) return p.operationName as string;
      // `subscription OnChat { … }` → OnChat; `{ chat { … } }` → chat (the first field).
      const q = s(p.query);
      if (!q) return undefined;
      return /\b(?:query|mutation|subscription)\s+([_A-Za-z]\w*)/.exec(q)?.[1] ?? /\{\s*([_A-Za-z]\w*)/.exec(q)?.[1];
    }
    case 'signalr':
      return s(first.target);
    case 'stomp':
      return s((first.headers as Record<string, string> | undefined)?.destination);
    case 'mqtt': {
      if (s(first.topic)) return first.topic as string;
      const subs = first.subscriptions as Array<{ topic: string }> | undefined;
      if (Array.isArray(subs) && subs.length) return subs.map((x) => x.topic).join(', ');
      const uns = first.unsubscriptions as string[] | undefined;
      return Array.isArray(uns) && uns.length ? uns.join(', ') : undefined;
    }
    case 'json-rpc':
      return s(first.method);
  }
}

/** A view's protocol criteria, compiled. */
export interface ProtocolCriteria {
  protocol?: Decoded['protocol'] | 'any';
  operation?: string;
}

/** Decoded packets, pairs and latencies of one panel's timeline. */
export class ProtocolTrack {
  private readonly packets = new Map<number, Decoded>();
  private readonly pairs = new Map<number, { peer: number; latencyMs: number; request: boolean }>();
  private readonly unanswered = new Map<number, { afterMs: number; closed?: boolean }>();
  private readonly facets: Facet[] = [];
  private readonly facetIds = new Map<string, number>();
  /** Facet index + 1 per store index (0: not decoded). */
  private column = new Int32Array(1024);
  private readonly stats = new Map<string, Stat>();
  /** Events whose pair or unanswered mark came after their row may have been posted (the binding re-posts them). */
  readonly changed = new Set<number>();
  /** Unanswered requests in total. */
  unansweredCount = 0;
  /** Messages decoded in total (tests, the header). */
  decodedCount = 0;

  constructor(private readonly store: () => TimelineStore | undefined) {}

  /** Takes one output of a ProtocolSession; returns the event when it is one (the binding offers it to the view). */
  record(o: SessionOutput): TimelineEvent | undefined {
    if (o.type === 'event') {
      if (o.decoded) this.decoded(o.event, o.decoded);
      return o.event;
    }
    if (o.type === 'exchange') this.exchange(o);
    else this.noReply(o);
    return undefined;
  }

  private decoded(e: TimelineEvent, d: Decoded): void {
    const store = this.store();
    const i = store ? store.indexOfId(e.id) : -1;
    if (i < 0) return;
    this.decodedCount++;
    this.packets.set(e.id, d);
    if (this.packets.size > MAX_PACKETS) this.packets.delete(this.packets.keys().next().value!);
    const name = operationName(d);
    const key = `${d.protocol}\0${d.type}\0${name ?? ''}`;
    let f = this.facetIds.get(key);
    if (f === undefined) {
      f = this.facets.length;
      this.facets.push({ protocol: d.protocol, type: d.type, name, text: `${d.type}\0${name ?? ''}`.toLowerCase() });
      this.facetIds.set(key, f);
    }
    if (i >= this.column.length) {
      const next = new Int32Array(Math.max(i + 1, this.column.length * 2));
      next.set(this.column);
      this.column = next;
    }
    this.column[i] = f + 1;
  }

  private facetOfId(id: number): Facet | undefined {
    const i = this.store()?.indexOfId(id) ?? -1;
    const f = i >= 0 && i < this.column.length ? this.column[i]! : 0;
    return f ? this.facets[f - 1] : undefined;
  }

  private setPair(id: number, p: { peer: number; latencyMs: number; request: boolean }): void {
    this.pairs.set(id, p);
    if (this.pairs.size > MAX_PAIRS) this.pairs.delete(this.pairs.keys().next().value!);
  }

  private stat(request: number, protocol: Decoded['protocol']): Stat {
    const f = this.facetOfId(request);
    const name = f?.name ?? f?.type ?? '?';
    const k = `${protocol}\0${name}`;
    let s = this.stats.get(k);
    if (!s) this.stats.set(k, (s = { protocol, name, count: 0, max: 0, samples: [], unanswered: 0 }));
    return s;
  }

  private touch(id: number): void {
    // Bounded: beyond a screenful of updates per post the webview re-fetches rows as it scrolls anyway.
    if (this.changed.size < MAX_CHANGED) this.changed.add(id);
  }

  private exchange(x: Exchange): void {
    this.touch(x.request);
    this.touch(x.response);
    this.setPair(x.request, { peer: x.response, latencyMs: x.latencyMs, request: true });
    // A reply answers one request; a message answering several (a batch) keeps the first.
    if (!this.pairs.has(x.response)) this.setPair(x.response, { peer: x.request, latencyMs: x.latencyMs, request: false });
    const s = this.stat(x.request, x.protocol);
    s.count++;
    if (x.latencyMs > s.max) s.max = x.latencyMs;
    if (s.samples.length < MAX_SAMPLES) s.samples.push(x.latencyMs);
    else s.samples[s.count % MAX_SAMPLES] = x.latencyMs;
  }

  private noReply(u: Unanswered): void {
    this.touch(u.request);
    this.unanswered.set(u.request, { afterMs: u.afterMs, ...(u.closed ? { closed: true } : {}) });
    if (this.unanswered.size > MAX_PAIRS) this.unanswered.delete(this.unanswered.keys().next().value!);
    this.unansweredCount++;
    this.stat(u.request, u.protocol).unanswered++;
  }

  /** The row facts of an event (undefined when it was not decoded). Summaries are cut to one short line. */
  rowOf(id: number): RowProtocol | undefined {
    const d = this.packets.get(id);
    const f = d ? undefined : this.facetOfId(id);
    if (!d && !f) return undefined;
    let summary = d ? d.summary : '';
    if (summary.length > ROW_SUMMARY_MAX) summary = `${summary.slice(0, ROW_SUMMARY_MAX - 1)}…`;
    const name = d ? operationName(d) : f!.name;
    const r: RowProtocol = { protocol: d?.protocol ?? f!.protocol, type: d?.type ?? f!.type, summary };
    if (name !== undefined) r.name = name;
    const pair = this.pairs.get(id);
    if (pair) r.pair = pair;
    const un = this.unanswered.get(id);
    if (un) r.unanswered = un;
    return r;
  }

  /** Adds `proto` to a row's event (a copy the view made for the webview). */
  decorate(e: TimelineEvent): TimelineEvent {
    if (e.kind !== 'message') return e;
    const r = this.rowOf(e.id);
    if (r) (e as TimelineEvent & { proto?: RowProtocol }).proto = r;
    return e;
  }

  /** The decoded packet as plain JSON, for the detail pane. */
  detail(id: number): { decoded: Record<string, unknown>; row: RowProtocol } | undefined {
    const d = this.packets.get(id);
    const row = this.rowOf(id);
    if (!d || !row) return undefined;
    return { decoded: loadProtocols().publicDecoded(d), row };
  }

  /** A test for the view filter: does the message at store index `i` match the criteria? */
  matcher(c: ProtocolCriteria): (index: number) => boolean {
    const op = c.operation?.trim().toLowerCase();
    const proto = c.protocol;
    const ok = this.facets.map((f) => (!proto || proto === 'any' || f.protocol === proto) && (!op || f.text.includes(op)));
    return (i) => {
      const f = i < this.column.length ? this.column[i]! : 0;
      if (!f) return false;
      // Facets added after the matcher was built are tested when first met.
      if (f > ok.length) for (let k = ok.length; k < f; k++) ok.push((!proto || proto === 'any' || this.facets[k]!.protocol === proto) && (!op || this.facets[k]!.text.includes(op)));
      return ok[f - 1]!;
    };
  }

  /** The latency table, busiest operation first; percentiles by nearest rank. */
  latency(): LatencyRow[] {
    const rank = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : 0);
    return [...this.stats.values()]
      .map((s) => {
        const sorted = [...s.samples].sort((a, b) => a - b);
        return { protocol: s.protocol, name: s.name, count: s.count, p50: rank(sorted, 0.5), p95: rank(sorted, 0.95), max: s.max, unanswered: s.unanswered };
      })
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  /** Forgets everything (the store was cleared or replaced). */
  clear(): void {
    this.packets.clear();
    this.pairs.clear();
    this.unanswered.clear();
    this.changed.clear();
    this.column = new Int32Array(1024);
    this.stats.clear();
    this.unansweredCount = 0;
    this.decodedCount = 0;
  }
}
