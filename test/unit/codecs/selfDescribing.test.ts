/**
 * MessagePack and CBOR as properties, with the libraries' own encoders and decoders as oracles:
 * what @msgpack/msgpack / cbor2 encode reads back as the documented JSON tree (bytes as $binary,
 * big integers as $bigint), and what we encode from a tree the libraries decode to the value.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as msgpack from '@msgpack/msgpack';
import * as cbor from 'cbor2';
import { decodeMsgpack, encodeMsgpack } from '../../../src/core/codecs/msgpack';
import { decodeCbor, encodeCbor } from '../../../src/core/codecs/cbor';
import { decodePayload } from '../../../src/core/codecs/bindings';

/**
 * JSON-like values with byte strings and integers beyond 2^53 at the leaves (keys never start with
 * `$`: those are the tree's tags). @msgpack/msgpack refuses a `__proto__` key when decoding (such a
 * message shows as invalid), so its properties leave that key out; cbor2 keeps it. It also writes -0
 * as the integer 0 (a safe integer), so its doubles have no -0.
 */
const double = fc.double({ noNaN: true, noDefaultInfinity: true });
const valueWith = (key: fc.Arbitrary<string>, float = double) => fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    float,
    fc.string(),
    fc.uint8Array({ maxLength: 40 }),
    fc.oneof(fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) - 1n })),
  ),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
})).node;
const value = valueWith(fc.oneof(fc.string(), fc.constant('__proto__')).filter((k) => !k.startsWith('$')));
const msgpackValue = valueWith(
  fc.string().filter((k) => !k.startsWith('$') && k !== '__proto__'),
  double.map((x) => (Object.is(x, -0) ? 0 : x)),
);

/** Rebuilds a value with `leaf` applied to bytes and bigints (keys kept as own properties, `__proto__` included). */
function mapLeaves(v: unknown, leaf: (x: Uint8Array | bigint) => unknown): unknown {
  if (v instanceof Uint8Array || typeof v === 'bigint') return leaf(v);
  if (Array.isArray(v)) return v.map((x) => mapLeaves(x, leaf));
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: mapLeaves(x, leaf), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/** The tree the docs promise for a value (tree.ts). */
const treeOf = (v: unknown) => mapLeaves(v, (x) => (x instanceof Uint8Array ? { $binary: Buffer.from(x).toString('base64') } : { $bigint: x.toString() }));

/** Decoders hand back Buffers or Uint8Arrays: compare bytes as plain Uint8Arrays. */
const plain = (v: unknown) => mapLeaves(v, (x) => (x instanceof Uint8Array ? new Uint8Array(x) : x));

describe('codecs: MessagePack and CBOR against the libraries (properties)', () => {
  it('MessagePack: @msgpack/msgpack encodes, we decode the documented tree', () => {
    fc.assert(fc.property(msgpackValue, (v) => assert.deepStrictEqual(decodeMsgpack(msgpack.encode(v, { useBigInt64: true })), treeOf(v))), { numRuns: 300 });
  });

  it('MessagePack: we encode the tree, @msgpack/msgpack decodes the value', () => {
    fc.assert(fc.property(msgpackValue, (v) => assert.deepStrictEqual(plain(msgpack.decode(encodeMsgpack(treeOf(v)), { useBigInt64: true })), plain(v))), { numRuns: 300 });
  });

  it('CBOR: cbor2 encodes, we decode the documented tree', () => {
    fc.assert(fc.property(value, (v) => assert.deepStrictEqual(decodeCbor(cbor.encode(v)), treeOf(v))), { numRuns: 300 });
  });

  it('CBOR: we encode the tree, cbor2 decodes the value', () => {
    fc.assert(fc.property(value, (v) => assert.deepStrictEqual(plain(cbor.decode(encodeCbor(treeOf(v)))), plain(v))), { numRuns: 300 });
  });

  it('tagged values: MessagePack extensions and timestamps, CBOR tags, maps with non-string keys, undefined', () => {
    const ext = msgpack.encode([new msgpack.ExtData(5, new Uint8Array([1, 2])), new Date(Date.UTC(2024, 0, 2))]);
    assert.deepStrictEqual(decodeMsgpack(ext), [{ $ext: 5, data: { $binary: 'AQI=' } }, { $date: '2024-01-02T00:00:00.000Z' }]);
    // A map with an integer key (0x81 0x01 "one"): the key reads as the string "1".
    assert.deepStrictEqual(decodeMsgpack(new Uint8Array([0x81, 0x01, 0xa3, 0x6f, 0x6e, 0x65])), { 1: 'one' });
    assert.deepStrictEqual(msgpack.decode(encodeMsgpack({ $map: [[1, 'one']] })), { 1: 'one' });
    const back = msgpack.decode(encodeMsgpack([{ $ext: 5, data: { $binary: 'AQI=' } }, { $date: '2024-01-02T00:00:00.000Z' }])) as unknown[];
    assert.ok(back[0] instanceof msgpack.ExtData && back[0].type === 5);
    assert.deepStrictEqual(back[1], new Date(Date.UTC(2024, 0, 2)));

    const c = cbor.encode([new cbor.Tag(99, 'x'), new Map<unknown, unknown>([[1, 'a'], [[2], 'b']]), undefined, new cbor.Simple(16), NaN]);
    const tree = decodeCbor(c);
    assert.deepStrictEqual(tree, [{ $tag: 99, value: 'x' }, { $map: [[1, 'a'], [[2], 'b']] }, { $undefined: true }, { $simple: 16 }, { $float: 'NaN' }]);
    assert.deepStrictEqual(Buffer.from(encodeCbor(tree)), Buffer.from(c));
  });

  it('bytes that are not one value come back as an invalid packet, not a throw', () => {
    const bad = decodePayload('msgpack', new Uint8Array([0xc1]));
    assert.equal(bad.type, 'invalid');
    assert.match(String(bad.invalid), /^not msgpack: /);
    const trailing = decodePayload('cbor', new Uint8Array([0x01, 0x02]));
    assert.equal(trailing.type, 'invalid');
    const ok = decodePayload('cbor', cbor.encode({ a: [1, 2] }));
    assert.deepStrictEqual({ protocol: ok.protocol, type: ok.type, summary: ok.summary, data: ok.data }, { protocol: 'cbor', type: 'cbor', summary: '{"a":[1,2]}', data: { a: [1, 2] } });
  });

  it('a hostile nesting depth is cut, not a stack overflow', () => {
    // 5000 nested one-element arrays: MessagePack reads them, the tree stops at 100 levels.
    const d = decodePayload('msgpack', new Uint8Array([...Array<number>(5000).fill(0x91), 0xc0]));
    let node = d.data;
    let depth = 0;
    while (Array.isArray(node)) {
      node = node[0];
      depth++;
    }
    assert.equal(depth, 101);
    assert.deepStrictEqual(node, { $truncated: true });
    // CBOR's decoder refuses past the same depth.
    const c = decodePayload('cbor', new Uint8Array([...Array<number>(5000).fill(0x81), 0xf6]));
    assert.equal(c.type, 'invalid');
    assert.match(String(c.invalid), /depth/i);
  });
});
