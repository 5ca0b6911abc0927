/**
 * The pairing table of one connection: requests (Socket.IO events with an ack id, GraphQL
 * subscribe, SignalR invocations, STOMP receipts and subscriptions, MQTT packet ids, JSON-RPC ids)
 * matched with the reply travelling the other way under the same key, with the latency between
 * them; requests left without a reply past the timeout are reported once as unanswered.
 */
import type { Decoded, Dir } from './types';

/** A completed pair (printed as an NDJSON `exchange` line). */
export interface Exchange {
  type: 'exchange';
  protocol: Decoded['protocol'];
  key: string;
  /** Event ids of the request and of its (first) reply. */
  request: number;
  response: number;
  latencyMs: number;
}

/** A request with no reply within the timeout (printed as an NDJSON `unanswered` line). */
export interface Unanswered {
  type: 'unanswered';
  protocol: Decoded['protocol'];
  key: string;
  request: number;
  afterMs: number;
  /** Reported because the connection ended before the timeout, not because the timeout passed. */
  closed?: true;
}

interface Entry {
  protocol: Decoded['protocol'];
  key: string;
  dir: Dir;
  request: number;
  time: number;
  /** A partial reply came (the pair is complete; the entry stays open for more). */
  answered: boolean;
}

/** Options of a pairing table. */
export interface PairingOptions {
  /** How long a request waits for its first reply before it is reported unanswered (ms, default 10000). */
  timeoutMs?: number;
  /** At most this many open entries; the oldest go first (default 10000). */
  maxEntries?: number;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
/** The shared empty result (most messages complete no pair). */
const NONE: Exchange[] = [];
Object.freeze(NONE);

/** Request ↔ reply pairing for one connection. */
export class PairingTable {
  readonly timeoutMs: number;
  private readonly maxEntries: number;
  /**
   * Open requests by key, one map per direction the request travelled. A connection speaks one
   * protocol, so the key alone is the map key (no string built per message); the entry's protocol
   * is checked when a reply looks it up.
   */
  private readonly fromOut = new Map<string, Entry>();
  private readonly fromIn = new Map<string, Entry>();

  constructor(opts: PairingOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  /** Feeds one decoded message (its items for batches) seen at `time` (ms); returns the pairs it completes. */
  observe(d: Decoded, dir: Dir, eventId: number, time: number): Exchange[] {
    const items = d.items;
    if (!items) return this.one(d, dir, eventId, time, NONE);
    let out = NONE;
    for (const p of items) out = this.one(p, dir, eventId, time, out);
    return out;
  }

  private one(p: Decoded, dir: Dir, eventId: number, time: number, out: Exchange[]): Exchange[] {
    const key = p.key;
    const role = p.role;
    if (key === undefined || role === undefined) return out;
    if (role === 'request') {
      const open = dir === 'out' ? this.fromOut : this.fromIn;
      const e: Entry = { protocol: p.protocol, key, dir, request: eventId, time, answered: false };
      // One map operation for a new key; a key reused while open moves to the end (the newest), as the
      // oldest-first eviction below expects.
      const size = open.size;
      open.set(key, e);
      if (open.size === size) {
        open.delete(key);
        open.set(key, e);
      } else if (open.size > this.maxEntries) open.delete(open.keys().next().value!);
      return out;
    }
    // A reply answers a request that travelled the other way.
    const open = dir === 'out' ? this.fromIn : this.fromOut;
    const id = key;
    const e = open.get(id);
    if (!e || e.protocol !== p.protocol) return out;
    if (!e.answered) {
      if (out === NONE) out = [];
      out.push({ type: 'exchange', protocol: e.protocol, key: e.key, request: e.request, response: eventId, latencyMs: round(time > e.time ? time - e.time : 0) });
      e.answered = true;
    }
    if (role === 'reply') open.delete(id);
    return out;
  }

  /** Requests whose timeout passed at `now` without a reply; each is reported once and forgotten. */
  expire(now: number): Unanswered[] {
    const out: Unanswered[] = [];
    for (const open of [this.fromOut, this.fromIn]) {
      for (const [id, e] of open) {
        if (e.answered || now - e.time < this.timeoutMs) continue;
        out.push({ type: 'unanswered', protocol: e.protocol, key: e.key, request: e.request, afterMs: this.timeoutMs });
        open.delete(id);
      }
    }
    return out.sort((a, b) => a.request - b.request);
  }

  /** At the end of the connection: every request still waiting for its first reply, flagged `closed`. */
  drain(now: number): Unanswered[] {
    const out: Unanswered[] = [];
    for (const e of this.entries()) {
      if (!e.answered) out.push({ type: 'unanswered', protocol: e.protocol, key: e.key, request: e.request, afterMs: round(now - e.time), closed: true });
    }
    this.fromOut.clear();
    this.fromIn.clear();
    return out.sort((a, b) => a.request - b.request);
  }

  /** The earliest time at which expire() would report something, if any request waits. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const e of this.entries()) if (!e.answered && (min === undefined || e.time < min)) min = e.time;
    return min === undefined ? undefined : min + this.timeoutMs;
  }

  /** Requests waiting for their first reply. */
  get waiting(): number {
    let n = 0;
    for (const e of this.entries()) if (!e.answered) n++;
    return n;
  }

  private *entries(): Iterable<Entry> {
    yield* this.fromOut.values();
    yield* this.fromIn.values();
  }
}
