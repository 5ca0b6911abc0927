/** MessagePack payloads (@msgpack/msgpack, loaded on first use) as JSON trees, and back. */
import { loadMsgpack } from '../lazy';
import { fromTree, toTree } from './tree';

const DECODE = { useBigInt64: true } as const;

/** The JSON tree of one MessagePack value (throws the library's DecodeError/RangeError when the bytes are not one). */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  const mp = loadMsgpack();
  return toTree(mp.decode(bytes, DECODE), (v, rec) => (v instanceof mp.ExtData ? { $ext: v.type, data: rec(v.data) } : undefined));
}

/** MessagePack bytes of a JSON tree (`$binary`, `$bigint`, `$ext`, `$date`, `$map` as in tree.ts). */
export function encodeMsgpack(tree: unknown): Uint8Array {
  const mp = loadMsgpack();
  const value = fromTree(tree, (o, rec) => {
    if ('$ext' in o && Number.isInteger(o.$ext) && (o.$ext as number) >= -128 && (o.$ext as number) <= 127) {
      const data = rec(o.data);
      if (data instanceof Uint8Array) return new mp.ExtData(o.$ext as number, data);
    }
    return undefined;
  });
  return mp.encode(plainMaps(value), { useBigInt64: true });
}

/** @msgpack/msgpack encodes objects, not Maps: a `$map` with string or number keys becomes an object. */
function plainMaps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainMaps);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) {
      if (typeof k !== 'string' && typeof k !== 'number') throw new TypeError('MessagePack maps are encoded with string or number keys only');
      Object.defineProperty(o, String(k), { value: plainMaps(x), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: plainMaps(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/** Decodes a value the library produced (SignalR records) to a tree, for callers that decoded themselves. */
export function msgpackValueToTree(v: unknown): unknown {
  const mp = loadMsgpack();
  return toTree(v, (x, rec) => (x instanceof mp.ExtData ? { $ext: x.type, data: rec(x.data) } : undefined));
}

