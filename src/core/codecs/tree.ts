/**
 * The JSON tree of a decoded payload, and back. Decoded forms are plain JSON (the panel's tree,
 * NDJSON `decoded`, search), so values JSON cannot hold are tagged objects, the same ones a user
 * writes in a message definition's `data` to send them:
 *
 * | value                       | tree                                   |
 * |-----------------------------|----------------------------------------|
 * | bytes                       | `{"$binary":"<base64>"}`               |
 * | integer beyond 2^53         | `{"$bigint":"12345678901234567890"}`   |
 * | map with non-string keys    | `{"$map":[[key, value], …]}`           |
 * | CBOR tag                    | `{"$tag":1, "value":…}`                |
 * | MessagePack extension       | `{"$ext":5, "data":{"$binary":…}}`     |
 * | date (timestamp extension)  | `{"$date":"2024-01-01T00:00:00.000Z"}` |
 * | CBOR undefined              | `{"$undefined":true}`                  |
 * | NaN, ±Infinity              | `{"$float":"NaN"}`                     |
 */
import { binaryJson, isObject } from '../protocols/util';

/** Sets a key, `__proto__` included, as an own property (never the prototype). */
function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** Deeper values are cut (a hostile payload must not exhaust the stack). */
export const MAX_DEPTH = 100;

/** A tagged value the codec-specific hook recognises (CBOR tags, MessagePack extensions). */
export type TreeHook = (v: unknown, toTree: (x: unknown) => unknown) => unknown;

/** The JSON tree of a decoded value; `hook` returns a tree for codec-specific values, or undefined. */
export function toTree(v: unknown, hook?: TreeHook, depth = 0): unknown {
  if (depth > MAX_DEPTH) return { $truncated: true };
  const rec = (x: unknown) => toTree(x, hook, depth + 1);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : { $float: String(v) };
    case 'bigint':
      return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : { $bigint: v.toString() };
    case 'undefined':
      return { $undefined: true };
    case 'object':
      break;
    default:
      return String(v);
  }
  if (v === null) return null;
  if (v instanceof Uint8Array || v instanceof ArrayBuffer) return binaryJson(v);
  if (ArrayBuffer.isView(v)) return binaryJson(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() };
  const h = hook?.(v, rec);
  if (h !== undefined) return h;
  if (Array.isArray(v)) return v.map(rec);
  if (v instanceof Map) {
    const entries = [...v.entries()];
    if (entries.every(([k]) => typeof k === 'string')) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of entries) setKey(o, k as string, rec(x));
      return o;
    }
    return { $map: entries.map(([k, x]) => [rec(k), rec(x)]) };
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setKey(out, k, rec(x));
  return out;
}

/** What fromTree builds for a tagged object it does not know itself (extensions, tags). */
export type FromHook = (o: Record<string, unknown>, fromTree: (x: unknown) => unknown) => unknown;

/** A tagged object: one `$name` key (plus `value`/`data` for tags and extensions). */
function tagOf(o: Record<string, unknown>): string | undefined {
  const keys = Object.keys(o);
  const t = keys.find((k) => k.startsWith('$'));
  if (t === undefined) return undefined;
  if (keys.length === 1) return t;
  if (keys.length === 2 && ((t === '$tag' && 'value' in o) || (t === '$ext' && 'data' in o))) return t;
  return undefined;
}

/** The value to encode for a JSON tree (inverse of toTree); `hook` builds tags and extensions. */
export function fromTree(v: unknown, hook?: FromHook, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new RangeError(`data nested deeper than ${MAX_DEPTH} levels`);
  const rec = (x: unknown) => fromTree(x, hook, depth + 1);
  if (Array.isArray(v)) return v.map(rec);
  if (!isObject(v)) return v;
  const tag = tagOf(v);
  switch (tag) {
    case '$binary':
      if (typeof v.$binary === 'string') return new Uint8Array(Buffer.from(v.$binary, 'base64'));
      break;
    case '$bigint':
      if (typeof v.$bigint === 'string' && /^-?\d+$/.test(v.$bigint)) return BigInt(v.$bigint);
      break;
    case '$date':
      if (typeof v.$date === 'string' || typeof v.$date === 'number') return new Date(v.$date);
      break;
    case '$float':
      if (typeof v.$float === 'string') return Number(v.$float);
      break;
    case '$undefined':
      return undefined;
    case '$map':
      if (Array.isArray(v.$map) && v.$map.every((e) => Array.isArray(e) && e.length === 2)) return new Map((v.$map as unknown[][]).map(([k, x]) => [rec(k), rec(x)]));
      break;
    case undefined:
      break;
    default: {
      // `$tag`, `$ext`, `$simple`: the codec's own values.
      const h = hook?.(v, rec);
      if (h !== undefined) return h;
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setKey(out, k, rec(x));
  return out;
}
