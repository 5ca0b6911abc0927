/** Small helpers shared by the codecs: text of a message, short JSON for summaries, `$binary` values. */
import type { BinaryJson, WireMessage } from './types';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** The message as text (replacement characters for invalid UTF-8). */
export function textOf(msg: WireMessage): string {
  const d = msg.data;
  // Buffer's own UTF-8 decoding is several times faster than TextDecoder on short messages, and
  // toString() without arguments (UTF-8) skips the encoding and range checks of toString('utf8').
  return (Buffer.isBuffer(d) ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)).toString();
}

/** UTF-8 text of bytes, or undefined when they are not valid UTF-8. */
export function strictText(b: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(b);
  } catch {
    return undefined;
  }
}

/** UTF-8 bytes of a string. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Parses JSON, or returns undefined. */
export function tryJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** A plain object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Bytes as `{"$binary":"<base64>"}`. */
export function binaryJson(b: Uint8Array | ArrayBuffer): BinaryJson {
  const u = b instanceof Uint8Array ? b : new Uint8Array(b);
  return { $binary: Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64') };
}

/** Whether a value is `{"$binary":"…"}`. */
export function isBinaryJson(v: unknown): v is BinaryJson {
  return isObject(v) && typeof v.$binary === 'string' && Object.keys(v).length === 1;
}

/** Rebuilds a JSON-like value, `leaf` replacing the values it returns something for (depth-limited). */
function mapDeep(v: unknown, leaf: (x: unknown) => unknown, depth = 0): unknown {
  const r = leaf(v);
  if (r !== undefined) return r;
  if (depth > 64 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => mapDeep(x, leaf, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = mapDeep(x, leaf, depth + 1);
  return out;
}

/** Replaces every Buffer/Uint8Array/ArrayBuffer inside a value by `{"$binary":…}` (decoded packets are plain JSON). */
export function bytesToJson(v: unknown): unknown {
  return mapDeep(v, (x) => (x instanceof Uint8Array || x instanceof ArrayBuffer ? binaryJson(x) : undefined));
}

/** Replaces every `{"$binary":…}` inside a value by a Buffer (for encoders that send binary). */
export function jsonToBytes(v: unknown): unknown {
  return mapDeep(v, (x) => (isBinaryJson(x) ? Buffer.from(x.$binary, 'base64') : undefined));
}

/** How many bytes a base64 string holds (its `=` padding not counted). */
function base64Length(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - pad;
}

/** Short one-line JSON for summaries (binary shown as `<n B>`), cut at `max` characters. */
export function short(v: unknown, max = 80): string {
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x: unknown) => (isBinaryJson(x) ? `<${base64Length(x.$binary)} B>` : x)) ?? String(v);
  } catch {
    s = String(v);
  }
  s = s.replace(/[\r\n]+/g, ' ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** A string cut to one line of at most `max` characters. */
export function oneLine(s: string, max = 80): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Arguments as `a, b, c` for summaries like `chat("hi", 2)`. */
export function argList(args: unknown[], max = 60): string {
  const s = args.map((a) => short(a, max)).join(', ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
