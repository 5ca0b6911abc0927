/**
 * The timeline store: every event of one or more connections, in order, with monotonic ids.
 *
 * Budget (DESIGN.md): 1M frames recorded must keep the host heap under 300 MB. So frames and
 * messages — the bulk of any session — are not kept as objects. Their fields live in growable
 * typed-array columns (~50 bytes per event) and their payloads are appended to one byte log held
 * in fixed-size chunks. When the log's in-memory part exceeds `memoryBudgetBytes`, its oldest
 * chunks are written to a spill file at the same offsets, so a payload's address never changes:
 *
 *   payload log   [ 0 ........ spilledUpTo | spilledUpTo ........ end ]
 *                   on disk (spill file)     in memory (chunks)
 *
 * Rare kinds (handshake, state, close, error, rtt, info) and frames/messages carrying fields the
 * store does not know are kept as objects. `at()` materializes an event object on demand.
 *
 * The wire stack records through recordFrame()/recordMessage(), one batch per socket read (see
 * "Recording in batches" in docs/architecture.md): fields into pending columns, payloads into the
 * log at once, one append per batch, event objects only for listeners. Log chunks come from an
 * arena shared by all stores; the spill writes all chunks beyond the budget in one writev.
 *
 * Over ~400 lines on purpose: the columns, the payload log and the spill file share offsets and
 * invariants that are easiest to check in one file; the column classes stay separate (see below).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Direction, EventKind, FrameEvent, MessageEvent, NewEvent, TimelineEvent } from './events';
import type { Pattern } from '../pattern';

/** Options of a TimelineStore. */
export interface TimelineStoreOptions {
  /** Payload bytes kept in memory (default 64 MiB); beyond it the oldest payloads move to a spill file. */
  memoryBudgetBytes?: number;
  /** Directory of the spill file (default os.tmpdir()/websocket-workbench). */
  spillDir?: string;
  /** Time source for events appended without a time. */
  clock?: () => number;
  /** The file calls of the spill path (default node:fs); tests count syscalls through it. */
  spillIo?: SpillIo;
}

/** The fs calls the spill path makes: one `writev` per spill of all chunks beyond the budget. */
export interface SpillIo {
  writev(fd: number, buffers: readonly NodeJS.ArrayBufferView[], position: number, cb: (err: NodeJS.ErrnoException | null, bytesWritten: number) => void): void;
}

/**
 * Who recorded a batched wire event: told about it (as an object) when the batch is appended, if it
 * listens. The Connection and the MockServer pass themselves, so their listeners see wire events in
 * store order, after the store's own listeners.
 */
export interface WireOwner {
  /** Someone wants event objects (else none is built for this owner). */
  readonly listening: boolean;
  /** `at`: a message's fine time from stamp() when it was recorded (0 for frames, or with no stamp()). */
  deliver(e: TimelineEvent, at: number): void;
  /**
   * A message's fine time (ms, sub-ms resolution), read as it is recorded, before any listener's work
   * (protocol pair latencies are timed with it); optional.
   */
  stamp?(dirIn: boolean): number;
}

/** A query over the store; every given criterion must match. */
export interface TimelineQuery {
  dirs?: Direction[];
  kinds?: EventKind[];
  connection?: string;
  /** Case-sensitive substring of the payload (UTF-8) or of the event's text fields. */
  text?: string;
  /** A user pattern: compiled by src/core/pattern.ts (linear time), never a raw RegExp. */
  regex?: Pattern;
  /** First index to consider. */
  from?: number;
  /** Stop after this many matches. */
  limit?: number;
}

/** Counters that prove nothing was lost: recorded = inMemory + onDisk. */
export interface TimelineCounters {
  recorded: number;
  inMemory: number;
  onDisk: number;
  bytesInMemory: number;
  bytesOnDisk: number;
}

const KIND_FRAME = 1;
const KIND_MESSAGE = 2;
const KIND_OBJECT = 3; // anything kept as an object

// flag bits
const F_IN = 1;
const F_FIN = 2;
const F_RSV1 = 4;
const F_RSV2 = 8;
const F_RSV3 = 16;
const F_MASKED = 32;
const F_TRUNCATED = 64; // frame; for messages: binary
const F_BINARY = 64;
const F_HAS_WIRE = 128; // message has wireSize
const F2_COMPRESSED_SET = 1;
const F2_COMPRESSED = 2;
const F2_TRUNCATED_SET = 4; // frame.truncated was present (false or true)

const FRAME_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'masked', 'maskKey', 'length', 'wireSize', 'payload', 'truncated', 'spilled']);
const MESSAGE_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'binary', 'data', 'size', 'wireSize', 'compressed', 'spilled']);

const EMPTY = new Uint8Array(0);
const SEG_BITS = 16;
const SEG = 1 << SEG_BITS;
const SEG_MASK = SEG - 1;
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Chunks of which a zero-copy view was handed out (at(), slice()): never reused. */
const lentChunks = new WeakSet<Buffer>();

/**
 * The payload arena: log chunks no store uses any more (spilled, cleared or disposed, and never
 * lent), taken again by the next chunk any store needs. A reused chunk's pages are already mapped
 * and count no new external memory, where a fresh 1 MiB buffer costs a page fault per 4 KiB on
 * first write and, at 16 KiB messages, drives V8's external-memory GCs. At most ARENA_MAX_BYTES
 * are kept, and all of them are released after ARENA_IDLE_MS without use.
 */
const ARENA_MAX_BYTES = 64 * 1024 * 1024;
const ARENA_IDLE_MS = 5000;
const arena = new Map<number, Buffer[]>();
let arenaBytes = 0;
let arenaUsed = 0;
let arenaTimer: ReturnType<typeof setTimeout> | undefined;

/** A chunk of `size` bytes: from the arena if one is free, else fresh. */
function takeChunk(size: number): Buffer {
  const c = arena.get(size)?.pop();
  if (!c) return Buffer.allocUnsafeSlow(size);
  arenaBytes -= size;
  arenaUsed = Date.now();
  return c;
}

/** Returns a chunk no event points into any more (unless a view of it was lent out). */
function giveChunk(c: Buffer): void {
  if (lentChunks.has(c) || arenaBytes + c.length > ARENA_MAX_BYTES) return;
  let list = arena.get(c.length);
  if (!list) arena.set(c.length, (list = []));
  list.push(c);
  arenaBytes += c.length;
  arenaUsed = Date.now();
  if (!arenaTimer) armArenaTimer(ARENA_IDLE_MS);
}

function armArenaTimer(ms: number): void {
  arenaTimer = setTimeout(() => {
    arenaTimer = undefined;
    const idle = Date.now() - arenaUsed;
    if (idle >= ARENA_IDLE_MS) {
      arena.clear();
      arenaBytes = 0;
    } else if (arenaBytes > 0) armArenaTimer(ARENA_IDLE_MS - idle);
  }, ms);
  arenaTimer.unref?.();
}

/** Bytes the arena holds (tests). */
export function arenaHeldBytes(): number {
  return arenaBytes;
}

let spillSeq = 0;

/** Ordered, compact, disk-backed store of TimelineEvents. */
export class TimelineStore {
  private readonly budget: number;
  private readonly chunkSize: number;
  private readonly spillDir: string;
  private readonly clock: () => number;
  private readonly io: SpillIo;

  // columns
  private cap = 0;
  private n = 0;
  // kind (2 bits) | flags << 2 (8 bits) | flags2 << 10 (3 bits) | opcode << 13 (4 bits): one write per event
  private meta = new U32Col();
  private conn = new U16Col();
  private time = new F64Col();
  private len = new F64Col(); // frame: length; message: size
  private wire = new F64Col(); // wireSize
  private mask = new U32Col();
  private pOff = new F64Col(); // payload offset in the log
  private pLen = new U32Col(); // payload bytes stored
  private objects = new Map<number, TimelineEvent>();

  private readonly connNames: string[] = [];
  private readonly connIndex = new Map<string, number>();

  private firstId = 1;
  private nextId = 1;

  // payload log
  private chunks: Buffer[] = []; // chunks[i] covers [chunkBase + i*chunkSize, ...)
  private chunkBase = 0; // == spilledUpTo
  private logEnd = 0;
  private spillFd: number | undefined;
  private spillPath: string | undefined;
  private spilledEvents = 0; // events [0, spilledEvents) with payload fully before chunkBase
  private disposed = false;

  private readonly listeners = new Set<(e: TimelineEvent) => void>();

  constructor(opts: TimelineStoreOptions = {}) {
    this.budget = Math.max(1024, opts.memoryBudgetBytes ?? 64 * 1024 * 1024);
    this.chunkSize = Math.min(1024 * 1024, Math.max(512, Math.floor(this.budget / 8)));
    this.spillDir = opts.spillDir ?? path.join(os.tmpdir(), 'websocket-workbench');
    this.clock = opts.clock ?? Date.now;
    this.io = opts.spillIo ?? fs;
  }

  /** Number of events held (recorded since the last clear). */
  get length(): number {
    if (this.bN) this.flushBatch();
    return this.n;
  }

  /** Path of the spill file, once something was spilled. */
  get spillFile(): string | undefined {
    return this.spillPath;
  }

  /**
   * Appends an event, assigns its id (in place: the object passed becomes the event), notifies
   * listeners and returns it. Payload bytes are copied into the store; the caller may reuse its buffer.
   */
  append(e: NewEvent): TimelineEvent {
    return this.appendEvent(e, false);
  }

  /**
   * For the engine's hot path: like append(), for events known to carry only the fields of their
   * kind (no extra keys to preserve), which skips a per-event key scan. A message whose data is the
   * very memory of the payload appended just before (same buffer, offset, length) shares it without
   * comparing, so such bytes must not change between the two calls.
   */
  appendKnown(e: NewEvent): TimelineEvent {
    return this.appendEvent(e, true);
  }

  // ---- batched wire events: one append per socket read ----
  //
  // The wire stack records frames and messages through recordFrame()/recordMessage() between
  // beginBatch() and endBatch() (one socket read). Each event's payload is copied into the log at
  // once (so the caller's buffer may change afterwards) and its fields go to these pending columns,
  // no object; endBatch() appends them all to the store's columns, ids in order, checks the spill
  // budget once, and only then builds event objects, for listeners (the store's and the owner's)
  // when there are any. Anything else that touches the store flushes what is pending first, so the
  // order of events is the order they were recorded in.

  private bOpen = 0;
  private bN = 0;
  private bCap = 0;
  private bMeta = new Uint32Array(0);
  private bConn = new Uint16Array(0);
  private bTime = new Float64Array(0);
  private bLen = new Float64Array(0);
  private bWire = new Float64Array(0);
  private bMask = new Uint32Array(0);
  private bOff = new Float64Array(0);
  private bPLen = new Uint32Array(0);
  /** The recorded payloads (for event objects only: the log already has their bytes). */
  private bPay: Array<Uint8Array | undefined> = [];
  private bOwner: Array<WireOwner | undefined> = [];
  /** Fine times of pending messages whose owner listens (WireOwner.stamp), else 0. */
  private bAt = new Float64Array(0);

  /** Opens a batch (they nest): wire events recorded until the matching endBatch() are appended together. */
  beginBatch(): void {
    this.bOpen++;
  }

  /** Closes a batch: appends what the outermost one recorded. */
  endBatch(): void {
    if (this.bOpen > 0 && --this.bOpen === 0 && this.bN) this.flushBatch();
  }

  /**
   * Records a frame (batched; appended at once outside a batch). Like recordMessage(), its payload
   * must not change between this call and the next record (the same-memory sharing relies on it).
   * `b0` is its first header byte,
   * `key` its masking key as a 32-bit number (when `masked`), `stored` how many payload bytes to
   * keep (`truncated` when fewer than the frame had).
   */
  recordFrame(owner: WireOwner | undefined, time: number, connection: string, dirIn: boolean, b0: number, masked: boolean, key: number, length: number, wireSize: number, payload: Uint8Array, stored: number, truncated: boolean): void {
    if (this.disposed) return;
    const j = this.bN === this.bCap ? this.growBatch() : this.bN;
    let f = ((b0 & 0x80) >> 6) | ((b0 & 0x40) >> 4) | ((b0 & 0x20) >> 2) | (b0 & 0x10);
    if (dirIn) f |= F_IN;
    if (masked) f |= F_MASKED;
    if (truncated) f |= F_TRUNCATED;
    this.bMeta[j] = packMeta(KIND_FRAME, f, truncated ? F2_TRUNCATED_SET : 0, b0);
    this.bConn[j] = this.connId(connection);
    this.bTime[j] = time;
    this.bLen[j] = length;
    this.bWire[j] = wireSize;
    this.bMask[j] = masked ? key : 0;
    // A frame that is the very memory of the payload just stored (an echo: the reply's frame is the
    // received message's buffer) shares its bytes, as a message after its frame does.
    const same = stored === payload.length ? this.sameAs(payload) : -1;
    this.bOff[j] = same >= 0 ? same : this.storeBytes(payload, stored);
    this.bPLen[j] = stored;
    this.bPay[j] = payload;
    this.bOwner[j] = owner;
    this.bAt[j] = 0;
    this.bN = j + 1;
    if (this.bOpen === 0) this.flushBatch();
  }

  /** Records a whole message (batched like recordFrame()); a message whose bytes its frame just stored shares them. */
  recordMessage(owner: WireOwner | undefined, time: number, connection: string, dirIn: boolean, binary: boolean, data: Uint8Array, wireSize: number, compressed: boolean): void {
    if (this.disposed) return;
    const j = this.bN === this.bCap ? this.growBatch() : this.bN;
    let f = F_HAS_WIRE;
    if (dirIn) f |= F_IN;
    if (binary) f |= F_BINARY;
    this.bMeta[j] = packMeta(KIND_MESSAGE, f, compressed ? F2_COMPRESSED_SET | F2_COMPRESSED : F2_COMPRESSED_SET, binary ? 2 : 1);
    this.bConn[j] = this.connId(connection);
    this.bTime[j] = time;
    this.bLen[j] = data.length;
    this.bWire[j] = wireSize;
    this.bMask[j] = 0;
    let off = this.sameAs(data);
    if (off < 0) off = this.recentAs(data);
    this.bOff[j] = off >= 0 ? off : this.storeBytes(data, data.length);
    this.bPLen[j] = data.length;
    this.bPay[j] = data;
    this.bOwner[j] = owner;
    this.bAt[j] = owner !== undefined && owner.stamp !== undefined && owner.listening ? owner.stamp(dirIn) : 0;
    this.bN = j + 1;
    if (this.bOpen === 0) this.flushBatch();
  }

  private growBatch(): number {
    const cap = this.bCap === 0 ? 64 : this.bCap * 2;
    const grow = <T extends Uint32Array | Uint16Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.bMeta = grow(this.bMeta, (n) => new Uint32Array(n));
    this.bConn = grow(this.bConn, (n) => new Uint16Array(n));
    this.bTime = grow(this.bTime, (n) => new Float64Array(n));
    this.bLen = grow(this.bLen, (n) => new Float64Array(n));
    this.bWire = grow(this.bWire, (n) => new Float64Array(n));
    this.bMask = grow(this.bMask, (n) => new Uint32Array(n));
    this.bOff = grow(this.bOff, (n) => new Float64Array(n));
    this.bPLen = grow(this.bPLen, (n) => new Uint32Array(n));
    this.bAt = grow(this.bAt, (n) => new Float64Array(n));
    this.bCap = cap;
    return this.bN;
  }

  /** Appends the pending wire events (see above), then tells listeners about them. */
  private flushBatch(): void {
    const k = this.bN;
    if (k === 0) return;
    this.bN = 0;
    const storeListens = this.listeners.size > 0;
    let events: TimelineEvent[] | undefined;
    let owners: Array<WireOwner | undefined> | undefined;
    let ats: number[] | undefined;
    for (let j = 0; j < k; j++) {
      const i = this.n;
      if (i === this.cap) this.grow();
      this.meta.set(i, this.bMeta[j]!);
      this.conn.set(i, this.bConn[j]!);
      this.time.set(i, this.bTime[j]!);
      this.len.set(i, this.bLen[j]!);
      this.wire.set(i, this.bWire[j]!);
      this.mask.set(i, this.bMask[j]!);
      this.pOff.set(i, this.bOff[j]!);
      this.pLen.set(i, this.bPLen[j]!);
      this.n = i + 1;
      const id = this.nextId++;
      const owner = this.bOwner[j];
      if (storeListens || owner?.listening) {
        (events ??= []).push(this.batchEvent(j, id));
        (owners ??= []).push(owner);
        (ats ??= []).push(this.bAt[j]!);
      }
      this.bPay[j] = undefined;
      this.bOwner[j] = undefined;
    }
    if (this.logEnd - this.chunkBase > this.budget) this.maybeSpill();
    if (!events) return;
    for (let e = 0; e < events.length; e++) {
      const ev = events[e]!;
      for (const l of this.listeners) {
        try {
          l(ev);
        } catch {
          // A listener's bug must not stop recording.
        }
      }
      owners![e]?.deliver(ev, ats![e]!);
    }
  }

  /** The object of pending event j: the same shape the wire stack's objects had (payload: the recorded bytes). */
  private batchEvent(j: number, id: number): TimelineEvent {
    const m = this.bMeta[j]!;
    const f = (m >>> 2) & 0xff;
    const p = this.bPay[j]!;
    const time = this.bTime[j]!;
    const connection = this.connNames[this.bConn[j]!]!;
    const dir = f & F_IN ? 'in' : 'out';
    if ((m & 3) === KIND_FRAME) {
      const stored = this.bPLen[j]!;
      const masked = (f & F_MASKED) !== 0;
      const e: FrameEvent = {
        time, connection, kind: 'frame', dir, fin: !!(f & F_FIN), rsv1: !!(f & F_RSV1), rsv2: !!(f & F_RSV2), rsv3: !!(f & F_RSV3), opcode: (m >>> 13) & 0xf, masked,
        maskKey: masked ? this.bMask[j]!.toString(16).padStart(8, '0') : undefined,
        length: this.bLen[j]!, wireSize: this.bWire[j]!, payload: p.length > stored ? p.subarray(0, stored) : p,
        truncated: f & F_TRUNCATED ? true : undefined,
        id,
      };
      return e;
    }
    const f2 = (m >>> 10) & 7;
    const e: MessageEvent = { time, connection, kind: 'message', dir, binary: !!(f & F_BINARY), data: p, size: this.bLen[j]!, wireSize: this.bWire[j]!, compressed: !!(f2 & F2_COMPRESSED), id };
    return e;
  }

  private appendEvent(e: NewEvent, known: boolean): TimelineEvent {
    if (this.disposed) throw new Error('TimelineStore is disposed');
    if (this.bN) this.flushBatch(); // wire events recorded before this one come first
    const id = this.nextId++;
    // The caller's object becomes the event (id assigned in place): no copy on the hot path.
    const ev = e as TimelineEvent;
    ev.id = id;
    if (ev.time === undefined) ev.time = this.clock();
    const i = this.n;
    if (i === this.cap) this.grow();
    this.time.set(i, ev.time);
    this.conn.set(i, this.connId(ev.connection));
    // Opcodes beyond 4 bits (not on any wire) keep their exact value in the object path.
    if (ev.kind === 'frame' && (ev.opcode & 0xf) === ev.opcode && (known || onlyKeys(ev, FRAME_KEYS))) {
      let f = ev.dir === 'in' ? F_IN : 0;
      if (ev.fin) f |= F_FIN;
      if (ev.rsv1) f |= F_RSV1;
      if (ev.rsv2) f |= F_RSV2;
      if (ev.rsv3) f |= F_RSV3;
      if (ev.masked) f |= F_MASKED;
      if (ev.truncated) f |= F_TRUNCATED;
      this.meta.set(i, packMeta(KIND_FRAME, f, ev.truncated !== undefined ? F2_TRUNCATED_SET : 0, ev.opcode));
      this.len.set(i, ev.length);
      this.wire.set(i, ev.wireSize);
      this.mask.set(i, ev.maskKey ? parseInt(ev.maskKey, 16) >>> 0 : 0);
      this.storePayload(i, ev.payload);
    } else if (ev.kind === 'message' && (known || onlyKeys(ev, MESSAGE_KEYS))) {
      let f = ev.dir === 'in' ? F_IN : 0;
      if (ev.binary) f |= F_BINARY;
      if (ev.wireSize !== undefined) f |= F_HAS_WIRE;
      const f2 = ev.compressed === undefined ? 0 : ev.compressed ? F2_COMPRESSED_SET | F2_COMPRESSED : F2_COMPRESSED_SET;
      this.meta.set(i, packMeta(KIND_MESSAGE, f, f2, ev.binary ? 2 : 1));
      this.len.set(i, ev.size);
      this.wire.set(i, ev.wireSize ?? 0);
      // A single-frame, uncompressed message has the bytes its frame just stored: share them.
      // Else an identical recent payload still in memory; else a copy.
      let off = known ? this.sameAs(ev.data) : -1;
      if (off < 0) off = this.recentAs(ev.data);
      if (off < 0) this.storePayload(i, ev.data);
      else {
        this.pOff.set(i, off);
        this.pLen.set(i, ev.data.length);
      }
    } else {
      this.meta.set(i, packMeta(KIND_OBJECT, 'dir' in ev && ev.dir === 'in' ? F_IN : 0, 0, 0));
      this.pOff.set(i, this.logEnd);
      this.pLen.set(i, 0);
      if (ev.kind === 'frame' || ev.kind === 'message') {
        // Unknown extra fields: keep the object, but still move its payload into the log.
        const bytes = ev.kind === 'frame' ? ev.payload : ev.data;
        this.storePayload(i, bytes);
        const copy = { ...ev } as FrameEvent | MessageEvent;
        if (copy.kind === 'frame') copy.payload = EMPTY;
        else copy.data = EMPTY;
        this.objects.set(i, copy);
      } else {
        this.objects.set(i, ev);
      }
    }
    this.n = i + 1;
    if (this.logEnd - this.chunkBase > this.budget) this.maybeSpill();
    if (this.listeners.size) {
      for (const l of this.listeners) {
        try {
          l(ev);
        } catch {
          // A listener's bug must not stop recording.
        }
      }
    }
    return ev;
  }

  /** The event at an index (0 = oldest held), materialized. */
  at(index: number): TimelineEvent | undefined {
    if (this.bN) this.flushBatch();
    if (!Number.isInteger(index) || index < 0 || index >= this.n) return undefined;
    return this.materialize(index);
  }

  /** Events in [from, to). */
  slice(from: number, to: number): TimelineEvent[] {
    if (this.bN) this.flushBatch();
    const a = Math.max(0, from | 0);
    const b = Math.min(this.n, to | 0);
    const out: TimelineEvent[] = [];
    for (let i = a; i < b; i++) out.push(this.materialize(i));
    return out;
  }

  /** The event with this id, if still held. */
  byId(id: number): TimelineEvent | undefined {
    return this.at(id - this.firstId);
  }

  /** Index of the event with this id, or -1. */
  indexOfId(id: number): number {
    if (this.bN) this.flushBatch();
    const i = id - this.firstId;
    return Number.isInteger(i) && i >= 0 && i < this.n ? i : -1;
  }

  /** Indices of matching events, in order. Text and regex match full payloads, spilled ones included. */
  query(q: TimelineQuery): number[] {
    if (this.bN) this.flushBatch();
    const out: number[] = [];
    const limit = q.limit ?? Infinity;
    if (limit <= 0) return out;
    let kindMask = 0;
    const kinds = q.kinds ? new Set(q.kinds) : undefined;
    if (kinds) {
      if (kinds.has('frame')) kindMask |= 1 << KIND_FRAME;
      if (kinds.has('message')) kindMask |= 1 << KIND_MESSAGE;
      kindMask |= 1 << KIND_OBJECT; // checked per object below
    }
    let dirIn = true;
    let dirOut = true;
    if (q.dirs) {
      dirIn = q.dirs.includes('in');
      dirOut = q.dirs.includes('out');
    }
    const conn = q.connection !== undefined ? this.connIndex.get(q.connection) : undefined;
    if (q.connection !== undefined && conn === undefined) return out;
    const text = q.text;
    const re = q.regex;
    const needsPayload = text !== undefined || re !== undefined;
    for (let i = Math.max(0, q.from ?? 0); i < this.n; i++) {
      const m = this.meta.get(i);
      const k = m & 3;
      if (kinds && !(kindMask & (1 << k))) continue;
      if (conn !== undefined && this.conn.get(i) !== conn) continue;
      let obj: TimelineEvent | undefined;
      if (k === KIND_OBJECT) {
        obj = this.objects.get(i)!;
        if (kinds && !kinds.has(obj.kind)) continue;
        if (q.dirs) {
          if (!('dir' in obj)) continue;
          if (obj.dir === 'in' ? !dirIn : !dirOut) continue;
        }
      } else if (q.dirs) {
        if ((m >>> 2) & F_IN ? !dirIn : !dirOut) continue;
      }
      if (needsPayload) {
        let s: string;
        if (k === KIND_OBJECT && obj!.kind !== 'frame' && obj!.kind !== 'message') s = objectText(obj!);
        else s = this.payloadText(i);
        if (text !== undefined && !s.includes(text)) continue;
        if (re && !re.test(s)) continue;
      }
      out.push(i);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The full payload of a frame or message event, even if spilled (empty for other kinds). */
  async readPayload(id: number): Promise<Uint8Array> {
    const i = this.indexOfId(id);
    if (i < 0) throw new Error(`No event with id ${id}`);
    return this.payloadCopy(i);
  }

  /** Counters: recorded (held), inMemory, onDisk, and payload bytes on each side. */
  counters(): TimelineCounters {
    if (this.bN) this.flushBatch();
    this.advanceSpilledEvents();
    return {
      recorded: this.n,
      inMemory: this.n - this.spilledEvents,
      onDisk: this.spilledEvents,
      bytesInMemory: this.logEnd - this.chunkBase,
      bytesOnDisk: this.chunkBase,
    };
  }

  /** Subscribes to appended events; returns the unsubscribe function. */
  onEvent(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets every event (ids keep increasing) and empties the spill file. */
  clear(): void {
    if (this.bN) this.flushBatch(); // recorded before the clear: cleared with the rest
    this.n = 0;
    this.cap = 0;
    for (const c of this.columns()) c.reset();
    this.objects.clear();
    this.firstId = this.nextId;
    // Back to the arena, but not the chunks a spill write still reads from.
    for (const c of this.chunks) if (!this.inflight.includes(c)) giveChunk(c);
    this.chunks = [];
    this.chunkBase = 0;
    this.logEnd = 0;
    this.spilledEvents = 0;
    this.spillScan = 0;
    this.recent.fill(0);
    this.lastSrc = undefined;
    this.generation++;
    this.spillFailed = false;
    if (this.spillFd !== undefined && !this.writing) {
      try {
        fs.ftruncateSync(this.spillFd, 0);
      } catch {
        // best effort
      }
    }
  }

  /** Releases memory and deletes the spill file. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.clear();
    this.disposed = true;
    this.listeners.clear();
    await this.flush();
    if (this.spillFd !== undefined) {
      const fd = this.spillFd;
      this.spillFd = undefined;
      await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
    }
    if (this.spillPath) await fs.promises.rm(this.spillPath, { force: true }).catch(() => undefined);
  }

  // ---- internals ----

  private lastConnName: string | undefined;
  private lastConnId = 0;

  private connId(name: string): number {
    if (name === this.lastConnName) return this.lastConnId;
    let c = this.connIndex.get(name);
    if (c === undefined) {
      c = this.connNames.length;
      if (c > 0xffff) c = 0xffff; // practically unreachable; shares the last slot
      else {
        this.connNames.push(name);
        this.connIndex.set(name, c);
      }
    }
    this.lastConnName = name;
    this.lastConnId = c;
    return c;
  }

  private grow(): void {
    // Segmented columns: growing never copies more than one small first segment, so appending
    // the millionth event costs what the first did (no pause of tens of ms on the event loop).
    const cap = this.cap < SEG ? (this.cap === 0 ? 1024 : this.cap * 2) : this.cap + SEG;
    for (const c of this.columns()) c.ensure(cap);
    this.cap = cap;
  }

  private columns(): Array<{ ensure(cap: number): void; reset(): void }> {
    return [this.meta, this.conn, this.time, this.len, this.wire, this.mask, this.pOff, this.pLen];
  }

  // The last few payloads written, as [offset, length] pairs, for recentAs().
  private recent = new Float64Array(8);
  private recentPos = 0;

  // Where the last stored payload came from (its memory, not a copy), for sameAs().
  private lastSrc: ArrayBufferLike | undefined;
  private lastSrcOffset = 0;
  private lastSrcLen = 0;
  private lastSrcAt = 0;

  /**
   * The log offset of the last stored payload when `b` is the very same memory (same buffer, offset
   * and length), else -1: the engine's message after its single frame, whose bytes are one view of
   * one socket chunk (or one sent buffer). No compare needed; only for appendKnown() and batched
   * callers, which do not change those bytes between the two records.
   */
  private sameAs(b: Uint8Array | undefined): number {
    if (!b || b.length === 0 || b.buffer !== this.lastSrc || b.byteOffset !== this.lastSrcOffset || b.length !== this.lastSrcLen) return -1;
    return this.lastSrcAt;
  }

  /** The log offset of an identical recent payload still in memory, else -1. */
  private recentAs(b: Uint8Array | undefined): number {
    if (!b || b.length < 16) return -1; // tiny payloads: copying is cheaper than comparing
    const cs = this.chunkSize;
    for (let k = 0; k < 8; k += 2) {
      const off = this.recent[k]!;
      const len = this.recent[k + 1]!;
      if (len !== b.length || off < this.chunkBase) continue;
      const rel = off - this.chunkBase;
      const ci = Math.floor(rel / cs);
      const co = rel - ci * cs;
      if (co + len > cs) continue;
      if (this.chunks[ci]!.compare(b, 0, len, co, co + len) !== 0) continue;
      return off;
    }
    return -1;
  }

  private storePayload(i: number, bytes: Uint8Array | undefined): void {
    const b = bytes ?? EMPTY;
    this.pLen.set(i, b.length);
    this.pOff.set(i, this.storeBytes(b, b.length));
  }

  /**
   * Copies the first `n` bytes of `b` to the end of the payload log (its chunks are the store's
   * arena: reused once spilled unless a view of them was handed out) and returns their offset.
   */
  private storeBytes(b: Uint8Array, n: number): number {
    const at = this.logEnd;
    this.lastSrc = b.buffer;
    this.lastSrcOffset = b.byteOffset;
    this.lastSrcLen = n;
    this.lastSrcAt = at;
    if (n >= 16) {
      this.recent[this.recentPos] = at;
      this.recent[this.recentPos + 1] = n;
      this.recentPos = (this.recentPos + 2) & 7;
    }
    let src = 0;
    const cs = this.chunkSize;
    while (src < n) {
      const rel = this.logEnd - this.chunkBase;
      const ci = Math.floor(rel / cs);
      const co = rel - ci * cs;
      let chunk = this.chunks[ci];
      if (!chunk) {
        // From the arena (see takeChunk): a spilled chunk nobody holds a view of is reused.
        chunk = takeChunk(cs);
        this.chunks[ci] = chunk;
      }
      const take = Math.min(cs - co, n - src);
      chunk.set(take === b.length ? b : b.subarray(src, src + take), co);
      src += take;
      this.logEnd += take;
    }
    return at;
  }

  /**
   * Writes the oldest full chunks to the spill file while the in-memory log exceeds the budget, all
   * of them in one `writev` (one syscall per spill, however many chunks a batch pushed past the
   * budget or piled up while the previous write was in flight). Writes are asynchronous (off the
   * event loop) and one at a time; chunks leave memory only once they are on disk, so every byte is
   * always readable from one side or the other.
   */
  private maybeSpill(): void {
    if (this.writing) return;
    if (this.spillFailed) {
      this.notifyFlushed(); // nothing more will be written: flush() must not wait for it
      return;
    }
    const cs = this.chunkSize;
    // Never the last chunk (being filled); as many of the oldest as the budget is exceeded by.
    let k = 0;
    while (k < this.chunks.length - 1 && this.logEnd - (this.chunkBase + k * cs) > this.budget) k++;
    if (k === 0) {
      this.notifyFlushed();
      return;
    }
    if (this.spillFd === undefined) {
      try {
        this.openSpill();
      } catch {
        this.spillFailed = true; // keep everything in memory rather than lose it
        this.notifyFlushed();
        return;
      }
    }
    this.writing = true;
    const gen = this.generation;
    const bufs = this.chunks.slice(0, k);
    this.inflight = bufs;
    const fd = this.spillFd!;
    const base = this.chunkBase;
    const total = k * cs;
    const writeFrom = (done: number) => {
      this.io.writev(fd, done === 0 ? bufs : rest(bufs, done, cs), base + done, (err, n) => {
        if (!err && n > 0 && done + n < total) {
          writeFrom(done + n);
          return;
        }
        this.writing = false;
        this.inflight = [];
        if (gen === this.generation && !this.disposed) {
          if (err || n <= 0) this.spillFailed = true;
          else {
            const spilled = this.chunks.splice(0, k);
            this.chunkBase += total;
            for (const c of spilled) giveChunk(c);
          }
        }
        if (this.disposed) this.notifyFlushed();
        else this.maybeSpill();
      });
    };
    writeFrom(0);
  }

  /** The chunks the spill write in flight reads from. */
  private inflight: Buffer[] = [];
  private writing = false;
  private spillFailed = false;
  private generation = 0;
  private flushWaiters: Array<() => void> = [];

  private notifyFlushed(): void {
    if (this.writing || this.flushWaiters.length === 0) return;
    for (const w of this.flushWaiters.splice(0)) w();
  }

  /** Resolves once pending spill writes are done (the counters are then final for what was appended). */
  flush(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  private openSpill(): void {
    fs.mkdirSync(this.spillDir, { recursive: true });
    this.spillPath = path.join(this.spillDir, `timeline-${process.pid}-${Date.now()}-${++spillSeq}.spill`);
    this.spillFd = fs.openSync(this.spillPath, 'w+', 0o600);
  }

  private advanceSpilledEvents(): void {
    // Payload offsets never decrease with the index, so events whose payload starts before the
    // spilled boundary form a prefix; among them, those with a payload are on disk.
    let p = this.spillScan;
    let c = this.spilledEvents;
    while (p < this.n && this.pOff.get(p) < this.chunkBase) {
      if (this.pLen.get(p) > 0) c++;
      p++;
    }
    this.spillScan = p;
    this.spilledEvents = c;
  }

  private spillScan = 0;

  private isSpilled(i: number): boolean {
    const l = this.pLen.get(i);
    return l > 0 && this.pOff.get(i) < this.chunkBase;
  }

  /** Payload bytes of event i: a zero-copy view when it sits in one in-memory chunk, else a copy. */
  private payloadView(i: number): Uint8Array {
    const l = this.pLen.get(i);
    if (l === 0) return EMPTY;
    const off = this.pOff.get(i);
    if (off >= this.chunkBase) {
      const rel = off - this.chunkBase;
      const ci = Math.floor(rel / this.chunkSize);
      const co = rel - ci * this.chunkSize;
      if (co + l <= this.chunkSize) {
        const c = this.chunks[ci]!;
        // The view outlives the chunk's time in memory: never recycle this chunk.
        lentChunks.add(c);
        return c.subarray(co, co + l);
      }
    }
    return this.readRange(off, l);
  }

  private payloadCopy(i: number): Uint8Array {
    const v = this.payloadView(i);
    return v.length === 0 ? new Uint8Array(0) : v.slice();
  }

  private readRange(off: number, l: number): Uint8Array {
    const out = new Uint8Array(l);
    let pos = 0;
    // part on disk
    if (off < this.chunkBase) {
      const diskLen = Math.min(l, this.chunkBase - off);
      while (pos < diskLen) {
        const r = fs.readSync(this.spillFd!, out, pos, diskLen - pos, off + pos);
        if (r <= 0) break;
        pos += r;
      }
      pos = diskLen;
    }
    while (pos < l) {
      const rel = off + pos - this.chunkBase;
      const ci = Math.floor(rel / this.chunkSize);
      const co = rel - ci * this.chunkSize;
      const take = Math.min(this.chunkSize - co, l - pos);
      out.set(this.chunks[ci]!.subarray(co, co + take), pos);
      pos += take;
    }
    return out;
  }

  private payloadText(i: number): string {
    const l = this.pLen.get(i);
    if (l === 0) return '';
    const off = this.pOff.get(i);
    if (off >= this.chunkBase) {
      const rel = off - this.chunkBase;
      const ci = Math.floor(rel / this.chunkSize);
      const co = rel - ci * this.chunkSize;
      if (co + l <= this.chunkSize) {
        const c = this.chunks[ci]!;
        return Buffer.from(c.buffer, c.byteOffset + co, l).toString('utf8');
      }
    }
    return decoder.decode(this.readRange(off, l));
  }

  private materialize(i: number): TimelineEvent {
    const m = this.meta.get(i);
    const k = m & 3;
    const id = this.firstId + i;
    const time = this.time.get(i);
    const connection = this.connNames[this.conn.get(i)]!;
    const f = (m >>> 2) & 0xff;
    const f2 = (m >>> 10) & 7;
    if (k === KIND_FRAME) {
      const spilled = this.isSpilled(i);
      const e: FrameEvent = {
        id,
        time,
        connection,
        kind: 'frame',
        dir: f & F_IN ? 'in' : 'out',
        fin: !!(f & F_FIN),
        rsv1: !!(f & F_RSV1),
        rsv2: !!(f & F_RSV2),
        rsv3: !!(f & F_RSV3),
        opcode: (m >>> 13) & 0xf,
        masked: !!(f & F_MASKED),
        length: this.len.get(i),
        wireSize: this.wire.get(i),
        payload: spilled ? EMPTY : this.payloadView(i),
      };
      if (f & F_MASKED) e.maskKey = this.mask.get(i).toString(16).padStart(8, '0');
      if (f2 & F2_TRUNCATED_SET) e.truncated = !!(f & F_TRUNCATED);
      if (spilled) e.spilled = true;
      return e;
    }
    if (k === KIND_MESSAGE) {
      const spilled = this.isSpilled(i);
      const e: MessageEvent = {
        id,
        time,
        connection,
        kind: 'message',
        dir: f & F_IN ? 'in' : 'out',
        binary: !!(f & F_BINARY),
        data: spilled ? EMPTY : this.payloadView(i),
        size: this.len.get(i),
      };
      if (f & F_HAS_WIRE) e.wireSize = this.wire.get(i);
      if (f2 & F2_COMPRESSED_SET) e.compressed = !!(f2 & F2_COMPRESSED);
      if (spilled) e.spilled = true;
      return e;
    }
    const o = this.objects.get(i)!;
    if ((o.kind === 'frame' || o.kind === 'message') && this.pLen.get(i) > 0) {
      const spilled = this.isSpilled(i);
      const bytes = spilled ? EMPTY : this.payloadView(i);
      const e = (o.kind === 'frame' ? { ...o, payload: bytes } : { ...o, data: bytes }) as FrameEvent | MessageEvent;
      if (spilled) e.spilled = true;
      return e;
    }
    return o;
  }
}

/*
 * Three column classes, not one generic class over the typed-array constructor: get/set run for
 * every event of every query, and one class per element type keeps each call site monomorphic in
 * V8 (a shared generic method sees three array shapes and goes polymorphic on the hot path).
 */

/** A growable column of Uint16Array in segments of SEG entries (the first one grows by doubling). */
class U16Col {
  private segs: Uint16Array[] = [];
  get(i: number): number {
    return this.segs[i >>> SEG_BITS]![i & SEG_MASK]!;
  }
  set(i: number, v: number): void {
    this.segs[i >>> SEG_BITS]![i & SEG_MASK] = v;
  }
  ensure(cap: number): void {
    if (cap <= SEG) {
      const old = this.segs[0];
      const a = new Uint16Array(cap);
      if (old) a.set(old);
      this.segs[0] = a;
    } else {
      while (this.segs.length * SEG < cap) this.segs.push(new Uint16Array(SEG));
      if (this.segs[0]!.length < SEG) {
        const a = new Uint16Array(SEG);
        a.set(this.segs[0]!);
        this.segs[0] = a;
      }
    }
  }
  reset(): void {
    this.segs = [];
  }
}

/** A growable column of Uint32Array in segments of SEG entries (the first one grows by doubling). */
class U32Col {
  private segs: Uint32Array[] = [];
  get(i: number): number {
    return this.segs[i >>> SEG_BITS]![i & SEG_MASK]!;
  }
  set(i: number, v: number): void {
    this.segs[i >>> SEG_BITS]![i & SEG_MASK] = v;
  }
  ensure(cap: number): void {
    if (cap <= SEG) {
      const old = this.segs[0];
      const a = new Uint32Array(cap);
      if (old) a.set(old);
      this.segs[0] = a;
    } else {
      while (this.segs.length * SEG < cap) this.segs.push(new Uint32Array(SEG));
      if (this.segs[0]!.length < SEG) {
        const a = new Uint32Array(SEG);
        a.set(this.segs[0]!);
        this.segs[0] = a;
      }
    }
  }
  reset(): void {
    this.segs = [];
  }
}

/** A growable column of Float64Array in segments of SEG entries (the first one grows by doubling). */
class F64Col {
  private segs: Float64Array[] = [];
  get(i: number): number {
    return this.segs[i >>> SEG_BITS]![i & SEG_MASK]!;
  }
  set(i: number, v: number): void {
    this.segs[i >>> SEG_BITS]![i & SEG_MASK] = v;
  }
  ensure(cap: number): void {
    if (cap <= SEG) {
      const old = this.segs[0];
      const a = new Float64Array(cap);
      if (old) a.set(old);
      this.segs[0] = a;
    } else {
      while (this.segs.length * SEG < cap) this.segs.push(new Float64Array(SEG));
      if (this.segs[0]!.length < SEG) {
        const a = new Float64Array(SEG);
        a.set(this.segs[0]!);
        this.segs[0] = a;
      }
    }
  }
  reset(): void {
    this.segs = [];
  }
}

/** One meta word: kind, flags, flags2 and opcode of an event. */
function packMeta(kind: number, flags: number, flags2: number, opcode: number): number {
  return (kind | (flags << 2) | (flags2 << 10) | ((opcode & 0xf) << 13)) >>> 0;
}

/** What is left of `bufs` (each `cs` bytes) after the first `done` bytes were written. */
function rest(bufs: Buffer[], done: number, cs: number): Buffer[] {
  const first = Math.floor(done / cs);
  const out = bufs.slice(first);
  const off = done - first * cs;
  if (off > 0) out[0] = out[0]!.subarray(off);
  return out;
}

function onlyKeys(o: object, allowed: Set<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

/** The text a text/regex query matches for a non-data event (data events match their decoded payload). */
export function objectText(e: TimelineEvent): string {
  switch (e.kind) {
    case 'error':
      return `${e.code} ${e.message}`;
    case 'info':
      return e.message;
    case 'close':
      return `${e.code} ${e.reason}`;
    case 'state':
      return e.detail ? `${e.state} ${e.detail}` : e.state;
    case 'handshake': {
      const parts = [e.request.url, ...e.request.headers.map(([k, v]) => `${k}: ${v}`)];
      if (e.response) parts.push(`${e.response.status} ${e.response.statusText}`, ...e.response.headers.map(([k, v]) => `${k}: ${v}`));
      if (e.response?.body) parts.push(e.response.body);
      return parts.join('\n');
    }
    case 'rtt':
      return `${e.ms}`;
    default:
      return '';
  }
}
