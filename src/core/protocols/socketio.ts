/**
 * Socket.IO v4 over Engine.IO v4 (and Engine.IO v3 framing) on the websocket transport: decoding of
 * both layers and encoding of Socket.IO packets, with the official socket.io-parser and
 * engine.io-parser (loaded lazily). One WebSocket message is one Engine.IO packet; binary
 * attachments of BINARY_EVENT/BINARY_ACK follow as separate binary messages.
 */
import type { Packet } from 'socket.io-parser';
import { loadEngineIoParser, loadSocketIoParser } from '../lazy';
import { LazyPacket } from './packet';
import type { Decoded, Dir, ProtocolDecoder, WireMessage } from './types';
import { argList, bytesToJson, isObject, jsonToBytes, short, textOf } from './util';

const TYPE_NAMES = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'] as const;
const ENGINE_NAMES: Record<string, string> = { open: 'OPEN', close: 'CLOSE', ping: 'PING', pong: 'PONG', message: 'MESSAGE', upgrade: 'UPGRADE', noop: 'NOOP' };

/** Pairing key of an ack id in a namespace (`"1"` in `/`, `"/admin#1"` elsewhere). */
export function ackKey(nsp: string, id: number): string {
  return nsp === '/' ? String(id) : `${nsp}#${id}`;
}

/** The summary of a decoded Socket.IO packet (built when first read). */
function summarizeSio(d: LazyPacket): string {
  const nsp = d.namespace === '/' ? '' : `${String(d.namespace)} `;
  let s: string;
  switch (d.type) {
    case 'EVENT':
    case 'BINARY_EVENT': {
      const ev = d.event;
      s = `${nsp}${typeof ev === 'string' ? ev : short(ev, 30)}(${argList(d.args as unknown[])})${d.ackId !== undefined ? ` ack ${String(d.ackId)}` : ''}`;
      break;
    }
    case 'ACK':
    case 'BINARY_ACK':
      s = `${nsp}ack ${d.ackId === undefined ? '?' : String(d.ackId)} ${argList(d.args as unknown[])}`.trimEnd();
      break;
    case 'CONNECT':
      s = `connect ${String(d.namespace)}${d.data !== undefined ? ` ${short(d.data, 60)}` : ''}`;
      break;
    case 'CONNECT_ERROR':
      s = `connect_error ${String(d.namespace)} ${short(d.data, 60)}`;
      break;
    default:
      s = `disconnect ${String(d.namespace)}`;
  }
  const n = d.attachments as number | undefined;
  return n ? `${s} (+${n} attachment${n > 1 ? 's' : ''})` : s;
}

/**
 * The decoded form of a complete Socket.IO packet. `hasBinary`: its data may hold bytes (a binary
 * packet), shown as `{"$binary":…}`; a text packet's data is JSON already and is used as it is.
 */
export function describePacket(p: Packet, dir: Dir, pendingAttachments = 0, wireType: number = p.type, hasBinary = wireType >= 5): Decoded {
  const d = new LazyPacket('socket.io', TYPE_NAMES[wireType] ?? `TYPE_${wireType}`, summarizeSio);
  d.namespace = p.nsp;
  const data: unknown = hasBinary ? bytesToJson(p.data) : p.data;
  const t = p.type;
  if (t === 2 || t === 5) {
    const arr = Array.isArray(data) ? data : [];
    d.event = arr[0];
    d.args = arr.slice(1);
    if (p.id !== undefined) {
      d.ackId = p.id;
      d.key = ackKey(p.nsp, p.id);
      d.role = 'request';
    }
  } else if (t === 3 || t === 6) {
    d.args = Array.isArray(data) ? data : [];
    d.ackId = p.id;
    if (p.id !== undefined) {
      d.key = ackKey(p.nsp, p.id);
      d.role = 'reply';
    }
  } else if (t === 0) {
    if (data !== undefined) d.data = data;
    d.key = `connect ${p.nsp}`;
    d.role = dir === 'out' ? 'request' : 'reply';
  } else if (t === 4) {
    d.data = data;
    d.error = data;
    d.key = `connect ${p.nsp}`;
    d.role = 'reply';
  }
  if (pendingAttachments > 0) d.attachments = pendingAttachments;
  return d;
}

interface DirState {
  decoder: InstanceType<ReturnType<typeof loadSocketIoParser>['Decoder']>;
  /** The packet whose attachments are arriving, and how many have arrived. */
  pending?: { packet: Packet; got: number };
  last?: Packet;
}

/** Decodes a Socket.IO connection's messages (both directions). */
export class SocketIoDecoder implements ProtocolDecoder {
  readonly protocol = 'socket.io' as const;
  private readonly dirs: Record<Dir, DirState | undefined> = { in: undefined, out: undefined };

  /** `eio`: Engine.IO version of the framing (3 prefixes binary messages with a 0x04 byte). */
  constructor(private readonly eio: 3 | 4 = 4) {}

  private state(dir: Dir): DirState {
    let s = this.dirs[dir];
    if (!s) {
      const { Decoder } = loadSocketIoParser();
      const decoder = new Decoder();
      s = { decoder };
      const st = s;
      decoder.on('decoded', (p: Packet) => {
        st.last = p;
      });
      this.dirs[dir] = s;
    }
    return s;
  }

  decode(msg: WireMessage, dir: Dir): Decoded | undefined {
    const st = this.state(dir);
    if (msg.binary) return this.attachment(st, msg.data, dir);
    const text = textOf(msg);
    const c0 = text.charCodeAt(0) - 48;
    // The hottest case, an Engine.IO message carrying an EVENT or ACK, read in place (no Engine.IO
    // packet object, no copy of the payload).
    const lazyTried = c0 === 4 && !st.pending;
    if (lazyTried) {
      const lazy = lazyEventOrAck(text, 1);
      if (lazy) return lazy;
    }
    // Engine.IO over the websocket transport: one type digit, then the data. The hot case, a
    // Socket.IO packet with no attachments, skips both parsers (see fastPacket); anything
    // unusual goes through the official ones.
    const engine = c0 >= 0 && c0 <= 6 ? { type: ENGINE_TYPES[c0]!, data: text.slice(1) } : loadEngineIoParser().decodePacket(text, 'nodebuffer');
    if (engine.type === 'error') return invalid(`not an Engine.IO packet: ${short(text, 40)}`);
    if (engine.type !== 'message') {
      const d: Decoded = { protocol: 'socket.io', type: ENGINE_NAMES[engine.type] ?? engine.type, summary: engine.type };
      if (engine.type === 'open') {
        const open = typeof engine.data === 'string' ? safeJson(engine.data) : undefined;
        d.data = open;
        const o = (open ?? {}) as Record<string, unknown>;
        d.summary = `open sid=${String(o.sid)} pingInterval=${String(o.pingInterval)} pingTimeout=${String(o.pingTimeout)}`;
      } else if (typeof engine.data === 'string' && engine.data) {
        d.data = engine.data;
        d.summary += ` ${short(engine.data, 40)}`;
      }
      return d;
    }
    const payload = typeof engine.data === 'string' ? engine.data : '';
    if (!st.pending) {
      const lazy = lazyTried ? undefined : lazyEventOrAck(payload, 0);
      if (lazy) return lazy;
      const fast = fastPacket(payload);
      if (fast) return describePacket(fast, dir, 0, fast.type, false);
    }
    st.last = undefined;
    try {
      st.decoder.add(payload);
    } catch (e) {
      this.reset(dir);
      return invalid(`Socket.IO: ${(e as Error).message}`);
    }
    if (st.last) return describePacket(st.last, dir);
    // A BINARY_EVENT/BINARY_ACK header: the parser waits for its attachments (keeps it as reconPack).
    const recon = (st.decoder as unknown as { reconstructor?: { reconPack?: Packet } }).reconstructor?.reconPack;
    if (recon) {
      st.pending = { packet: recon, got: 0 };
      // The wire type (BINARY_EVENT/BINARY_ACK) is the header's first digit, whatever the parser keeps.
      return describePacket(recon, dir, recon.attachments ?? 0, Number(payload[0]));
    }
    return invalid(`Socket.IO: nothing decoded from ${short(payload, 40)}`);
  }

  private attachment(st: DirState, data: Uint8Array, dir: Dir): Decoded {
    const bytes = this.eio === 3 && data[0] === 4 ? data.subarray(1) : data;
    if (!st.pending) return { protocol: 'socket.io', type: 'BINARY', summary: `binary message (${bytes.length} B) outside a binary packet` };
    st.last = undefined;
    const of = st.pending.packet;
    const n = ++st.pending.got;
    try {
      st.decoder.add(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      this.reset(dir);
      return invalid(`Socket.IO attachment: ${(e as Error).message}`);
    }
    const total = of.attachments ?? n;
    const d: Decoded = { protocol: 'socket.io', type: 'ATTACHMENT', summary: `attachment ${n}/${total} (${bytes.length} B)`, namespace: of.nsp };
    const last = st.last as Packet | undefined; // set by the parser's 'decoded' listener during add()
    if (last) {
      // The last attachment: the whole packet, placeholders replaced by the bytes.
      st.pending = undefined;
      const full = describePacket(last, dir, 0, last.type, true);
      for (const k of ['event', 'args', 'ackId'] as const) if (full[k] !== undefined) d[k] = full[k];
      d.complete = true;
      d.summary += ` → ${full.summary}`;
    }
    return d;
  }

  private reset(dir: Dir): void {
    this.dirs[dir] = undefined;
  }
}

const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;
const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

/**
 * A Socket.IO packet without attachments (CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR),
 * decoded as socket.io-parser's decodeString does, with the same payload checks; undefined for
 * anything else or anything doubtful, which then goes through socket.io-parser itself.
 */
function fastPacket(str: string): Packet | undefined {
  const type = str.charCodeAt(0) - 48;
  if (type < 0 || type > 4) return undefined;
  let i = 1;
  let nsp = '/';
  if (str.charCodeAt(1) === 47 /* / */) {
    const comma = str.indexOf(',', 1);
    nsp = comma < 0 ? str.slice(1) : str.slice(1, comma);
    i = comma < 0 ? str.length : comma + 1;
  }
  let id: number | undefined;
  const start = i;
  while (i < str.length && str.charCodeAt(i) >= 48 && str.charCodeAt(i) <= 57) i++;
  if (i > start) {
    if (i - start > 15) return undefined;
    id = Number(str.slice(start, i));
  }
  // The parser's own quirks (no payload, ids it reads from spaces) are left to the parser.
  const open = str.charCodeAt(i);
  if (open !== 91 /* [ */ && open !== 123 /* { */ && open !== 34 /* " */) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(str.slice(i));
  } catch {
    return undefined;
  }
  const ok =
    type === 0 ? isObject(data)
    : type === 1 ? false
    : type === 4 ? typeof data === 'string' || isObject(data)
    : type === 2 ? Array.isArray(data) && (typeof data[0] === 'number' || (typeof data[0] === 'string' && !RESERVED_EVENTS.includes(data[0])))
    : Array.isArray(data);
  if (!ok) return undefined;
  const p: Packet = { type, nsp, data };
  if (id !== undefined) p.id = id;
  return p;
}

/**
 * An EVENT or ACK text packet whose arguments are parsed when first read: recording and pairing
 * need only the header (namespace, ack id, event name), and JSON-parsing the arguments of every
 * message would cost more than the rest of the decoding (the budget: decoding adds ≤ 10 % client
 * CPU per message, DESIGN.md; measured by bench/protocols.bench.ts). Arguments that turn out not
 * to be JSON make `invalid` say so when read (the pair stands).
 */
class SioArgsPacket extends LazyPacket {
  #raw: string;
  #parsed: { args: unknown[] } | { error: string } | undefined;

  constructor(type: 'EVENT' | 'ACK', raw: string) {
    super('socket.io', type, summarizeSio);
    this.#raw = raw;
  }

  #parse(): { args: unknown[] } | { error: string } {
    if (this.#parsed) return this.#parsed;
    let data: unknown;
    try {
      data = JSON.parse(this.#raw);
    } catch {
      return (this.#parsed = { error: `Socket.IO: invalid payload ${short(this.#raw, 40)}` });
    }
    const arr = Array.isArray(data) ? data : [];
    return (this.#parsed = { args: this.type === 'EVENT' ? arr.slice(1) : arr });
  }

  get args(): unknown[] {
    const p = this.#parse();
    return 'args' in p ? p.args : [];
  }

  get invalid(): string | undefined {
    const p = this.#parse();
    return 'error' in p ? p.error : undefined;
  }

  override lazyFields(): readonly string[] {
    return LAZY_ARGS;
  }
}

const LAZY_ARGS: readonly string[] = ['args', 'invalid'];

/**
 * The hot case: `2[nsp,][id]["event",…]` or `3[nsp,]id[…]`, a plain event name (no escapes) that
 * is not reserved, arguments bracketed. Anything else (or doubtful) returns undefined and goes
 * through fastPacket / socket.io-parser, which check the whole payload.
 */
function lazyEventOrAck(str: string, at: number): Decoded | undefined {
  const type = str.charCodeAt(at) - 48;
  if (type !== 2 && type !== 3) return undefined;
  let i = at + 1;
  let nsp = '/';
  if (str.charCodeAt(i) === 47 /* / */) {
    const comma = str.indexOf(',', i);
    if (comma < 0) return undefined;
    nsp = str.slice(i, comma);
    i = comma + 1;
  }
  const start = i;
  // The ack id's digits, read as they are scanned (at most 15: exact as a double).
  let n = 0;
  for (let c = str.charCodeAt(i) - 48; c >= 0 && c <= 9; c = str.charCodeAt(++i) - 48) n = n * 10 + c;
  if (i - start > 15) return undefined;
  const id = i > start ? n : undefined;
  if (str.charCodeAt(i) !== 91 /* [ */ || str.charCodeAt(str.length - 1) !== 93 /* ] */) return undefined;
  let event: string | undefined;
  if (type === 2) {
    if (str.charCodeAt(i + 1) !== 34 /* " */) return undefined;
    const close = str.indexOf('"', i + 2);
    if (close < 0) return undefined;
    const after = str.charCodeAt(close + 1);
    if (after !== 44 /* , */ && after !== 93 /* ] */) return undefined;
    for (let j = i + 2; j < close; j++) if (str.charCodeAt(j) === 92 /* \\ */) return undefined;
    event = str.slice(i + 2, close);
    // Reserved names start with c, d, n or r: other events skip the list.
    const e0 = str.charCodeAt(i + 2);
    if ((e0 === 99 || e0 === 100 || e0 === 110 || e0 === 114) && RESERVED_EVENTS.includes(event)) return undefined;
  } else if (id === undefined) return undefined;
  const d = new SioArgsPacket(type === 2 ? 'EVENT' : 'ACK', str.slice(i));
  d.namespace = nsp;
  if (event !== undefined) d.event = event;
  if (id !== undefined) {
    d.ackId = id;
    d.key = ackKey(nsp, id);
    d.role = type === 2 ? 'request' : 'reply';
  }
  return d;
}

function invalid(why: string): Decoded {
  return { protocol: 'socket.io', type: 'INVALID', summary: why, invalid: why };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** One WebSocket message to send: text or bytes. */
export type OutMessage = { binary: false; text: string } | { binary: true; data: Uint8Array };

/**
 * Encodes a Socket.IO packet as the WebSocket messages that carry it (Engine.IO message packets):
 * the header as text `4…`, then one binary message per attachment. `data` may hold `{"$binary":…}`.
 */
export function encodeSocketIo(packet: { type: number; nsp: string; data?: unknown; id?: number }, eio: 3 | 4 = 4): OutMessage[] {
  const { Encoder } = loadSocketIoParser();
  const p: Packet = { type: packet.type, nsp: packet.nsp, ...(packet.data !== undefined ? { data: jsonToBytes(packet.data) } : {}), ...(packet.id !== undefined ? { id: packet.id } : {}) };
  const parts = new Encoder().encode(p) as (string | Uint8Array)[];
  return parts.map((part) => {
    if (typeof part === 'string') return { binary: false, text: `4${part}` };
    if (eio === 3) {
      const b = new Uint8Array(part.length + 1);
      b[0] = 4;
      b.set(part, 1);
      return { binary: true, data: b };
    }
    return { binary: true, data: part };
  });
}

/** Socket.IO packet type numbers. */
export const SioType = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4, BINARY_EVENT: 5, BINARY_ACK: 6 } as const;
