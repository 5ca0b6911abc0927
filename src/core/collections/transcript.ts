/**
 * Session transcripts (docs/transcript-format.md): NDJSON, a header line then one TimelineEvent per
 * line, bytes as base64 (`dataBase64`, `payloadBase64`) and text messages also as `text`. Written
 * as a stream while recording; read back tolerating a truncated last line (a crash mid-write).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { EventKind, TimelineEvent } from '../engine/events';
import { CollectionError } from './types';

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

const MESSAGE_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'binary', 'data', 'size', 'wireSize', 'compressed', 'spilled']);
const FRAME_KEYS = new Set(['id', 'time', 'connection', 'kind', 'dir', 'fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'masked', 'maskKey', 'length', 'wireSize', 'payload', 'truncated', 'spilled']);

function onlyKeys(e: object, allowed: ReadonlySet<string>): boolean {
  for (const k in e) if (!allowed.has(k)) return false;
  return true;
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
  if (e.kind === 'message' && typeof e.id === 'number' && onlyKeys(e, MESSAGE_KEYS)) {
    const buf = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
    let line = `{"id":${num(e.id)},"time":${num(e.time)},"connection":${connJson(e.connection)},"kind":"message","dir":${dirJson(e.dir)},"binary":${e.binary},"dataBase64":"${buf.toString('base64')}","size":${num(e.size)}`;
    if (e.wireSize !== undefined) line += `,"wireSize":${num(e.wireSize)}`;
    if (e.compressed !== undefined) line += `,"compressed":${e.compressed}`;
    if (e.spilled !== undefined) line += `,"spilled":${e.spilled}`;
    if (!e.binary && !e.spilled && isUtf8(buf)) line += `,"text":${JSON.stringify(buf.toString('utf8'))}`;
    return line + '}';
  }
  if (e.kind === 'frame' && typeof e.id === 'number' && onlyKeys(e, FRAME_KEYS)) {
    const buf = Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength);
    let line = `{"id":${num(e.id)},"time":${num(e.time)},"connection":${connJson(e.connection)},"kind":"frame","dir":${dirJson(e.dir)},"fin":${e.fin},"rsv1":${e.rsv1},"rsv2":${e.rsv2},"rsv3":${e.rsv3},"opcode":${num(e.opcode)},"masked":${e.masked}`;
    if (e.maskKey !== undefined) line += `,"maskKey":${JSON.stringify(e.maskKey)}`;
    line += `,"length":${num(e.length)},"wireSize":${num(e.wireSize)},"payloadBase64":"${buf.toString('base64')}"`;
    if (e.truncated !== undefined) line += `,"truncated":${e.truncated}`;
    if (e.spilled !== undefined) line += `,"spilled":${e.spilled}`;
    return line + '}';
  }
  return JSON.stringify(encodeEvent(e));
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

/** Reads transcript lines one at a time (text or a file stream alike); see parseTranscript. */
class TranscriptLines {
  readonly errors: TranscriptProblem[] = [];
  readonly events: TimelineEvent[] = [];
  header: TranscriptHeader | undefined;
  truncated = false;
  private n = 0;

  /** One line (without its newline); `unterminated`: the last line of the input, without a newline. */
  line(line: string, unterminated: boolean): void {
    const i = this.n++;
    let raw = line;
    if (raw.charCodeAt(raw.length - 1) === 13) raw = raw.slice(0, -1);
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

/** Parses transcript text. Bad lines are reported with 1-based line numbers and skipped. */
export function parseTranscript(text: string): TranscriptReadResult {
  const r = new TranscriptLines();
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  if (endsClean) lines.pop();
  for (let i = 0; i < lines.length; i++) r.line(lines[i]!, !endsClean && i === lines.length - 1);
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
 * Reads and parses a transcript file (I/O errors reject with their errno code). Streamed line by
 * line: a long recording may be larger than the biggest string JavaScript can hold (~512 MiB).
 */
export async function readTranscript(file: string): Promise<TranscriptReadResult> {
  const r = new TranscriptLines();
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      r.line(text.slice(from, nl), false);
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  rest += decoder.end();
  if (rest.length) r.line(rest, true);
  return r.result();
}

/**
 * Streams a transcript to disk while recording: the header on creation, then one line per
 * `append`. Write errors are kept and reported by `flush`/`close`; they never throw from `append`.
 */
export class TranscriptWriter {
  private error: NodeJS.ErrnoException | undefined;
  private closed = false;
  private count = 0;
  private pending = '';
  private scheduled = false;

  private constructor(
    readonly file: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.error ??= err;
    });
  }

  /** Opens `file` (truncating it) and writes the header line. */
  static async create(file: string, header: TranscriptHeader): Promise<TranscriptWriter> {
    const stream = createWriteStream(file, { flags: 'w', encoding: 'utf8' });
    const w = new TranscriptWriter(file, stream);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    }).catch((err: NodeJS.ErrnoException) => {
      throw new CollectionError('WSWB_TRANSCRIPT_WRITE', `cannot write transcript ${file}: ${err.code ?? err.message}`, { file });
    });
    stream.write(JSON.stringify(header) + '\n');
    return w;
  }

  /** Events appended so far. */
  get eventsWritten(): number {
    return this.count;
  }

  /** Appends one event line (ignored after close or after a write error). */
  append(e: TimelineEvent): void {
    if (this.closed || this.error) return;
    // Lines are batched and handed to the stream once per turn of the event loop (or every
    // 64 KiB): one write per line costs more than encoding it.
    this.pending += encodeEventLine(e) + '\n';
    this.count++;
    if (this.pending.length >= 65536) this.writePending();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.writePending();
      });
    }
  }

  private writePending(): void {
    if (!this.pending || this.error) return;
    const chunk = this.pending;
    this.pending = '';
    this.stream.write(chunk);
  }

  private check(): void {
    if (this.error) throw new CollectionError('WSWB_TRANSCRIPT_WRITE', `writing ${this.file} failed: ${this.error.code ?? this.error.message}`, { file: this.file });
  }

  /** Resolves once everything appended so far has been handed to the OS. */
  async flush(): Promise<void> {
    this.check();
    this.writePending();
    if (!this.closed) {
      // A write's callback runs once it and everything before it reached the OS.
      await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
    }
    this.check();
  }

  /** Flushes and closes the file. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return this.check();
    this.writePending();
    this.closed = true;
    await new Promise<void>((resolve) => this.stream.end(() => resolve()));
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
