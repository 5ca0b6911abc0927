/**
 * Session transcripts (docs/transcript-format.md): NDJSON, a header line then one TimelineEvent per
 * line, bytes as base64 (`dataBase64`, `payloadBase64`) and text messages also as `text`. Written
 * as a stream while recording; read back tolerating a truncated last line (a crash mid-write).
 */
import { close as fsClose, createReadStream, existsSync, open as fsOpen, write as fsWrite, writeSync as fsWriteSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { isUtf8 } from 'node:buffer';
import type { EventKind, TimelineEvent } from '../engine/events';
import { CollectionError } from './types';
import { BatchEncoder, EventPacker, isFastEvent } from './transcriptEncoder';
import type { WorkerBatch, WorkerReply } from './transcriptWorker';

export const TRANSCRIPT_TYPE = 'websocket-workbench-transcript';
export const TRANSCRIPT_VERSION = 1;

/** The first line of a transcript. */
export interface TranscriptHeader {
  type: typeof TRANSCRIPT_TYPE;
  version: number;
  /** ISO 8601 time the recording started. */
  createdAt: string;
  /** The request that was run, secrets redacted (absent for e.g. a mock server session). */
  request?: Record<string, unknown>;
  tool: { name: string; version: string };
  /** Where the transcript came from when it was not recorded live (e.g. `har`). */
  source?: string;
  [extra: string]: unknown;
}

/** A transcript in memory. */
export interface Transcript {
  header: TranscriptHeader;
  events: TimelineEvent[];
}

/** One unreadable line. */
export interface TranscriptProblem {
  code: 'WSWB_TRANSCRIPT_HEADER' | 'WSWB_TRANSCRIPT_VERSION' | 'WSWB_TRANSCRIPT_BAD_LINE';
  line: number;
  message: string;
}

/** Result of reading a transcript: never throws on content. */
export interface TranscriptReadResult {
  header?: TranscriptHeader;
  events: TimelineEvent[];
  errors: TranscriptProblem[];
  /** The last line was cut off (recording crashed mid-write) and was dropped. */
  truncated: boolean;
}

const KINDS: ReadonlySet<EventKind> = new Set<EventKind>(['handshake', 'frame', 'message', 'state', 'close', 'error', 'rtt', 'info']);

function b64(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
}

/** Builds a header line object. */
export function makeHeader(opts: { request?: unknown; createdAt?: Date | number; tool?: { name: string; version: string }; source?: string } = {}): TranscriptHeader {
  const h: TranscriptHeader = {
    type: TRANSCRIPT_TYPE,
    version: TRANSCRIPT_VERSION,
    createdAt: new Date(opts.createdAt ?? Date.now()).toISOString(),
    tool: opts.tool ?? { name: 'websocket-workbench', version: 'dev' },
  };
  if (opts.request !== undefined) h.request = opts.request as Record<string, unknown>;
  if (opts.source) h.source = opts.source;
  return h;
}

/** The JSON object for one event line: Uint8Array fields become `<field>Base64`. */
export function encodeEvent(e: TimelineEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (v instanceof Uint8Array) {
      out[k + 'Base64'] = b64(v);
    } else if (v !== undefined) out[k] = v;
  }
  if (e.kind === 'message' && !e.binary && !(e as { spilled?: boolean }).spilled) {
    const buf = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    // Invalid UTF-8 gets no text: the base64 copy is authoritative.
    if (isUtf8(buf)) out.text = buf.toString('utf8');
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

// A recording names one connection over and over: its JSON text is kept, not rebuilt per line.
let lastConn = '';
let lastConnJson = '""';
function connJson(c: string): string {
  if (c !== lastConn) {
    lastConnJson = JSON.stringify(c);
    lastConn = c;
  }
  return lastConnJson;
}

const dirJson = (d: string) => (d === 'in' ? '"in"' : d === 'out' ? '"out"' : JSON.stringify(d));

/**
 * One event as its NDJSON line (no newline). Messages and frames — nearly every line of a
 * recording — are built directly as text, which is several times faster than building an object
 * for JSON.stringify; anything else (or an event with fields we do not know) takes the generic path.
 * The result parses to exactly `encodeEvent(e)`.
 */
export function encodeEventLine(e: TimelineEvent): string {
  if (!isFastEvent(e)) return JSON.stringify(encodeEvent(e));
  if (e.kind === 'message') {
    const buf = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    let line = `{"id":${num(e.id)},"time":${num(e.time)},"connection":${connJson(e.connection)},"kind":"message","dir":${dirJson(e.dir)},"binary":${e.binary},"dataBase64":"${buf.toString('base64')}","size":${num(e.size)}`;
    if (e.wireSize !== undefined) line += `,"wireSize":${num(e.wireSize)}`;
    if (e.compressed !== undefined) line += `,"compressed":${e.compressed}`;
    if (e.spilled !== undefined) line += `,"spilled":${e.spilled}`;
    if (!e.binary && !e.spilled && isUtf8(buf)) line += `,"text":${JSON.stringify(buf.toString('utf8'))}`;
    return line + '}';
  }
  const buf = Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength);
  let line = `{"id":${num(e.id)},"time":${num(e.time)},"connection":${connJson(e.connection)},"kind":"frame","dir":${dirJson(e.dir)},"fin":${e.fin},"rsv1":${e.rsv1},"rsv2":${e.rsv2},"rsv3":${e.rsv3},"opcode":${num(e.opcode)},"masked":${e.masked}`;
  if (e.maskKey !== undefined) line += `,"maskKey":${JSON.stringify(e.maskKey)}`;
  line += `,"length":${num(e.length)},"wireSize":${num(e.wireSize)},"payloadBase64":"${buf.toString('base64')}"`;
  if (e.truncated !== undefined) line += `,"truncated":${e.truncated}`;
  if (e.spilled !== undefined) line += `,"spilled":${e.spilled}`;
  return line + '}';
}

/**
 * Decodes base64 strictly without a regex pass: Node's decoder skips characters outside the
 * alphabet, so a decoded length different from what the string's length implies means bad input.
 */
function fromBase64(v: string, field: string): Uint8Array {
  const buf = Buffer.from(v, 'base64');
  const pad = v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0;
  if (v.length % 4 !== 0 || buf.length !== (v.length / 4) * 3 - pad) throw new Error(`${field} is not base64`);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The keys of a message line as encodeEventLine writes it. */
const MESSAGE_LINE_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'binary', 'dataBase64', 'size', 'wireSize', 'compressed', 'spilled', 'text']);

/**
 * A message line as this tool writes it (nearly every line of a recording), turned into its event
 * with one object literal; undefined for anything else, which takes the generic path. Same result
 * as the generic path.
 */
function decodeMessageLine(o: Record<string, unknown>): TimelineEvent | undefined {
  const { id, time, connection, dir, binary, dataBase64, size } = o;
  if (typeof id !== 'number' || typeof time !== 'number' || typeof connection !== 'string' || typeof dir !== 'string' || typeof binary !== 'boolean' || typeof dataBase64 !== 'string') return undefined;
  for (const k in o) if (!MESSAGE_LINE_KEYS.has(k)) return undefined;
  const data = fromBase64(dataBase64, 'dataBase64');
  const e = { id, time, connection, kind: 'message', dir, binary, data, size: typeof size === 'number' ? size : data.length } as Record<string, unknown>;
  if (o.wireSize !== undefined) e.wireSize = o.wireSize;
  if (o.compressed !== undefined) e.compressed = o.compressed;
  if (o.spilled !== undefined) e.spilled = o.spilled;
  return e as unknown as TimelineEvent;
}

/** Turns one parsed line back into an event; throws a message string when it is not one. */
export function decodeEvent(o: unknown): TimelineEvent {
  if (!isObj(o)) throw new Error('not a JSON object');
  if (o.kind === 'message') {
    const fast = decodeMessageLine(o);
    if (fast) return fast;
  }
  if (typeof o.kind !== 'string' || !KINDS.has(o.kind as EventKind)) throw new Error(`unknown event kind ${JSON.stringify(o.kind)}`);
  if (typeof o.id !== 'number' || typeof o.time !== 'number' || typeof o.connection !== 'string') {
    throw new Error('event needs numeric id and time and a string connection');
  }
  const e: Record<string, unknown> = {};
  for (const k in o) {
    const v = o[k];
    if (typeof v === 'string' && k.endsWith('Base64')) e[k.slice(0, -6)] = fromBase64(v, k);
    else if (k !== 'text' || o.kind !== 'message') e[k] = v;
  }
  if (o.kind === 'message') {
    if (!(e.data instanceof Uint8Array)) {
      if (typeof o.text === 'string') e.data = new TextEncoder().encode(o.text);
      else e.data = new Uint8Array(0);
    }
    if (typeof e.dir !== 'string' || typeof e.binary !== 'boolean') throw new Error('message event needs dir and binary');
    if (typeof e.size !== 'number') e.size = (e.data as Uint8Array).length;
  }
  if (o.kind === 'frame') {
    if (!(e.payload instanceof Uint8Array)) e.payload = new Uint8Array(0);
    if (typeof e.opcode !== 'number' || typeof e.dir !== 'string') throw new Error('frame event needs dir and opcode');
  }
  return e as unknown as TimelineEvent;
}

/** Serializes a whole transcript to NDJSON text. */
export function serializeTranscript(t: Transcript): string {
  return [JSON.stringify(t.header), ...t.events.map(encodeEventLine)].join('\n') + '\n';
}

/**
 * Fast reading of the lines this tool writes (nearly every line of a recording is a message or a
 * frame, in encodeEventLine's field order). One sticky regular expression checks the whole line in
 * place in the chunk's text (no JSON.parse, no slice of the line; `text` is checked to be a valid
 * JSON string and skipped, since `dataBase64` is authoritative); the values are then taken from the
 * positions the shape fixes: integers digit by digit, names and directions reused while they
 * repeat, base64 decoded straight into a shared arena. Nothing but the event, its byte view and
 * the base64 text is allocated per line (a regex match array would be garbage per line). Anything
 * else (another field order or field, an escape in a name, a number that is not a plain integer,
 * base64 that does not decode exactly) does not match, and the line takes the generic path
 * (JSON.parse + decodeEvent) — so results and errors are exactly the generic path's.
 */
const RE_STR = String.raw`"[^"\\\x00-\x1f]*"`; // a JSON string without escapes
const RE_JSON_STR = String.raw`"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"`; // any JSON string, unrolled (linear)
const RE_UINT = '(?:0|[1-9][0-9]{0,14})'; // 15 digits at most: exact as a double
const RE_BOOL = '(?:true|false)';
const RE_B64 = '"[A-Za-z0-9+/]*={0,2}"';
const EVENT_LINE = new RegExp(
  `\\{"id":${RE_UINT},"time":${RE_UINT},"connection":${RE_STR},"kind":(?:` +
    `"message","dir":${RE_STR},"binary":${RE_BOOL},"dataBase64":${RE_B64},"size":${RE_UINT}` +
    `(?:,"wireSize":${RE_UINT})?(?:,"compressed":${RE_BOOL})?(?:,"spilled":${RE_BOOL})?(?:,"text":${RE_JSON_STR})?` +
    `|"frame","dir":${RE_STR},"fin":${RE_BOOL},"rsv1":${RE_BOOL},"rsv2":${RE_BOOL},"rsv3":${RE_BOOL},"opcode":${RE_UINT},"masked":${RE_BOOL}` +
    `(?:,"maskKey":${RE_STR})?,"length":${RE_UINT},"wireSize":${RE_UINT},"payloadBase64":${RE_B64}(?:,"truncated":${RE_BOOL})?(?:,"spilled":${RE_BOOL})?` +
    `)\\}`,
  'y',
);

class LineScanner {
  /** Where the last matched line's text ends (before its newline). */
  end = 0;
  private s = '';
  private p = 0;
  private lastConn = '';
  private lastMaskKey = '';
  private arena = Buffer.alloc(0);
  private arenaUsed = 0;

  /** The event of the line starting at `start` in `s`, or undefined when it is not of the expected shape. */
  scan(s: string, start: number): TimelineEvent | undefined {
    EVENT_LINE.lastIndex = start;
    if (!EVENT_LINE.test(s)) return undefined;
    this.end = EVENT_LINE.lastIndex;
    this.s = s;
    this.p = start;
    // The expression has checked every key and value: from here on, only positions are followed.
    const id = this.uint('{"id":');
    const time = this.uint(',"time":');
    this.p += ',"connection":'.length;
    const connection = (this.lastConn = this.str(this.lastConn));
    this.p += ',"kind":"'.length;
    if (s.charCodeAt(this.p) === 109) {
      this.p += 'message","dir":'.length;
      const dir = this.dir();
      const binary = this.bool(',"binary":');
      const data = this.b64(',"dataBase64":');
      if (!data) return undefined;
      const e = { id, time, connection, kind: 'message', dir, binary, data, size: this.uint(',"size":') } as Record<string, unknown>;
      if (s.startsWith(',"wireSize":', this.p)) e.wireSize = this.uint(',"wireSize":');
      if (s.startsWith(',"compressed":', this.p)) e.compressed = this.bool(',"compressed":');
      if (s.startsWith(',"spilled":', this.p)) e.spilled = this.bool(',"spilled":');
      return e as unknown as TimelineEvent;
    }
    this.p += 'frame","dir":'.length;
    const dir = this.dir();
    const fin = this.bool(',"fin":');
    const rsv1 = this.bool(',"rsv1":');
    const rsv2 = this.bool(',"rsv2":');
    const rsv3 = this.bool(',"rsv3":');
    const opcode = this.uint(',"opcode":');
    const masked = this.bool(',"masked":');
    const e = { id, time, connection, kind: 'frame', dir, fin, rsv1, rsv2, rsv3, opcode, masked } as Record<string, unknown>;
    if (s.startsWith(',"maskKey":', this.p)) {
      this.p += ',"maskKey":'.length;
      e.maskKey = this.lastMaskKey = this.str(this.lastMaskKey);
    }
    e.length = this.uint(',"length":');
    e.wireSize = this.uint(',"wireSize":');
    const payload = this.b64(',"payloadBase64":');
    if (!payload) return undefined;
    e.payload = payload;
    if (s.startsWith(',"truncated":', this.p)) e.truncated = this.bool(',"truncated":');
    if (s.startsWith(',"spilled":', this.p)) e.spilled = this.bool(',"spilled":');
    return e as unknown as TimelineEvent;
  }

  /** The plain integer after `key` (checked by the expression: digits only, at most 15). */
  private uint(key: string): number {
    const s = this.s;
    let p = this.p + key.length;
    let n = 0;
    for (let c = s.charCodeAt(p); c >= 48 && c <= 57; c = s.charCodeAt(++p)) n = n * 10 + (c - 48);
    this.p = p;
    return n;
  }

  private bool(key: string): boolean {
    const p = this.p + key.length;
    const v = this.s.charCodeAt(p) === 116;
    this.p = p + (v ? 4 : 5);
    return v;
  }

  /** The escape-free string at the cursor; `last` itself when it repeats (no new string). */
  private str(last: string): string {
    const s = this.s;
    const from = this.p + 1;
    const q = s.indexOf('"', from);
    this.p = q + 1;
    return q - from === last.length && s.startsWith(last, from) ? last : s.slice(from, q);
  }

  private dir(): string {
    const s = this.s;
    const p = this.p;
    if (s.startsWith('"in"', p)) {
      this.p = p + 4;
      return 'in';
    }
    if (s.startsWith('"out"', p)) {
      this.p = p + 5;
      return 'out';
    }
    return this.str('');
  }

  /** The base64 after `key`, decoded into the arena; undefined unless it decodes to exactly the length it implies. */
  private b64(key: string): Uint8Array | undefined {
    const s = this.s;
    const from = this.p + key.length + 1;
    const q = s.indexOf('"', from);
    this.p = q + 1;
    const len = q - from;
    if (len % 4 !== 0) return undefined;
    const pad = len && s.charCodeAt(q - 1) === 61 ? (s.charCodeAt(q - 2) === 61 ? 2 : 1) : 0;
    const bytes = (len / 4) * 3 - pad;
    if (bytes > this.arena.length - this.arenaUsed) {
      this.arena = Buffer.alloc(Math.max(bytes, 256 * 1024));
      this.arenaUsed = 0;
    }
    const at = this.arenaUsed;
    if (bytes && this.arena.write(s.slice(from, q), at, bytes, 'base64') !== bytes) return undefined;
    this.arenaUsed += bytes;
    return new Uint8Array(this.arena.buffer, this.arena.byteOffset + at, bytes);
  }
}

/** Reads transcript lines (from text or from a file's chunks alike); see parseTranscript. */
class TranscriptLines {
  readonly errors: TranscriptProblem[] = [];
  readonly events: TimelineEvent[] = [];
  header: TranscriptHeader | undefined;
  truncated = false;
  private n = 0;
  private readonly scanner = new LineScanner();

  constructor(private readonly scan = true) {}

  /**
   * Every line of `text`; `final`: `text` is the end of the input, so a last line without a
   * newline is the input's unterminated last line (otherwise text must end with a newline).
   */
  text(text: string, final: boolean): void {
    const len = text.length;
    let from = 0;
    while (from < len) {
      if (this.n > 0 && this.scan) {
        // A line the scanner reads ends where the match ends (then CR LF or LF, or the end of the input).
        const e = this.scanner.scan(text, from);
        if (e) {
          let end = this.scanner.end;
          if (text.charCodeAt(end) === 13) end++;
          if (text.charCodeAt(end) === 10 || (end === len && final)) {
            this.n++;
            this.events.push(e);
            from = end + 1;
            continue;
          }
        }
      }
      const nl = text.indexOf('\n', from);
      if (nl < 0) {
        if (final) this.lineAt(text, from, len, true);
        return;
      }
      this.lineAt(text, from, nl, false);
      from = nl + 1;
    }
  }

  private lineAt(text: string, start: number, end: number, unterminated: boolean): void {
    if (text.charCodeAt(end - 1) === 13) end--;
    this.line(text.slice(start, end), unterminated);
  }

  /** One line (without its newline or CR); `unterminated`: the last line of the input, without a newline. */
  private line(raw: string, unterminated: boolean): void {
    const i = this.n++;
    const lineNo = i + 1;
    // Blank lines are skipped (a line of ours starts with '{': no trim needed for it).
    if (raw.charCodeAt(0) !== 123 && !raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      if (unterminated) {
        this.truncated = true; // the recorder died mid-line; what came before is intact
        return;
      }
      this.errors.push({ code: 'WSWB_TRANSCRIPT_BAD_LINE', line: lineNo, message: `line ${lineNo}: invalid JSON (${err instanceof Error ? err.message : String(err)})` });
      return;
    }
    if (i === 0 || (!this.header && isObj(value) && value.type === TRANSCRIPT_TYPE)) {
      if (isObj(value) && value.type === TRANSCRIPT_TYPE) {
        if (typeof value.version !== 'number' || value.version > TRANSCRIPT_VERSION) {
          this.errors.push({ code: 'WSWB_TRANSCRIPT_VERSION', line: lineNo, message: `line ${lineNo}: transcript version ${String(value.version)} is newer than this tool reads (${TRANSCRIPT_VERSION})` });
        }
        this.header = value as TranscriptHeader;
        return;
      }
      this.errors.push({ code: 'WSWB_TRANSCRIPT_HEADER', line: lineNo, message: `line ${lineNo}: missing transcript header (expected {"type":"${TRANSCRIPT_TYPE}",…})` });
    }
    try {
      this.events.push(decodeEvent(value));
    } catch (err) {
      this.errors.push({ code: 'WSWB_TRANSCRIPT_BAD_LINE', line: lineNo, message: `line ${lineNo}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  result(): TranscriptReadResult {
    if (!this.header && !this.errors.some((e) => e.code === 'WSWB_TRANSCRIPT_HEADER')) {
      this.errors.push({ code: 'WSWB_TRANSCRIPT_HEADER', line: 1, message: 'line 1: missing transcript header' });
    }
    return { header: this.header, events: this.events, errors: this.errors, truncated: this.truncated };
  }
}

/**
 * Parses transcript text. Bad lines are reported with 1-based line numbers and skipped.
 * `scan: false` reads every line with JSON.parse (the reference the fast scanner is tested against).
 */
export function parseTranscript(text: string, opts: { scan?: boolean } = {}): TranscriptReadResult {
  const r = new TranscriptLines(opts.scan ?? true);
  r.text(text, true);
  return r.result();
}

/** The URL a transcript connected to: its handshake's, else its header request's. */
export function transcriptUrl(t: TranscriptReadResult): string | undefined {
  const hs = t.events.find((e) => e.kind === 'handshake');
  if (hs?.kind === 'handshake') return hs.request.url;
  const url = (t.header?.request as Record<string, unknown> | undefined)?.url;
  return typeof url === 'string' ? url : undefined;
}

/**
 * Reads and parses a transcript file (I/O errors reject with their errno code). Streamed in 1 MiB
 * chunks, each cut at its last newline byte (a character boundary in UTF-8) and decoded to text
 * once: a long recording may be larger than the biggest string JavaScript can hold (~512 MiB).
 */
export async function readTranscript(file: string): Promise<TranscriptReadResult> {
  const r = new TranscriptLines();
  let carry: Buffer | undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const nl = buf.lastIndexOf(10);
    if (nl < 0) {
      carry = buf;
      continue;
    }
    r.text(buf.toString('utf8', 0, nl + 1), false);
    carry = nl + 1 < buf.length ? buf.subarray(nl + 1) : undefined;
  }
  if (carry) r.text(carry.toString('utf8'), true);
  return r.result();
}

/** How a TranscriptWriter encodes: in a worker thread, in this thread, or chosen by core count. */
export type TranscriptWriterMode = 'worker' | 'thread' | 'auto';

export interface TranscriptWriterOptions {
  /** `auto` (default): a worker thread when more than two cores are available, else this thread. */
  mode?: TranscriptWriterMode;
  /** Called once with the first write error (disk full, no permission, …), as soon as it happens. */
  onError?: (err: CollectionError) => void;
  /**
   * Thread mode, how batches are written:
   * - `while-fast` (default): with a synchronous write while writes are fast, and through Node's
   *   thread pool for good once one synchronous write took longer than SLOW_WRITE_MS. The pool's
   *   write thread competes with the recording for the cores (on two cores it cost a 64 B echo
   *   about 2 µs a message), while a batch (at most 256 KiB, else what 20 ms gathered) written to
   *   a local disk holds the event loop for well under a millisecond. A slow or stalled disk (a
   *   network mount) costs one slow write, then the event loop is never held again.
   * - `sync`: always synchronous, for a process of its own (the CLI), where a write delays only itself.
   * - `pool`: always through the thread pool.
   */
  writes?: TranscriptWrites;
}

export type TranscriptWrites = 'while-fast' | 'sync' | 'pool';

/** A synchronous batch write slower than this turns a `while-fast` writer to the thread pool. */
const SLOW_WRITE_MS = 4;

/** Batches are handed over LINGER_MS after their first line, or sooner once this large. */
const BATCH_BYTES = 256 * 1024;
/**
 * How long appended lines may wait for more before they are written: a write per turn of the event
 * loop cost a 64 B echo more than encoding its lines (a thread-pool hop per write, on a machine
 * whose other core runs the peer). Lines still waiting are written by flush() and close().
 */
const LINGER_MS = 20;

const ERRNO_HINTS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EIO: 'an I/O error',
  EBADF: 'the file was closed',
};

function writeError(file: string, err: { code?: string; message: string }): CollectionError {
  const hint = err.code && ERRNO_HINTS[err.code] ? ` (${ERRNO_HINTS[err.code]})` : '';
  return new CollectionError('WSWB_TRANSCRIPT_WRITE', `writing transcript ${file} failed: ${err.code ?? err.message}${hint}; events after the failure are not in the file`, { file, errno: err.code });
}

/** Where the worker's script is: next to this module (tsx), or among the bundle's chunks. */
function workerScript(): string | undefined {
  for (const f of [path.join(__dirname, 'chunks', 'transcriptWorker.js'), path.join(__dirname, 'transcriptWorker.js'), path.join(__dirname, 'transcriptWorker.ts')]) {
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** One way of turning appended events into written batches. */
interface Sink {
  readonly mode: 'worker' | 'thread';
  /** How the next batch is written: `worker` (synchronously, in the worker), or `sync`, `while-fast` or `pool`. */
  readonly writes: TranscriptWrites | 'worker';
  /** Bytes (or packed bytes) waiting for the next batch. */
  readonly pending: number;
  add(e: TimelineEvent): void;
  /** Writes what is pending as one batch; resolves once it is in the file. */
  send(): Promise<void>;
  close(): Promise<void>;
}

/** Encodes in this thread (BatchEncoder) and writes each batch with one fs.write. */
class ThreadSink implements Sink {
  readonly mode = 'thread';
  private readonly enc = new BatchEncoder(encodeEventLine);
  constructor(
    private readonly fd: number,
    /** `while-fast` becomes `pool` after a slow write. */
    public writes: TranscriptWrites,
  ) {}
  get pending(): number {
    return this.enc.length;
  }
  add(e: TimelineEvent): void {
    this.enc.encode(e);
  }
  line(text: string): void {
    this.enc.raw(Buffer.from(text));
  }
  async send(): Promise<void> {
    const buf = this.enc.take();
    if (this.writes !== 'pool') {
      const t0 = this.writes === 'while-fast' ? performance.now() : 0;
      for (let off = 0; off < buf.length; ) off += fsWriteSync(this.fd, buf, off, buf.length - off);
      if (t0 && performance.now() - t0 > SLOW_WRITE_MS) this.writes = 'pool';
      this.enc.recycle(buf);
      return;
    }
    for (let off = 0; off < buf.length; ) {
      off += await new Promise<number>((resolve, reject) => fsWrite(this.fd, buf, off, buf.length - off, null, (err, n) => (err ? reject(err) : resolve(n))));
    }
    this.enc.recycle(buf);
  }
  close(): Promise<void> {
    return new Promise((resolve) => fsClose(this.fd, () => resolve()));
  }
}

/** Packs events here (EventPacker: numbers and payload copies) and lets a worker thread encode and write them. */
class WorkerSink implements Sink {
  readonly mode = 'worker';
  readonly writes = 'worker';
  private readonly packer = new EventPacker(encodeEventLine);
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  private dead: Error | undefined;

  constructor(
    private readonly fd: number,
    private readonly worker: Worker,
  ) {
    worker.on('message', (m: WorkerReply) => {
      const w = this.waiting.get(m.seq);
      this.waiting.delete(m.seq);
      if (!this.waiting.size) worker.unref();
      if (m.packed) this.packer.recycle(Buffer.from(m.packed.buffer, m.packed.byteOffset, m.packed.byteLength));
      if (m.error) w?.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else w?.resolve();
    });
    const die = (err: Error) => {
      this.dead ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    worker.on('error', die);
    worker.on('exit', (code) => die(new Error(`transcript worker exited (${code})`)));
    worker.unref();
  }

  static async start(fd: number): Promise<WorkerSink | undefined> {
    const script = workerScript();
    if (!script) return undefined;
    try {
      // From sources (tests, benches under tsx), the worker registers tsx itself: loader hooks do not reach workers.
      const worker = script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true, workerData: { fd } })
        : new Worker(script, { workerData: { fd } });
      // Ready once its module loaded (it says so with sequence number 0).
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
        worker.once('exit', () => reject(new Error('transcript worker exited')));
      });
      return new WorkerSink(fd, worker);
    } catch {
      return undefined; // no worker here (e.g. a host that forbids them): the caller encodes in-thread
    }
  }

  get pending(): number {
    return this.packer.length;
  }
  add(e: TimelineEvent): void {
    this.packer.pack(e);
  }
  line(text: string): void {
    this.packer.line(text);
  }
  send(): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    const packed = this.packer.take();
    const seq = ++this.seq;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.worker.ref();
      // The packer's buffers are its own (never Node's shared pool: ≥ 64 KiB): transferred, not copied.
      this.worker.postMessage({ seq, packed } satisfies WorkerBatch, [packed.buffer as ArrayBuffer]);
    });
  }
  async close(): Promise<void> {
    await this.worker.terminate();
    await new Promise<void>((resolve) => fsClose(this.fd, () => resolve()));
  }
}

/**
 * Streams a transcript to disk while recording: the header on creation, then one line per
 * `append`. Each append is encoded (or, in worker mode, packed with a copy of its payload) at
 * once; the batch is written with one write 20 ms after its first line (or per 256 KiB), one
 * batch at a time, in order. Write errors are kept, passed to `onError` and reported by
 * `flush`/`close`; they never throw from `append`.
 */
export class TranscriptWriter {
  private error: CollectionError | undefined;
  private closed = false;
  private count = 0;
  private scheduled = false;
  private writing = false;
  private idle: Array<() => void> = [];

  private constructor(
    readonly file: string,
    private readonly sink: ThreadSink | WorkerSink,
    private readonly onError: ((err: CollectionError) => void) | undefined,
  ) {}

  /** Opens `file` (truncating it) and writes the header line. */
  static async create(file: string, header: TranscriptHeader, opts: TranscriptWriterOptions = {}): Promise<TranscriptWriter> {
    let fd: number;
    try {
      fd = await new Promise<number>((resolve, reject) => fsOpen(file, 'w', (err, n) => (err ? reject(err) : resolve(n))));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new CollectionError('WSWB_TRANSCRIPT_WRITE', `cannot write transcript ${file}: ${e.code ?? e.message}`, { file });
    }
    const mode = opts.mode ?? 'auto';
    const useWorker = mode === 'worker' || (mode === 'auto' && availableParallelism() > 2);
    const sink = (useWorker && (await WorkerSink.start(fd))) || new ThreadSink(fd, opts.writes ?? 'while-fast');
    const w = new TranscriptWriter(file, sink, opts.onError);
    sink.line(JSON.stringify(header) + '\n');
    w.schedule();
    return w;
  }

  /** Where encoding happens: `worker` or `thread`. */
  get mode(): 'worker' | 'thread' {
    return this.sink.mode;
  }

  /** How batches are written now: `worker` (synchronously, in the worker), or `sync`, `while-fast` or `pool`. */
  get writes(): TranscriptWrites | 'worker' {
    return this.sink.writes;
  }

  /** Events appended so far. */
  get eventsWritten(): number {
    return this.count;
  }

  /** Appends one event line (ignored after close or after a write error). */
  append(e: TimelineEvent): void {
    if (this.closed || this.error) return;
    this.sink.add(e);
    this.count++;
    if (this.sink.pending >= BATCH_BYTES) this.kick();
    else this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.kick();
    }, LINGER_MS);
  }

  /** Sends the pending batch unless one is being written (then it follows when that one is done). */
  private kick(): void {
    if (this.writing) return;
    if (!this.sink.pending || this.error) {
      for (const f of this.idle.splice(0)) f();
      return;
    }
    this.writing = true;
    this.sink.send().then(
      () => this.written(),
      (err: NodeJS.ErrnoException) => {
        if (!this.error) {
          this.error = writeError(this.file, err);
          try {
            this.onError?.(this.error);
          } catch {
            // a listener's failure is not the recording's
          }
        }
        this.written();
      },
    );
  }

  private written(): void {
    this.writing = false;
    this.kick();
  }

  private check(): void {
    if (this.error) throw this.error;
  }

  /** Resolves once everything appended so far is in the file. */
  async flush(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.kick();
    });
    this.check();
  }

  /** Flushes and closes the file (and ends the worker). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return this.check();
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.kick();
    });
    await this.sink.close();
    this.check();
  }
}

/**
 * Events with their spilled payloads read back (e.g. `store.readPayload`), for exports: a spilled
 * message or frame carries an empty payload and `spilled: true` until then. Others pass through.
 */
export async function withPayloads(events: readonly TimelineEvent[], readPayload: (id: number) => Promise<Uint8Array>): Promise<TimelineEvent[]> {
  const out: TimelineEvent[] = [];
  for (const e of events) {
    if ((e.kind === 'message' || e.kind === 'frame') && e.spilled) {
      const bytes = await readPayload(e.id);
      const { spilled: _s, ...rest } = e;
      out.push((e.kind === 'message' ? { ...rest, data: bytes } : { ...rest, payload: bytes }) as TimelineEvent);
    } else out.push(e);
  }
  return out;
}
