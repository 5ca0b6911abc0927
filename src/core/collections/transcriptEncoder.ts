/**
 * Transcript lines encoded in batches straight into bytes (docs/transcript-format.md): message and
 * frame events — nearly every line of a recording — are written field by field into one growing
 * buffer (literal keys as bytes, integers digit by digit, base64 and the JSON-escaped `text` byte
 * by byte), without building a string or calling JSON.stringify per field; any other event (or one
 * with a field this encoder does not know) is written as `encodeEventLine` would write it. The
 * bytes are exactly those of `encodeEventLine(e) + '\n'` in UTF-8 (a property test holds it).
 *
 * Also the compact record a recording sends to the transcript worker thread (`packEvent` /
 * `unpackEvents`): numbers and flags plus the payload bytes, copied when the event is appended
 * (the store may later move a payload to disk), encoded to lines in the worker.
 */
import { isUtf8 } from 'node:buffer';
import type { FrameEvent, MessageEvent, TimelineEvent } from '../engine/events';

const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const HEX = new TextEncoder().encode('0123456789abcdef');
/** 1 for the bytes JSON.stringify writes as they are inside a string (of valid UTF-8): not a control character, `"` or `\`. */
const PLAIN = Uint8Array.from({ length: 256 }, (_, c) => (c >= 32 && c !== 34 && c !== 92 ? 1 : 0));
/** Payloads at least this long are base64-encoded by Node (native) rather than byte by byte. */
const NATIVE_B64_MIN = 512;

const MESSAGE_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'binary', 'data', 'size', 'wireSize', 'compressed', 'spilled']);
const FRAME_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'masked', 'maskKey', 'length', 'wireSize', 'payload', 'truncated', 'spilled']);

/** The keys of message and frame events in the order the store writes them (checked first: a pointer compare each). */
const MESSAGE_ORDER = ['id', 'time', 'connection', 'kind', 'dir', 'binary', 'data', 'size', 'wireSize', 'compressed', 'spilled'];
const FRAME_ORDER = ['id', 'time', 'connection', 'kind', 'dir', 'fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'masked', 'maskKey', 'length', 'wireSize', 'payload', 'truncated', 'spilled'];

function onlyKeys(e: object, allowed: ReadonlySet<string>, order: readonly string[]): boolean {
  let i = 0;
  for (const k in e) {
    // Keys come in the store's order, optional ones left out: walk the order list; a key out of it is looked up.
    while (i < order.length && order[i] !== k) i++;
    if (i < order.length) i++;
    else if (!allowed.has(k)) return false;
  }
  return true;
}

/** Whether the batch encoder writes `e` field by field (else it takes `fallback`, encodeEventLine). */
export function isFastEvent(e: TimelineEvent): e is MessageEvent | FrameEvent {
  if (typeof e.id !== 'number') return false;
  if (e.kind === 'message') return e.data instanceof Uint8Array && onlyKeys(e, MESSAGE_KEYS, MESSAGE_ORDER);
  // A frame's opcode is 4 bits on the wire (the encoder caches a run per value); any other (a hand-made event) takes the generic line.
  if (e.kind === 'frame') return e.payload instanceof Uint8Array && e.opcode >= 0 && e.opcode <= 15 && (e.opcode | 0) === e.opcode && onlyKeys(e, FRAME_KEYS, FRAME_ORDER);
  return false;
}

/** Literal pieces as bytes, made once. */
const lit = (s: string): Uint8Array => Buffer.from(s); // all Buffers: put() sees one kind of array
const L = {
  id: lit('{"id":'),
  time: lit(',"time":'),
  connection: lit(',"connection":'),
  kindMessage: lit(',"kind":"message","dir":'),
  kindFrame: lit(',"kind":"frame","dir":'),
  in: lit('"in"'),
  out: lit('"out"'),
  binary: lit(',"binary":'),
  dataB64: lit(',"dataBase64":"'),
  size: lit('","size":'),
  wireSize: lit(',"wireSize":'),
  compressed: lit(',"compressed":'),
  spilled: lit(',"spilled":'),
  text: lit(',"text":"'),
  maskKey: lit(',"maskKey":'),
  length: lit(',"length":'),
  payloadB64: lit(',"payloadBase64":"'),
  truncated: lit(',"truncated":'),
  true: lit('true'),
  false: lit('false'),
  null: lit('null'),
  endQuoteBrace: lit('"}\n'),
  endBrace: lit('}\n'),
  quote: lit('"'),
};

/** `,"fin":…,"masked":…` by (opcode << 5 | fin | rsv1 << 1 | rsv2 << 2 | rsv3 << 3 | masked << 4), made when first used. */
const FRAME_RUNS: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(512).fill(undefined);

function frameRun(key: number): Uint8Array {
  const b = (bit: number) => ((key & bit) !== 0 ? 'true' : 'false');
  return lit(`,"fin":${b(1)},"rsv1":${b(2)},"rsv2":${b(4)},"rsv3":${b(8)},"opcode":${key >> 5},"masked":${b(16)}`);
}

/**
 * A byte buffer that grows as it is written and is handed over whole: `take()` gives the bytes so
 * far to the caller (who owns them) and starts a new buffer. Never from Node's shared Buffer pool
 * (allocUnsafeSlow): a batch's ArrayBuffer may be transferred to a worker whole.
 */
class GrowingBytes {
  protected buf: Buffer;
  protected len = 0;
  private spare: Buffer | undefined;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  /** Bytes written and not yet taken. */
  get length(): number {
    return this.len;
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    const spare = this.spare;
    this.spare = undefined;
    this.buf = spare && spare.length >= this.buf.length ? spare : Buffer.allocUnsafeSlow(Math.max(64 * 1024, this.buf.length));
    this.len = 0;
    return out;
  }

  /**
   * Gives back a buffer `take()` handed out, once its bytes are written, for the next batch: a
   * recording then writes through two buffers instead of allocating one per batch (fresh external
   * memory per batch drives V8 into full collections).
   */
  recycle(taken: Buffer): void {
    const whole = Buffer.from(taken.buffer, taken.byteOffset, taken.buffer.byteLength - taken.byteOffset);
    if (!this.spare || whole.length > this.spare.length) this.spare = whole;
  }

  protected reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

/** Encodes events into one growing byte buffer; `take()` hands the batch over and starts a new one. */
export class BatchEncoder extends GrowingBytes {
  private lastConn = '';
  private lastConnJson: Uint8Array = lit('""');
  /** Cached runs from `,"connection":` on: messages by dir and binary (0–3), frames by dir (4–5). */
  private readonly runs: Array<Uint8Array | undefined> = new Array<Uint8Array | undefined>(6).fill(undefined);

  /** `fallback`: the line of an event this encoder does not write field by field (encodeEventLine). */
  constructor(
    private readonly fallback: (e: TimelineEvent) => string,
    initial?: number,
  ) {
    super(initial);
  }

  /** Appends finished line bytes (with their newline). */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Appends the event's line (with its newline). */
  encode(e: TimelineEvent): void {
    if (isFastEvent(e)) {
      if (e.kind === 'message') this.message(e);
      else this.frame(e);
    } else this.utf8(this.fallback(e) + '\n');
  }

  private message(e: MessageEvent): void {
    const data = e.data;
    // Worst case: fixed text + base64 + text with every byte escaped as \u00XX.
    this.reserve(256 + e.connection.length * 6 + ((data.length + 2) / 3) * 4 + (e.binary || e.spilled ? 0 : data.length * 6));
    this.head(e, L.kindMessage);
    this.put(L.dataB64);
    this.base64(data);
    this.put(L.size);
    this.num(e.size);
    if (e.wireSize !== undefined) {
      this.put(L.wireSize);
      this.num(e.wireSize);
    }
    this.optBool(L.compressed, e.compressed);
    this.optBool(L.spilled, e.spilled);
    if (!e.binary && !e.spilled && isUtf8(data)) {
      this.put(L.text);
      this.jsonText(data);
      this.put(L.endQuoteBrace);
    } else this.put(L.endBrace);
  }

  private frame(e: FrameEvent): void {
    const p = e.payload;
    this.reserve(384 + e.connection.length * 6 + (e.maskKey?.length ?? 0) * 6 + ((p.length + 2) / 3) * 4);
    this.head(e, L.kindFrame);
    // From `,"fin":` to the masked flag: one cached run per combination of flags and opcode (4 bits: isFastEvent).
    const key = (e.opcode << 5) | (e.fin ? 1 : 0) | (e.rsv1 ? 2 : 0) | (e.rsv2 ? 4 : 0) | (e.rsv3 ? 8 : 0) | (e.masked ? 16 : 0);
    this.put((FRAME_RUNS[key] ??= frameRun(key)));
    if (e.maskKey !== undefined) {
      this.put(L.maskKey);
      this.plainString(e.maskKey);
    }
    this.put(L.length);
    this.num(e.length);
    this.put(L.wireSize);
    this.num(e.wireSize);
    this.put(L.payloadB64);
    this.base64(p);
    this.put(L.quote);
    this.optBool(L.truncated, e.truncated);
    this.optBool(L.spilled, e.spilled);
    this.put(L.endBrace);
  }

  /**
   * `{"id":…,"time":…,"connection":…,"kind":"…","dir":…` and, for a message, `,"binary":…` — from
   * the connection's name on, one cached byte run per (kind, dir, binary) while the name repeats.
   */
  private head(e: MessageEvent | FrameEvent, kind: Uint8Array): void {
    this.put(L.id);
    this.num(e.id);
    this.put(L.time);
    this.num(e.time);
    if (e.connection !== this.lastConn) {
      // A recording names one connection over and over: its runs are kept while it repeats.
      this.lastConn = e.connection;
      this.lastConnJson = Buffer.from(JSON.stringify(e.connection));
      this.runs.fill(undefined);
    }
    const isMessage = kind === L.kindMessage;
    const di = e.dir === 'in' ? 0 : e.dir === 'out' ? 1 : -1;
    if (di < 0) {
      this.put(L.connection);
      this.put(this.lastConnJson);
      this.put(kind);
      this.utf8(JSON.stringify(e.dir));
      if (isMessage) {
        this.put(L.binary);
        this.bool((e as MessageEvent).binary);
      }
      return;
    }
    const ri = isMessage ? di * 2 + ((e as MessageEvent).binary ? 1 : 0) : 4 + di;
    let run = this.runs[ri];
    if (!run) {
      const parts = [L.connection, this.lastConnJson, kind, di ? L.out : L.in];
      if (isMessage) parts.push(L.binary, (e as MessageEvent).binary ? L.true : L.false);
      run = this.runs[ri] = Buffer.concat(parts);
    }
    this.put(run);
  }

  private put(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n > 24) {
      this.buf.set(bytes, this.len);
      this.len += n;
      return;
    }
    const b = this.buf;
    let o = this.len;
    for (let i = 0; i < n; i++) b[o++] = bytes[i]!;
    this.len = o;
  }

  /** A string as JSON: written straight when it is short printable ASCII without quotes or backslashes (a mask key's hex), else through JSON.stringify. */
  private plainString(s: string): void {
    const n = s.length;
    if (typeof s === 'string' && n <= 32) {
      const b = this.buf;
      let o = this.len;
      b[o++] = 34;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 32 || c > 126 || c === 34 || c === 92) break;
        b[o++] = c;
      }
      if (i === n) {
        b[o++] = 34;
        this.len = o;
        return;
      }
    }
    this.utf8(JSON.stringify(s));
  }

  private utf8(s: string): void {
    this.reserve(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  private bool(v: boolean): void {
    this.put(v ? L.true : L.false);
  }

  /** `,"name":true|false` for an optional flag that is set, nothing when it is undefined. */
  private optBool(name: Uint8Array, v: boolean | undefined): void {
    if (v === undefined) return;
    this.put(name);
    this.bool(v);
  }

  /** A number as JSON.stringify writes it: integers digit by digit, others through String(), non-finite as null. */
  private num(n: number): void {
    if (n >= 0 && n <= 0x7fffffff && (n | 0) === n) this.uint31(n);
    else if (Number.isSafeInteger(n) && n > 0) {
      // Two int32 halves: the digits above the last eight, then those eight (zero-padded).
      const hi = Math.floor(n / 1e8);
      let lo = n - hi * 1e8;
      this.uint31(hi);
      const b = this.buf;
      let o = this.len + 8;
      this.len = o;
      for (let i = 0; i < 8; i++) {
        const q = (lo / 10) | 0;
        b[--o] = 48 + lo - q * 10;
        lo = q;
      }
    } else if (Number.isFinite(n)) this.utf8(String(n));
    else this.put(L.null);
  }

  private uint31(n: number): void {
    const b = this.buf;
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    let o = this.len + digits;
    this.len = o;
    let x = n;
    do {
      const q = (x / 10) | 0;
      b[--o] = 48 + x - q * 10;
      x = q;
    } while (x > 0);
  }

  private base64(src: Uint8Array): void {
    const n = src.length;
    if (n >= NATIVE_B64_MIN) {
      this.len += this.buf.write(Buffer.from(src.buffer, src.byteOffset, n).toString('base64'), this.len, 'latin1');
      return;
    }
    const b = this.buf;
    let o = this.len;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
      b[o++] = B64[v >> 18]!;
      b[o++] = B64[(v >> 12) & 63]!;
      b[o++] = B64[(v >> 6) & 63]!;
      b[o++] = B64[v & 63]!;
    }
    if (i < n) {
      const v = (src[i]! << 16) | (i + 1 < n ? src[i + 1]! << 8 : 0);
      b[o++] = B64[v >> 18]!;
      b[o++] = B64[(v >> 12) & 63]!;
      b[o++] = i + 1 < n ? B64[(v >> 6) & 63]! : 61;
      b[o++] = 61;
    }
    this.len = o;
  }

  /** Valid UTF-8 bytes as the body of a JSON string, escaped exactly as JSON.stringify escapes them. */
  private jsonText(src: Uint8Array): void {
    const n = src.length;
    // Nearly always nothing to escape: find the first byte that needs it, copy up to there natively.
    let first = 0;
    while (first < n && PLAIN[src[first]!] === 1) first++;
    this.buf.set(first === n ? src : src.subarray(0, first), this.len);
    this.len += first;
    if (first === n) return;
    const b = this.buf;
    let o = this.len;
    for (let i = first; i < n; i++) {
      const c = src[i]!;
      if (c >= 32 && c !== 34 && c !== 92) b[o++] = c;
      else {
        b[o++] = 92;
        if (c === 34 || c === 92) b[o++] = c;
        else if (c === 8) b[o++] = 98;
        else if (c === 9) b[o++] = 116;
        else if (c === 10) b[o++] = 110;
        else if (c === 12) b[o++] = 102;
        else if (c === 13) b[o++] = 114;
        else {
          b[o++] = 117;
          b[o++] = 48;
          b[o++] = 48;
          b[o++] = HEX[c >> 4]!;
          b[o++] = HEX[c & 15]!;
        }
      }
    }
    this.len = o;
  }
}

/**
 * Events packed for the transcript worker: per event a tag byte, then for messages and frames
 * their numbers (float64), flags and strings, and the payload bytes; any other event (or one the
 * batch encoder does not write field by field) as its finished line. Copying the payload here is
 * what keeps the transcript right when the store moves it to disk after the append.
 */
const TAG_MESSAGE = 1;
const TAG_FRAME = 2;
const TAG_LINE = 3;
const SAME_STRING = 0xffffffff;

export class EventPacker extends GrowingBytes {
  private lastConn: string | undefined;

  constructor(
    private readonly fallback: (e: TimelineEvent) => string,
    initial?: number,
  ) {
    super(initial);
  }

  override take(): Buffer {
    this.lastConn = undefined; // each batch stands alone
    return super.take();
  }

  /** A finished line (e.g. the header), bytes as they go to the file. */
  line(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.reserve(5 + bytes);
    this.buf[this.len++] = TAG_LINE;
    this.buf.writeUInt32LE(bytes, this.len);
    this.len += 4;
    this.len += this.buf.write(text, this.len, 'utf8');
  }

  pack(e: TimelineEvent): void {
    if (!isFastEvent(e) || (e.dir !== 'in' && e.dir !== 'out')) {
      this.line(this.fallback(e) + '\n');
      return;
    }
    const bytes = e.kind === 'message' ? e.data : e.payload;
    this.reserve(96 + e.connection.length * 3 + (e.kind === 'frame' ? (e.maskKey?.length ?? 0) * 3 : 0) + bytes.length);
    const b = this.buf;
    b[this.len++] = e.kind === 'message' ? TAG_MESSAGE : TAG_FRAME;
    this.f64(e.id);
    this.f64(e.time);
    if (e.connection === this.lastConn) {
      b.writeUInt32LE(SAME_STRING, this.len);
      this.len += 4;
    } else {
      this.lastConn = e.connection;
      this.str(e.connection);
    }
    b[this.len++] = e.dir === 'in' ? 0 : 1;
    if (e.kind === 'message') {
      b[this.len++] = flag(e.binary, 1) | flag(e.wireSize !== undefined, 2) | flag(e.compressed !== undefined, 4) | flag(e.compressed, 8) | flag(e.spilled !== undefined, 16) | flag(e.spilled, 32);
      this.f64(e.size);
      if (e.wireSize !== undefined) this.f64(e.wireSize);
    } else {
      b.writeUInt16LE(
        flag(e.fin, 1) | flag(e.rsv1, 2) | flag(e.rsv2, 4) | flag(e.rsv3, 8) | flag(e.masked, 16) | flag(e.maskKey !== undefined, 32) | flag(e.truncated !== undefined, 64) | flag(e.truncated, 128) | flag(e.spilled !== undefined, 256) | flag(e.spilled, 512),
        this.len,
      );
      this.len += 2;
      this.f64(e.opcode);
      this.f64(e.length);
      this.f64(e.wireSize);
      if (e.maskKey !== undefined) this.str(e.maskKey);
    }
    b.writeUInt32LE(bytes.length, this.len);
    this.len += 4;
    b.set(bytes, this.len);
    this.len += bytes.length;
  }

  private f64(v: number): void {
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
  }

  private str(s: string): void {
    const at = this.len;
    this.len += 4;
    const n = this.buf.write(s, this.len, 'utf8');
    this.buf.writeUInt32LE(n, at);
    this.len += n;
  }
}

const flag = (v: boolean | undefined, bit: number): number => (v ? bit : 0);

/** Encodes a packed batch (EventPacker) as transcript lines into `enc`. */
export function encodePacked(packed: Buffer, enc: BatchEncoder): void {
  let p = 0;
  let conn = '';
  const f64 = () => {
    const v = packed.readDoubleLE(p);
    p += 8;
    return v;
  };
  const str = () => {
    const n = packed.readUInt32LE(p);
    p += 4;
    const s = packed.toString('utf8', p, p + n);
    p += n;
    return s;
  };
  while (p < packed.length) {
    const tag = packed[p++];
    if (tag === TAG_LINE) {
      const n = packed.readUInt32LE(p);
      p += 4;
      enc.raw(packed.subarray(p, p + n));
      p += n;
      continue;
    }
    const id = f64();
    const time = f64();
    if (packed.readUInt32LE(p) === SAME_STRING) p += 4;
    else conn = str();
    const dir = packed[p++] === 0 ? 'in' : 'out';
    if (tag === TAG_MESSAGE) {
      const fl = packed[p++]!;
      const e: MessageEvent = { id, time, connection: conn, kind: 'message', dir, binary: (fl & 1) !== 0, data: new Uint8Array(0), size: f64() };
      if (fl & 2) e.wireSize = f64();
      if (fl & 4) e.compressed = (fl & 8) !== 0;
      if (fl & 16) e.spilled = (fl & 32) !== 0;
      const n = packed.readUInt32LE(p);
      p += 4;
      e.data = packed.subarray(p, p + n);
      p += n;
      enc.encode(e);
    } else if (tag === TAG_FRAME) {
      const fl = packed.readUInt16LE(p);
      p += 2;
      const opcode = f64();
      const length = f64();
      const wireSize = f64();
      const e: FrameEvent = { id, time, connection: conn, kind: 'frame', dir, fin: (fl & 1) !== 0, rsv1: (fl & 2) !== 0, rsv2: (fl & 4) !== 0, rsv3: (fl & 8) !== 0, opcode, masked: (fl & 16) !== 0, length, wireSize, payload: new Uint8Array(0) };
      if (fl & 32) e.maskKey = str();
      if (fl & 64) e.truncated = (fl & 128) !== 0;
      if (fl & 256) e.spilled = (fl & 512) !== 0;
      const n = packed.readUInt32LE(p);
      p += 4;
      e.payload = packed.subarray(p, p + n);
      p += n;
      enc.encode(e);
    } else throw new Error(`transcript worker: bad record tag ${String(tag)} at ${p - 1}`);
  }
}
