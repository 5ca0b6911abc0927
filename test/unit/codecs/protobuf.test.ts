/**
 * Protobuf: messages encoded by protobufjs itself (the oracle, loading examples/protos/feed.proto
 * on its own) decode in our views to the tree the docs describe, for nested types, enums, oneofs,
 * maps and repeated fields; what we encode protobufjs decodes; without a schema the raw decoder
 * shows field numbers and wire types; a broken `.proto` is a diagnostic at file:line:column.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import * as protobuf from 'protobufjs';
import { decodePayload, loadCodecs } from '../../../src/core/codecs/bindings';
import { loadProtoFiles, type ProtoSchemas } from '../../../src/core/codecs/protobuf';
import { decodeRawProtobuf, RawProtobufError } from '../../../src/core/codecs/rawProtobuf';
import { encodeCodecMessage } from '../../../src/core/codecs/encode';

const FEED = path.resolve(__dirname, '../../../examples/protos/feed.proto');
const readText = (f: string) => fs.readFile(f, 'utf8');

describe('codecs: Protobuf with .proto schemas (protobufjs as the oracle)', () => {
  let schemas: ProtoSchemas;
  let oracle: protobuf.Root;
  let Envelope: protobuf.Type;

  before(async () => {
    const r = await loadProtoFiles([FEED], readText);
    assert.deepStrictEqual(r.diagnostics, []);
    schemas = r.schemas!;
    oracle = new protobuf.Root().loadSync(FEED, { keepCase: true });
    Envelope = oracle.lookupType('feed.Envelope');
  });

  const sample = {
    id: 'm-1',
    seq: '18446744073709551615', // uint64 max: beyond a double, kept exact as a string
    priority: 'HIGH',
    sent_at: { seconds: '1700000000', nanos: 5 },
    labels: { region: 'eu', tier: 'gold' },
    tags: ['a', 'b', 'c'],
    chat: { from: 'ann', text: 'héllo', mentions: [{ user: 'bob', offset: 6 }, { user: 'cy', offset: -1 }] },
  };

  it('nested types, an enum, a oneof, a map and repeated fields decode to the documented tree', () => {
    const bytes = Envelope.encode(Envelope.fromObject(sample)).finish();
    const d = decodePayload('protobuf', bytes, { schemas, type: 'feed.Envelope' });
    assert.equal(d.protocol, 'protobuf');
    assert.equal(d.type, 'feed.Envelope');
    // The oneof also names its member; everything else is the object protobufjs encoded.
    assert.deepStrictEqual(d.data, { ...sample, payload: 'chat' });
    assert.match(d.summary, /^\{"id":"m-1","seq":"18446744073709551615"/);
  });

  it('a top-level message with a map of messages, sint64, packed floats and doubles', () => {
    const Quote = oracle.lookupType('feed.Quote');
    const q = { symbol: 'ACME', price: 12.5, volume: '-9007199254740993', history: [1.5, -2.25], by_rank: { 1: { user: 'a', offset: 2 }, '-3': { user: 'b' } } };
    const d = decodePayload('protobuf', Quote.encode(Quote.fromObject(q)).finish(), { schemas, type: 'feed.Quote' });
    assert.deepStrictEqual(d.data, q);
  });

  it('oneof bytes members read as $binary', () => {
    const bytes = Envelope.encode(Envelope.fromObject({ id: 'b', blob: Buffer.from([0, 1, 255]) })).finish();
    assert.deepStrictEqual(decodePayload('protobuf', bytes, { schemas, type: 'feed.Envelope' }).data, { id: 'b', blob: { $binary: 'AAH/' }, payload: 'blob' });
  });

  it('property: whatever protobufjs encodes, our view equals protobufjs\'s own object of it', () => {
    const mention = fc.record({ user: fc.string(), offset: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }, { requiredKeys: [] });
    const env = fc.record(
      {
        id: fc.string(),
        seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
        priority: fc.constantFrom('PRIORITY_UNSPECIFIED', 'LOW', 'HIGH'),
        labels: fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }),
        tags: fc.array(fc.string(), { maxLength: 4 }),
        chat: fc.record({ from: fc.string(), text: fc.string(), mentions: fc.array(mention, { maxLength: 3 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(env, (o) => {
        const bytes = Envelope.encode(Envelope.fromObject(o)).finish();
        const expected = Envelope.toObject(Envelope.decode(bytes), { longs: String, enums: String, oneofs: true, json: true });
        assert.deepStrictEqual(decodePayload('protobuf', bytes, { schemas, type: 'feed.Envelope' }).data, JSON.parse(JSON.stringify(expected)));
      }),
      { numRuns: 200 },
    );
  });

  it('encoding a tree: protobufjs decodes what we encode; unknown fields and enum names are refused', () => {
    const bytes = encodeCodecMessage({ kind: 'protobuf', type: 'feed.Envelope', data: { ...sample, blob: undefined } }, schemas);
    const back = Envelope.toObject(Envelope.decode(bytes), { longs: String, enums: String, oneofs: true, json: true });
    assert.deepStrictEqual(back, { ...sample, payload: 'chat' });
    const withBytes = encodeCodecMessage({ kind: 'protobuf', type: 'feed.Envelope', data: { blob: { $binary: 'AAH/' } } }, schemas);
    assert.deepStrictEqual([...(Envelope.decode(withBytes) as unknown as { blob: Uint8Array }).blob], [0, 1, 255]);
    assert.throws(() => schemas.encode('feed.Envelope', { id: 'x', nope: 1 }), (e: Error & { code?: string }) => e.code === 'WSWB_CODEC_ENCODE' && /unknown field "nope" of feed.Envelope/.test(e.message));
    assert.throws(() => schemas.encode('feed.Envelope', { chat: { mentions: [{ usr: 'a' }] } }), /feed.Envelope.chat.mentions\[0\]: unknown field "usr"/);
    assert.throws(() => schemas.encode('feed.Envelope', { priority: 'URGENT' }), /"URGENT" is not a value of feed.Priority \(PRIORITY_UNSPECIFIED, LOW, HIGH\)/);
    assert.throws(() => schemas.encode('feed.Nope', {}), (e: Error & { code?: string }) => e.code === 'WSWB_CODEC_PROTO_TYPE' && /types: feed.Envelope/.test(e.message));
    assert.throws(() => encodeCodecMessage({ kind: 'protobuf', type: 'feed.Envelope', data: {} }), (e: Error & { code?: string }) => e.code === 'WSWB_CODEC_NO_SCHEMA');
  });

  it('bytes that are not the type: invalid, with the raw fields when they parse', () => {
    const d = decodePayload('protobuf', new Uint8Array([0x08, 0x96, 0x01, 0x1a]), { schemas, type: 'feed.Envelope' });
    assert.equal(d.type, 'invalid');
    assert.match(String(d.invalid), /^not a feed.Envelope: /);
    // Field 1 says 2 bytes follow, one does: not a message at all, so no raw fields either.
    const r = decodePayload('protobuf', new Uint8Array([0x0a, 0x02, 0x68]), { schemas, type: 'feed.Subscribe' });
    assert.equal(r.type, 'invalid');
    assert.equal(r.data, undefined);
    // Not that type, but a message: the raw fields are shown.
    // (field 10, chat, holds one byte that is no Chat message: wire type 7)
    const w = decodePayload('protobuf', new Uint8Array([0x52, 0x01, 0x0f]), { schemas, type: 'feed.Envelope' });
    assert.equal(w.type, 'invalid');
    assert.deepStrictEqual(w.data, [{ field: 10, wire: 'len', length: 1, bytes: { $binary: 'Dw==' } }]);
  });
});

describe('codecs: Protobuf without a schema (raw: field numbers and wire types)', () => {
  it('reads every wire type of a message protobufjs encoded', () => {
    const Envelope = new protobuf.Root().loadSync(FEED, { keepCase: true }).lookupType('feed.Envelope');
    const bytes = Envelope.encode(Envelope.fromObject({ id: 'hi', seq: 150, priority: 'LOW', tags: ['x'], chat: { from: 'ann', mentions: [{ user: 'b', offset: -2 }] } })).finish();
    const d = decodePayload('protobuf', bytes);
    assert.equal(d.type, 'raw');
    assert.deepStrictEqual(d.data, [
      { field: 1, wire: 'len', length: 2, string: 'hi', message: [{ field: 13, wire: 'varint', value: 105 }] },
      { field: 2, wire: 'varint', value: 150 },
      { field: 3, wire: 'varint', value: 1 },
      { field: 6, wire: 'len', length: 1, string: 'x' },
      {
        field: 10,
        wire: 'len',
        length: 21,
        message: [
          { field: 1, wire: 'len', length: 3, string: 'ann' },
          { field: 3, wire: 'len', length: 14, message: [{ field: 1, wire: 'len', length: 1, string: 'b' }, { field: 2, wire: 'varint', value: { $bigint: '18446744073709551614' }, signed: -2 }] },
        ],
      },
    ]);
    assert.equal(d.summary, '1: "hi", 2: 150, 3: 1, 6: "x", 10: {…}');
  });

  it('fixed 32/64-bit fields show their integer and float readings; groups nest', () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 1).double(1.5);
    w.uint32((2 << 3) | 5).float(-2);
    w.uint32((3 << 3) | 3).uint32((4 << 3) | 0).uint32(7).uint32((3 << 3) | 4);
    w.uint32((5 << 3) | 2).bytes(Buffer.from([0xff, 0x00]));
    const fields = decodeRawProtobuf(w.finish());
    assert.deepStrictEqual(fields, [
      { field: 1, wire: 'i64', value: { $bigint: '4609434218613702656' }, float: 1.5 },
      { field: 2, wire: 'i32', value: 0xc0000000, float: -2 },
      { field: 3, wire: 'group', group: [{ field: 4, wire: 'varint', value: 7 }] },
      { field: 5, wire: 'len', length: 2, bytes: { $binary: '/wA=' } },
    ]);
  });

  it('refuses what is not a message: truncation, wire types 6 and 7, field 0, an unmatched end of group', () => {
    const cases: Array<[number[], RegExp]> = [
      [[0x08], /truncated varint at byte 1/],
      [[0x0a, 0x05, 0x01], /field 1 needs 5 bytes, 1 left at byte 0/],
      [[0x0e], /wire type 6 does not exist/],
      [[0x0f], /wire type 7 does not exist/],
      [[0x00, 0x01], /field number 0 out of range/],
      [[0x0c], /end of group 1 without its start/],
      [[0x0b, 0x08, 0x01], /group 1 not ended/],
    ];
    for (const [bytes, re] of cases) assert.throws(() => decodeRawProtobuf(new Uint8Array(bytes)), (e: Error) => e instanceof RawProtobufError && re.test(e.message), re.source);
    const d = decodePayload('protobuf', new Uint8Array([0x0f]));
    assert.equal(d.type, 'invalid');
  });
});

describe('codecs: .proto problems are diagnostics at file:line:column', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-proto-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    await fs.writeFile(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it('a syntax error points at the offending token', async () => {
    const f = await write('bad.proto', 'syntax = "proto3";\npackage p;\n\nmessage M {\n  int32 a = 1\n    string b = 2;\n}\n');
    const r = await loadProtoFiles([f], readText);
    assert.equal(r.schemas, undefined);
    assert.deepStrictEqual(r.diagnostics, [{ code: 'WSWB_CODEC_PROTO_SYNTAX', file: f, line: 6, column: 5, message: "illegal token 'string', ';' expected" }]);
  });

  it('an unknown type points at where it is used; a missing import at the import line', async () => {
    const f = await write('unres.proto', 'syntax = "proto3";\nmessage M {\n  // Foo is not defined\n  repeated   Foo a = 1;\n}\n');
    const r = await loadProtoFiles([f], readText);
    assert.equal(r.diagnostics.length, 1);
    assert.deepStrictEqual({ ...r.diagnostics[0], message: undefined }, { code: 'WSWB_CODEC_PROTO_RESOLVE', file: f, line: 4, column: 14, message: undefined });
    assert.match(r.diagnostics[0]!.message, /no such Type or Enum 'Foo'/);
    const g = await write('imp.proto', 'syntax = "proto3";\n\nimport "missing/x.proto";\n');
    const r2 = await loadProtoFiles([g], readText);
    assert.deepStrictEqual({ ...r2.diagnostics[0], message: undefined }, { code: 'WSWB_CODEC_PROTO_FILE', file: g, line: 3, column: 8, message: undefined });
  });

  it('imports resolve next to the importing file; rules check their type exists', async () => {
    await write('common.proto', 'syntax = "proto3";\npackage c;\nmessage Id { string v = 1; }\n');
    await write('main.proto', 'syntax = "proto3";\npackage m;\nimport "common.proto";\nmessage Wrap { c.Id id = 1; }\n');
    const { codecs, problems } = await loadCodecs(
      [
        { codec: 'protobuf', proto: 'main.proto', type: 'm.Wrap' },
        { codec: 'protobuf', proto: 'main.proto', type: 'm.Nope' },
        { codec: 'msgpack', type: 'x' },
        { codec: 'cbor', match: { prefixHex: 'zz' } },
      ],
      { baseDir: dir, readText },
    );
    assert.deepStrictEqual(problems.map((p) => [p.rule, p.code]), [[1, 'WSWB_CODEC_PROTO_TYPE'], [2, 'WSWB_CODEC_RULE'], [3, 'WSWB_CODEC_RULE']]);
    assert.ok(codecs.schemasFor('m.Wrap'));
    const dec = codecs.forConnection(undefined, 'ws://h/')!;
    const d = dec.decode({ binary: true, data: new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0x41]) }, 'in');
    assert.deepStrictEqual(d?.data, { id: { v: 'A' } });
  });
});
