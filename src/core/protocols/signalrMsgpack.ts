/**
 * SignalR's MessagePack hub protocol: after the JSON handshake (`{"protocol":"messagepack","version":1}`
 * + 0x1E, whose empty response the server may send in a binary frame, possibly followed by records),
 * each record is a MessagePack array prefixed by its length as a varint (7 bits per byte, at most
 * 5 bytes), several to a WebSocket message. Records become the same objects as the JSON hub
 * protocol's, so one describeSignalr serves both.
 * Spec: aspnetcore src/SignalR/docs/specs/HubProtocol.md, "MessagePack (MsgPack) encoding".
 */
import { loadMsgpack } from '../lazy';
import { encodeMsgpack, msgpackValueToTree } from '../codecs/msgpack';

/** The Completion result kinds of the MessagePack encoding. */
const ERROR_RESULT = 1;
const VOID_RESULT = 2;
const NON_VOID_RESULT = 3;

/** Splits varint length-prefixed records; throws when a prefix or a record is cut. */
export function splitRecords(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < b.length) {
    let size = 0;
    let n = 0;
    let byte: number;
    do {
      if (at + n >= b.length) throw new Error('cut length prefix');
      byte = b[at + n]!;
      size += (byte & 0x7f) * 2 ** (7 * n);
      n++;
    } while ((byte & 0x80) !== 0 && n < 5);
    if ((byte & 0x80) !== 0) throw new Error('length prefix longer than 5 bytes');
    if (at + n + size > b.length) throw new Error(`record of ${size} B cut at ${b.length - at - n} B`);
    out.push(b.subarray(at + n, at + n + size));
    at += n + size;
  }
  return out;
}

/** The varint length prefix of `size` bytes. */
function prefix(size: number): number[] {
  const p: number[] = [];
  do {
    let part = size & 0x7f;
    size = Math.floor(size / 128);
    if (size > 0) part |= 0x80;
    p.push(part);
  } while (size > 0);
  return p;
}

/** A record's array as the JSON hub protocol's object (what describeSignalr reads); values as JSON trees. */
export function recordObject(bytes: Uint8Array): Record<string, unknown> {
  const a = loadMsgpack().decode(bytes, { useBigInt64: true });
  if (!Array.isArray(a) || typeof a[0] !== 'number') throw new Error('a record is a MessagePack array starting with its type');
  const v = (x: unknown) => msgpackValueToTree(x);
  const type = a[0];
  const o: Record<string, unknown> = { type };
  const headers = a[1];
  if (type >= 1 && type <= 5 && headers && typeof headers === 'object' && Object.keys(headers).length) o.headers = v(headers);
  switch (type) {
    case 1: // Invocation: [1, headers, invocationId|nil, target, arguments, streamIds?]
    case 4: // StreamInvocation
      if (a[2] !== null && a[2] !== undefined) o.invocationId = a[2];
      o.target = a[3];
      o.arguments = v(a[4] ?? []);
      if (Array.isArray(a[5]) && a[5].length) o.streamIds = a[5];
      break;
    case 2: // StreamItem: [2, headers, invocationId, item]
      o.invocationId = a[2];
      o.item = v(a[3]);
      break;
    case 3: // Completion: [3, headers, invocationId, resultKind, result|error]
      o.invocationId = a[2];
      if (a[3] === ERROR_RESULT) o.error = a[4];
      else if (a[3] === NON_VOID_RESULT) o.result = v(a[4]);
      break;
    case 5: // CancelInvocation: [5, headers, invocationId]
      o.invocationId = a[2];
      break;
    case 6: // Ping: [6]
      break;
    case 7: // Close: [7, error|nil, allowReconnect?]
      if (a[1] !== null && a[1] !== undefined) o.error = a[1];
      if (a[2] !== undefined) o.allowReconnect = a[2];
      break;
    case 8: // Ack / Sequence: [8|9, sequenceId]
    case 9:
      o.sequenceId = v(a[1]);
      break;
    default:
      o.fields = v(a.slice(1));
  }
  return o;
}

/** One hub record as the JSON hub protocol writes it (`{"type":1,"target":…}`), to encode as MessagePack. */
export interface HubRecord {
  type: number;
  invocationId?: string;
  target?: string;
  arguments?: unknown[];
  streamIds?: string[];
  item?: unknown;
  result?: unknown;
  error?: string;
  headers?: Record<string, string>;
  allowReconnect?: boolean;
  sequenceId?: number;
}

function recordArray(r: HubRecord): unknown[] {
  const h = r.headers ?? {};
  switch (r.type) {
    case 1:
    case 4: {
      const a: unknown[] = [r.type, h, r.invocationId ?? null, r.target ?? '', r.arguments ?? []];
      if (r.streamIds) a.push(r.streamIds);
      return a;
    }
    case 2:
      return [2, h, r.invocationId ?? null, r.item ?? null];
    case 3:
      if (r.error !== undefined) return [3, h, r.invocationId ?? null, ERROR_RESULT, r.error];
      return r.result === undefined ? [3, h, r.invocationId ?? null, VOID_RESULT] : [3, h, r.invocationId ?? null, NON_VOID_RESULT, r.result];
    case 5:
      return [5, h, r.invocationId ?? null];
    case 7:
      return r.allowReconnect === undefined ? [7, r.error ?? null] : [7, r.error ?? null, r.allowReconnect];
    case 8:
    case 9:
      return [r.type, r.sequenceId ?? 0];
    default:
      return [r.type];
  }
}

/** Encodes hub records as one binary MessagePack hub protocol message (arguments and results as JSON trees: `$binary` is bytes). */
export function encodeSignalrMsgpack(...records: HubRecord[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const r of records) {
    const body = encodeMsgpack(recordArray(r));
    parts.push(Uint8Array.from(prefix(body.length)), body);
  }
  return new Uint8Array(Buffer.concat(parts));
}
