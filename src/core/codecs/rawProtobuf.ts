/**
 * Protobuf without a schema: field numbers and wire types, as `protoc --decode_raw` shows them.
 * A length-delimited field is shown as a string when it is printable UTF-8 and as a nested
 * message when its bytes parse as one (both when both hold: the wire cannot tell), else as bytes.
 * Protobuf encoding: https://protobuf.dev/programming-guides/encoding/
 */
import { binaryJson, strictText } from '../protocols/util';

/** One field as the wire shows it. */
export interface RawField {
  field: number;
  wire: 'varint' | 'i64' | 'len' | 'group' | 'i32';
  /** varint: the value (`{"$bigint":…}` past 2^53); i64/i32: the unsigned integer. */
  value?: unknown;
  /** varint: the value read as a signed int64, when the top bit is set (a negative int32/int64). */
  signed?: unknown;
  /** i64/i32: the same bits as a double/float. */
  float?: number;
  /** len: byte length. */
  length?: number;
  string?: string;
  message?: RawField[];
  bytes?: { $binary: string };
  /** group: the fields inside (deprecated start/end group wire types). */
  group?: RawField[];
}

/** Bytes that are not a Protobuf message (truncated, bad wire type, field number 0). */
export class RawProtobufError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
  }
}

const MAX_NESTING = 32;
const WIRE = ['varint', 'i64', 'len', 'sgroup', 'egroup', 'i32'] as const;

class Reader {
  pos: number;
  constructor(readonly b: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    const at = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RawProtobufError('truncated varint', at);
      const byte = this.b[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result & 0xffffffffffffffffn;
      shift += 7n;
    }
    throw new RawProtobufError('varint longer than 10 bytes', at);
  }

  take(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new RawProtobufError(`field needs ${n} bytes, ${this.end - this.pos} left`, this.pos);
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

const num = (v: bigint): unknown => (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : { $bigint: v.toString() });

/** Fields of one message; `endGroup` set while reading inside a group. */
function readFields(r: Reader, depth: number, endGroup?: number): RawField[] {
  const fields: RawField[] = [];
  while (r.pos < r.end) {
    const at = r.pos;
    const key = r.varint();
    const wire = Number(key & 7n);
    const field = Number(key >> 3n);
    if (field < 1 || field > 0x1fffffff) throw new RawProtobufError(`field number ${field} out of range`, at);
    const name = WIRE[wire];
    switch (name) {
      case 'varint': {
        const v = r.varint();
        const f: RawField = { field, wire: 'varint', value: num(v) };
        if (v >= 1n << 63n) f.signed = num(BigInt.asIntN(64, v));
        fields.push(f);
        break;
      }
      case 'i64': {
        const b = r.take(8);
        const dv = new DataView(b.buffer, b.byteOffset, 8);
        fields.push({ field, wire: 'i64', value: num(dv.getBigUint64(0, true)), float: dv.getFloat64(0, true) });
        break;
      }
      case 'i32': {
        const b = r.take(4);
        const dv = new DataView(b.buffer, b.byteOffset, 4);
        fields.push({ field, wire: 'i32', value: dv.getUint32(0, true), float: dv.getFloat32(0, true) });
        break;
      }
      case 'len': {
        const n = r.varint();
        if (n > BigInt(r.end - r.pos)) throw new RawProtobufError(`field ${field} needs ${n} bytes, ${r.end - r.pos} left`, at);
        const b = r.take(Number(n));
        fields.push(lengthDelimited(field, b, depth));
        break;
      }
      case 'sgroup': {
        if (depth >= MAX_NESTING) throw new RawProtobufError('groups nested too deep', at);
        fields.push({ field, wire: 'group', group: readFields(r, depth + 1, field) });
        break;
      }
      case 'egroup':
        if (endGroup === field) return fields;
        throw new RawProtobufError(`end of group ${field} without its start`, at);
      default:
        throw new RawProtobufError(`wire type ${wire} does not exist`, at);
    }
  }
  if (endGroup !== undefined) throw new RawProtobufError(`group ${endGroup} not ended`, r.pos);
  return fields;
}

const PRINTABLE = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

function lengthDelimited(field: number, b: Uint8Array, depth: number): RawField {
  const f: RawField = { field, wire: 'len', length: b.length };
  const text = b.length ? strictText(b) : '';
  if (text !== undefined && PRINTABLE.test(text)) f.string = text;
  if (b.length && depth < MAX_NESTING) {
    try {
      f.message = readFields(new Reader(b, 0, b.length), depth + 1);
    } catch {
      // not a message: a string or bytes
    }
  }
  if (f.string === undefined && f.message === undefined) f.bytes = binaryJson(b);
  return f;
}

/** The fields of a Protobuf message read without its schema; throws RawProtobufError. */
export function decodeRawProtobuf(bytes: Uint8Array): RawField[] {
  return readFields(new Reader(bytes, 0, bytes.length), 0);
}

/** `1: 150, 2: "abc", 3: {…}` for a summary line. */
export function summarizeRaw(fields: RawField[], max = 100): string {
  const parts: string[] = [];
  let len = 0;
  for (const f of fields) {
    const v = f.string !== undefined ? JSON.stringify(f.string) : f.message || f.group ? '{…}' : f.bytes ? `<${f.length} B>` : typeof f.value === 'number' ? String(f.value) : JSON.stringify(f.value);
    const p = `${f.field}: ${v}`;
    len += p.length + 2;
    parts.push(p);
    if (len > max) break;
  }
  const s = parts.join(', ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
