/**
 * A panel's view of its timeline store: the filter, and the rows that pass it (view row → store
 * index, a growing Uint32Array). New events are tested one by one (O(1) each); a new filter asks the
 * store's own query, so live and stored rows cannot disagree. Also the byte helpers for everything
 * that leaves for the webview. No `vscode` import.
 */
import { objectText, type TimelineStore } from '../../core/engine/timelineStore';
import type { EventKind, TimelineEvent } from '../../core/engine/events';
import { CodedError } from '../../core/errors';
import { compilePattern, type Pattern } from '../../core/pattern';
import type { ViewFilter } from '../../shared/contract';

/** Payload bytes carried per row unless the webview asks for more. */
export const DEFAULT_PREVIEW = 256;
/** Largest window of rows or events served at once. */
export const MAX_WINDOW = 2000;

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Bytes that own their ArrayBuffer. The store hands out views into its payload chunks; posting a
 * view could copy (or, where buffers are transferred, detach) the whole chunk, so every byte array
 * that leaves for the webview is copied to its exact size first.
 */
export function ownBytes(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b instanceof Buffer) ? b : new Uint8Array(b);
}

/** Copy of an event whose payload is cut to `max` bytes (message `size` / frame `length` keep the truth). */
export function trimEvent(e: TimelineEvent, max: number): TimelineEvent {
  if (e.kind === 'message') return { ...e, data: e.data.byteLength > max ? new Uint8Array(e.data.subarray(0, max)) : ownBytes(e.data) };
  if (e.kind === 'frame') return e.payload.byteLength > max ? { ...e, payload: new Uint8Array(e.payload.subarray(0, max)), truncated: true } : { ...e, payload: ownBytes(e.payload) };
  return e;
}

/** The text a filter's text/regex is matched against: the same as the store's query (full payload for data events). */
function eventText(e: TimelineEvent): string {
  if (e.kind === 'message') return utf8.decode(e.data);
  if (e.kind === 'frame') return utf8.decode(e.payload);
  return objectText(e);
}

/**
 * Whether an event is a row of the view's mode, before its criteria (direction, kind, text). The
 * `closed` state change is not a row: the close event just before it says it all (code, reason,
 * initiator), so a close shows as one row. The store and transcripts keep both.
 */
export function inMode(f: ViewFilter, e: TimelineEvent): boolean {
  if (f.mode === 'messages' && e.kind === 'frame') return false;
  if (f.mode === 'frames' && e.kind === 'message') return false;
  return !(e.kind === 'state' && e.state === 'closed');
}

/** Whether a filter narrows its mode's rows (the panel then shows "N of M rows"). */
export function narrows(f: ViewFilter): boolean {
  return !!(f.text || f.regex || f.dirs?.length || f.kinds?.length || f.protocol || f.operation);
}

/** Compiles a view filter: the store query for existing events and a predicate for new ones. */
export function compileFilter(f: ViewFilter): { test: (e: TimelineEvent) => boolean; regex?: Pattern } {
  let regex: Pattern | undefined;
  if (f.regex) {
    // Linear-time engine: a search over 100k events cannot stall the shared extension host.
    const c = compilePattern(f.regex, (f.regexFlags ?? '').replace(/[^imsu]/g, ''));
    if (!c.ok) throw new CodedError('WSWB_PANEL_BAD_REGEX', `Invalid regular expression: ${c.error}`);
    regex = c.pattern;
  }
  // Protocol criteria (protocolTrack.ts) keep decoded messages only.
  const kinds = f.protocol || f.operation ? new Set<EventKind>(['message']) : f.kinds && f.kinds.length ? new Set(f.kinds) : undefined;
  const dirs = f.dirs && f.dirs.length ? new Set(f.dirs) : undefined;
  const text = f.text || undefined;
  const test = (e: TimelineEvent): boolean => {
    if (!inMode(f, e)) return false;
    if (kinds && !kinds.has(e.kind)) return false;
    if (dirs) {
      if (!('dir' in e) || !dirs.has(e.dir)) return false;
    }
    if (text !== undefined || regex) {
      const s = eventText(e);
      if (text !== undefined && !s.includes(text)) return false;
      if (regex && !regex.test(s)) return false;
    }
    return true;
  };
  return { test, regex };
}

const ALL_KINDS: readonly EventKind[] = ['handshake', 'frame', 'message', 'state', 'close', 'error', 'rtt', 'info'];

/** The kinds a mode shows. */
function modeKinds(mode: ViewFilter['mode']): EventKind[] {
  return mode === 'all' ? [...ALL_KINDS] : ALL_KINDS.filter((k) => (mode === 'messages' ? k !== 'frame' : k !== 'message'));
}

/** Store indexes minus the `closed` state changes (few: one per connection), see inMode. */
function withoutClosedStates(store: TimelineStore, q: number[]): number[] {
  const states = store.query({ kinds: ['state'] });
  const closed = new Set<number>();
  for (const i of states) {
    const e = store.at(i);
    if (e?.kind === 'state' && e.state === 'closed') closed.add(i);
  }
  return closed.size ? q.filter((i) => !closed.has(i)) : q;
}

/** Store index → whether the decoded message there matches a view's protocol criteria (protocolTrack.ts). */
export type ProtocolMatcher = (criteria: Pick<ViewFilter, 'protocol' | 'operation'>) => (index: number) => boolean;

/** The filtered rows of one store, and how many of them the webview has been told about. */
export class ViewRows {
  /** Protocol criteria of the filter, when it has some. */
  private protoTest: ((index: number) => boolean) | undefined;
  /** Builds the protocol test of a filter (set by the binding). */
  protocolMatcher: ProtocolMatcher | undefined;
  /** Adds protocol facts to each row's event copy (set by the binding). */
  decorate: ((e: TimelineEvent) => TimelineEvent) | undefined;
  private compiled = compileFilter({ mode: 'messages' });
  private _filter: ViewFilter = { mode: 'messages' };
  private rows = new Uint32Array(1024);
  private rowCount = 0;
  private unfilteredCount = 0;
  /** Rows the webview knows of (the last `events` post or snapshot). */
  posted = 0;
  /** The webview must drop its rows (new store, cleared): the next post says `reset`. */
  resetPending = false;

  get filter(): ViewFilter {
    return this._filter;
  }

  /** Rows in the view. */
  get total(): number {
    return this.rowCount;
  }

  /** Rows of the view's mode without its criteria (the M of "N of M rows"). */
  get unfiltered(): number {
    return this.unfilteredCount;
  }

  /** Applies a filter to `store` (throws WSWB_PANEL_BAD_REGEX before changing anything). */
  setFilter(f: ViewFilter, store: TimelineStore | undefined): void {
    const compiled = compileFilter(f);
    this._filter = f;
    this.compiled = compiled;
    this.protoTest = (f.protocol || f.operation) && this.protocolMatcher ? this.protocolMatcher({ ...(f.protocol ? { protocol: f.protocol } : {}), ...(f.operation ? { operation: f.operation } : {}) }) : undefined;
    this.rebuild(store);
  }

  /** Adds `e` (just appended to `store`) when it passes the filter. */
  offer(e: TimelineEvent, store: TimelineStore): void {
    if (inMode(this._filter, e)) this.unfilteredCount++;
    if (!this.compiled.test(e)) return;
    const i = store.indexOfId(e.id);
    if (i < 0 || (this.protoTest && !this.protoTest(i))) return;
    if (this.rowCount === this.rows.length) {
      const next = new Uint32Array(this.rows.length * 2);
      next.set(this.rows);
      this.rows = next;
    }
    this.rows[this.rowCount++] = i;
  }

  /** Recomputes every row from the store's query. */
  rebuild(store: TimelineStore | undefined): void {
    this.rowCount = 0;
    this.unfilteredCount = 0;
    if (!store) return;
    const f = this._filter;
    const kinds = this.protoTest ? (['message'] as EventKind[]) : f.mode === 'all' ? f.kinds : (f.kinds?.length ? f.kinds : ALL_KINDS).filter((k) => (f.mode === 'messages' ? k !== 'frame' : k !== 'message'));
    const q = store.query({
      ...(kinds && kinds.length ? { kinds: [...kinds] } : {}),
      ...(f.dirs?.length ? { dirs: f.dirs } : {}),
      ...(f.text ? { text: f.text } : {}),
      ...(this.compiled.regex ? { regex: this.compiled.regex } : {}),
    });
    const test = this.protoTest;
    const rows = test ? (f.mode === 'frames' ? [] : q.filter((i) => test(i))) : withoutClosedStates(store, q);
    if (this.rows.length < rows.length) this.rows = new Uint32Array(Math.max(1024, rows.length * 2));
    this.rows.set(rows);
    this.rowCount = rows.length;
    this.unfilteredCount = narrows(f) ? withoutClosedStates(store, store.query(f.mode === 'all' ? {} : { kinds: modeKinds(f.mode) })).length : rows.length;
  }

  /** The view row of store index `i`, or -1 when the view does not show it. */
  rowOfIndex(i: number): number {
    let lo = 0;
    let hi = this.rowCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const x = this.rows[mid]!;
      if (x === i) return mid;
      if (x < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Forgets every row (the store was cleared). */
  clear(): void {
    this.rowCount = 0;
    this.unfilteredCount = 0;
    this.posted = 0;
    this.resetPending = true;
  }

  /** Rows [from, to) (at most MAX_WINDOW) as events with payloads cut to `max` bytes. */
  window(store: TimelineStore, from: number, to: number, max = DEFAULT_PREVIEW): TimelineEvent[] {
    const end = Math.min(to, from + MAX_WINDOW, this.rowCount);
    const events: TimelineEvent[] = [];
    for (let r = from; r < end; r++) {
      const e = store.at(this.rows[r]!);
      if (e) events.push(this.decorate ? this.decorate(trimEvent(e, max)) : trimEvent(e, max));
    }
    return events;
  }
}

/** The full payload of a frame or message event (read back from disk when spilled), as bytes the webview may own. */
export async function readFullPayload(store: TimelineStore | undefined, id: number): Promise<Uint8Array> {
  if (!store || store.indexOfId(id) < 0) throw new CodedError('WSWB_PANEL_NO_EVENT', `No event with id ${id}`);
  const e = store.byId(id)!;
  if (e.kind === 'frame' && !e.spilled && !e.truncated) return ownBytes(e.payload);
  if (e.kind === 'message' && !e.spilled) return ownBytes(e.data);
  return ownBytes(await store.readPayload(id));
}
