/** CBOR payloads (cbor2: pure JavaScript, no native build; loaded on first use) as JSON trees, and back. */
import { loadCbor } from '../lazy';
import { fromTree, MAX_DEPTH, toTree } from './tree';

/** The JSON tree of one CBOR data item (throws when the bytes are not exactly one). */
export function decodeCbor(bytes: Uint8Array): unknown {
  const cbor = loadCbor();
  const v = cbor.decode(bytes, { maxDepth: MAX_DEPTH });
  return toTree(v, (x, rec) => {
    if (x instanceof cbor.Tag) return { $tag: Number(x.tag), value: rec(x.contents) };
    if (x instanceof cbor.Simple) return { $simple: x.value };
    return undefined;
  });
}

/** CBOR bytes of a JSON tree (`$binary`, `$bigint`, `$tag`, `$map`, `$date`, `$undefined` as in tree.ts). */
export function encodeCbor(tree: unknown): Uint8Array {
  const cbor = loadCbor();
  const value = fromTree(tree, (o, rec) => {
    if ('$tag' in o && Number.isInteger(o.$tag) && (o.$tag as number) >= 0) return new cbor.Tag(o.$tag as number, rec(o.value));
    if ('$simple' in o && Number.isInteger(o.$simple)) return new cbor.Simple(o.$simple as number);
    return undefined;
  });
  return cbor.encode(value);
}
