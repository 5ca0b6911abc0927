/**
 * `websocket-workbench connect --codec … --message …` (dist/cli.js with its lazily loaded chunks,
 * built by `node scripts/build.mjs`) against a real ws server on loopback that speaks Protobuf
 * (protobufjs), MessagePack (@msgpack/msgpack) and CBOR (cbor2): NDJSON message lines carry
 * `decoded` as docs/cli-ndjson.md specifies, codec messages arrive as the libraries read them, and
 * a broken .proto is bad usage with its position.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as msgpack from '@msgpack/msgpack';
import * as cbor from 'cbor2';
import * as protobuf from 'protobufjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { httpServer } from '../protocols/helpers';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
const FEED = path.resolve(__dirname, '../../../examples/protos/feed.proto');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- NDJSON lines are read field by field
type Line = Record<string, any>;

function run(args: string[], cwd = process.cwd()): Promise<{ code: number; lines: Line[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'connect', ...args, '--output', 'ndjson'], { timeout: 15_000, cwd }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), stderr });
    });
  });
}

describe('codecs: connect --codec (CLI, real ws server)', function () {
  this.timeout(30_000);
  const root = new protobuf.Root().loadSync(FEED, { keepCase: true });
  const Envelope = root.lookupType('feed.Envelope');
  const Subscribe = root.lookupType('feed.Subscribe');
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  const received: Buffer[] = [];

  beforeEach(async () => {
    received.length = 0;
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server });
    wss.on('connection', (ws: WebSocket) => {
      ws.on('message', (d: Buffer) => received.push(Buffer.from(d)));
      ws.send(Envelope.encode(Envelope.fromObject({ id: 'e1', priority: 'HIGH', labels: { k: 'v' }, quote: { symbol: 'ACME', price: 1.25, volume: '-5', by_rank: { 1: { user: 'u' } } } })).finish());
      ws.send(cbor.encode(new cbor.Tag(55799, { temp: 21.5, bytes: new Uint8Array([9]) })));
      ws.send(msgpack.encode({ n: 2n ** 60n, list: [1, 'a', null] }, { useBigInt64: true }));
      ws.send(Buffer.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69])); // unknown: raw protobuf
      ws.send('plain text stays plain');
    });
  });

  afterEach(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('decodes what the server sends by the first matching rule, and sends codec messages as binary', async () => {
    const r = await run([
      `ws://127.0.0.1:${http.port}/feed`,
      '--codec', JSON.stringify({ match: { direction: 'out', prefixHex: '0a' }, codec: 'protobuf', proto: FEED, type: 'feed.Subscribe' }),
      '--codec', JSON.stringify({ match: { path: '/feed', prefixHex: '0a' }, codec: 'protobuf', proto: FEED, type: 'feed.Envelope' }),
      '--codec', JSON.stringify({ match: { prefixHex: 'd9 d9 f7' }, codec: 'cbor' }),
      '--codec', JSON.stringify({ match: { prefixHex: '08' }, codec: 'protobuf' }),
      '--codec', JSON.stringify({ codec: 'msgpack' }),
      '--message', JSON.stringify({ kind: 'protobuf', type: 'feed.Subscribe', data: { symbols: ['ACME', '{{not a variable here}}'], min_priority: 'HIGH' } }),
      '--message', JSON.stringify({ kind: 'msgpack', data: { hello: [1, { $binary: 'AQI=' }] } }),
      '--message', JSON.stringify({ kind: 'cbor', data: { $tag: 1, value: 0 } }),
      '--wait', '300',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const msgs = r.lines.filter((l) => l.type === 'message');
    const inbound = msgs.filter((l) => l.dir === 'in');
    assert.deepEqual(inbound.map((l) => l.decoded), [
      { protocol: 'protobuf', type: 'feed.Envelope', summary: '{"id":"e1","priority":"HIGH","labels":{"k":"v"},"quote":{"symbol":"ACME","price":1.25,"volume":"-5","by_rank":{"1":{"user":"u"}}},"payload":"quote"}'.slice(0, 99) + '…', data: { id: 'e1', priority: 'HIGH', labels: { k: 'v' }, quote: { symbol: 'ACME', price: 1.25, volume: '-5', by_rank: { 1: { user: 'u' } } }, payload: 'quote' } },
      { protocol: 'cbor', type: 'cbor', summary: '{"temp":21.5,"bytes":"<1 B>"}', data: { temp: 21.5, bytes: { $binary: 'CQ==' } } },
      { protocol: 'msgpack', type: 'msgpack', summary: '{"n":{"$bigint":"1152921504606846976"},"list":[1,"a",null]}', data: { n: { $bigint: '1152921504606846976' }, list: [1, 'a', null] } },
      { protocol: 'protobuf', type: 'raw', summary: '1: 150, 2: "hi"', data: [{ field: 1, wire: 'varint', value: 150 }, { field: 2, wire: 'len', length: 2, string: 'hi', message: [{ field: 13, wire: 'varint', value: 105 }] }] },
      undefined, // text is not a codec's
    ]);
    // What we sent, as the libraries read it, and as our own lines show it.
    assert.equal(received.length, 3);
    assert.deepEqual(Subscribe.toObject(Subscribe.decode(received[0]!), { enums: String }), { symbols: ['ACME', '{{not a variable here}}'], min_priority: 'HIGH' });
    const sentMp = msgpack.decode(received[1]!) as { hello: [number, Uint8Array] };
    assert.deepEqual([sentMp.hello[0], [...sentMp.hello[1]]], [1, [1, 2]]);
    assert.deepEqual(cbor.decode(received[2]!), new Date(0));
    const out = msgs.filter((l) => l.dir === 'out');
    assert.deepEqual(out.map((l) => [l.binary, l.decoded?.protocol, l.decoded?.type]), [
      [true, 'protobuf', 'feed.Subscribe'],
      [true, 'msgpack', 'msgpack'],
      [true, 'msgpack', 'invalid'], // CBOR bytes under the catch-all msgpack rule: shown as not MessagePack, not dropped
    ]);
    assert.deepEqual(out[0]!.decoded.data, { symbols: ['ACME', '{{not a variable here}}'], min_priority: 'HIGH' });
  });

  it('refuses a broken .proto, an unknown type and bad data as usage errors, before connecting', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-codec-cli-'));
    try {
      await fs.writeFile(path.join(dir, 'bad.proto'), 'syntax = "proto3";\nmessage A {\n  int32 x = 1;\n  int32 y = ;\n}\n');
      const bad = await run([`ws://127.0.0.1:${http.port}/`, '--codec', '{"codec":"protobuf","proto":"bad.proto","type":"A"}'], dir);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--codec 1: .*bad\.proto:4:13 illegal id ';' \[WSWB_CODEC_PROTO_SYNTAX\]/);
      const type = await run([`ws://127.0.0.1:${http.port}/`, '--codec', JSON.stringify({ codec: 'protobuf', proto: FEED, type: 'feed.Nope' })]);
      assert.equal(type.code, 2);
      assert.match(type.stderr, /no message type "feed.Nope".*\[WSWB_CODEC_PROTO_TYPE\]/);
      const noSchema = await run([`ws://127.0.0.1:${http.port}/`, '--message', '{"kind":"protobuf","type":"feed.Envelope","data":{}}']);
      assert.equal(noSchema.code, 2);
      assert.match(noSchema.stderr, /needs a \.proto/);
      const unknownField = await run([`ws://127.0.0.1:${http.port}/`, '--codec', JSON.stringify({ codec: 'protobuf', proto: FEED }), '--message', '{"kind":"protobuf","type":"feed.Envelope","data":{"idd":"x"}}']);
      assert.equal(unknownField.code, 2);
      assert.match(unknownField.stderr, /unknown field "idd" of feed.Envelope/);
      const shape = await run([`ws://127.0.0.1:${http.port}/`, '--message', '{"kind":"cbor","data":1,"extra":true}']);
      assert.equal(shape.code, 2);
      assert.match(shape.stderr, /unknown field "extra" for kind "cbor"/);
      assert.equal(received.length, 0);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
