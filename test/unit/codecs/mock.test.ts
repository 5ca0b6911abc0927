/**
 * Mock `respond` with codec kinds: one encode function for client and mock (src/core/codecs/encode.ts).
 * A real ws client talks to the mock; what it receives is read by the libraries themselves
 * (@msgpack/msgpack, cbor2, protobufjs), with `{{json.…}}` templates filled from the request.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fs from 'node:fs/promises';
import * as msgpack from '@msgpack/msgpack';
import * as cbor from 'cbor2';
import * as protobuf from 'protobufjs';
import { loadCodecs } from '../../../src/core/codecs/bindings';
import { checkMockDefinition } from '../../../src/core/engine/mock/validate';
import { Resources } from '../mock/helpers';

const FEED = path.resolve(__dirname, '../../../examples/protos/feed.proto');

describe('codecs: mock respond with msgpack, cbor and protobuf', () => {
  const res = new Resources();
  afterEach(() => res.dispose());

  it('answers with encoded binary messages, templated from the request', async () => {
    const { codecs, problems } = await loadCodecs([{ codec: 'protobuf', proto: FEED }], { baseDir: '/', readText: (f) => fs.readFile(f, 'utf8') });
    assert.deepEqual(problems, []);
    const { url, events } = await res.mock(
      {
        rules: [
          { match: { json: { path: 'op', equals: 'mp' } }, respond: [{ kind: 'msgpack', data: { echo: '{{json.v}}', n: '{{json.n}}', raw: { $binary: 'AAE=' } } }] },
          { match: { json: { path: 'op', equals: 'cbor' } }, respond: [{ kind: 'cbor', data: ['{{json.v}}', { $tag: 32, value: 'https://x.test/' }] }] },
          { match: { json: { path: 'op', equals: 'pb' } }, respond: [{ kind: 'protobuf', type: 'feed.Envelope', data: { id: '{{json.v}}', priority: 'LOW', chat: { from: 'mock', text: 'hi {{json.v}}' } } }] },
          { match: { json: { path: 'op', equals: 'bad' } }, respond: [{ kind: 'protobuf', type: 'feed.Envelope', data: { nope: 1 } }] },
        ],
      },
      { codecs },
    );
    const c = await res.client(url);
    c.ws.send(JSON.stringify({ op: 'mp', v: 'a', n: 7 }));
    const mp = await c.next();
    assert.equal(mp.binary, true);
    const mpv = msgpack.decode(mp.data) as { echo: string; n: number; raw: Uint8Array };
    assert.deepEqual([mpv.echo, mpv.n, [...mpv.raw]], ['a', 7, [0, 1]]);

    c.ws.send(JSON.stringify({ op: 'cbor', v: 'b' }));
    const cb = await c.next();
    assert.deepEqual(cbor.decode(cb.data), ['b', new URL('https://x.test/')]);

    c.ws.send(JSON.stringify({ op: 'pb', v: 'c' }));
    const pb = await c.next();
    const Envelope = new protobuf.Root().loadSync(FEED, { keepCase: true }).lookupType('feed.Envelope');
    assert.deepEqual(Envelope.toObject(Envelope.decode(pb.data), { enums: String }), { id: 'c', priority: 'LOW', chat: { from: 'mock', text: 'hi c' } });

    // Data that does not encode is an error event of the mock, not a crash, and nothing is sent.
    c.ws.send(JSON.stringify({ op: 'bad' }));
    c.ws.send(JSON.stringify({ op: 'mp', v: 'after', n: 1 }));
    const after = msgpack.decode((await c.next()).data) as { echo: string };
    assert.equal(after.echo, 'after');
    const err = events.find((e) => e.kind === 'error');
    assert.ok(err && err.kind === 'error' && err.code === 'WSWB_CODEC_ENCODE' && /unknown field "nope" of feed.Envelope/.test(err.message), JSON.stringify(err));
  });

  it('without the collection codecs a protobuf answer says it needs a .proto', async () => {
    const { url, events } = await res.mock({ rules: [{ respond: [{ kind: 'protobuf', type: 'feed.Envelope', data: {} }] }] });
    const c = await res.client(url);
    c.ws.send('x');
    const deadline = Date.now() + 2000;
    while (!events.some((e) => e.kind === 'error') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const err = events.find((e) => e.kind === 'error');
    assert.ok(err && err.kind === 'error' && err.code === 'WSWB_CODEC_NO_SCHEMA', JSON.stringify(err));
  });

  it('the definition check refuses a codec message of the wrong shape, on any protocol', () => {
    assert.deepEqual(checkMockDefinition({ name: 'm', rules: [{ respond: [{ kind: 'cbor', data: 1 }, { kind: 'msgpack', data: null }] }] }), []);
    const p = checkMockDefinition({ name: 'm', rules: [{ respond: [{ kind: 'protobuf', data: {} }] }] });
    assert.ok(p.length > 0);
    assert.ok(p.some((x) => /type/.test(x.message)), JSON.stringify(p));
  });
});
