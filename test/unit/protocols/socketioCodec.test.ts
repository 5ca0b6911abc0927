/**
 * The Socket.IO decoder's fast path (packets without attachments, decoded without the parser)
 * must agree with socket.io-parser itself: on packets its Encoder writes (property test) and on
 * malformed ones (table), which both reject.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decoder, Encoder, type Packet } from 'socket.io-parser';
import { SocketIoDecoder } from '../../../src/core/protocols/socketio';
import { publicDecoded } from '../../../src/core/protocols/monitor';

function official(str: string): Packet | 'invalid' {
  const d = new Decoder();
  let got: Packet | 'invalid' = 'invalid';
  d.on('decoded', (p: Packet) => (got = p));
  try {
    d.add(str);
  } catch {
    return 'invalid';
  }
  return got;
}

function ours(str: string) {
  const d = new SocketIoDecoder().decode({ binary: false, data: Buffer.from(`4${str}`) }, 'in')!;
  return d;
}

function agree(str: string): void {
  const o = official(str);
  const d = ours(str);
  if (o === 'invalid') {
    assert.ok(d.invalid, `we accepted what socket.io-parser rejects: ${str}`);
    return;
  }
  assert.equal(d.invalid, undefined, str);
  assert.equal(d.namespace, o.nsp, str);
  const data = (o.data ?? []) as unknown[];
  if (o.type === 2) assert.deepEqual([d.event, d.args, d.ackId], [data[0], data.slice(1), o.id], str);
  else if (o.type === 3) assert.deepEqual([d.args, d.ackId], [data, o.id], str);
  else if (o.type === 0 || o.type === 4) assert.deepEqual(d.data, o.data, str);
}

describe('protocols: Socket.IO decoding agrees with socket.io-parser', () => {
  it('reads the arguments of a header-only packet when asked, and then prints them', () => {
    const d = ours('2/chat,12["chat",{"text":"hi"},[1,2]]');
    assert.deepEqual([d.type, d.namespace, d.event, d.ackId, d.key, d.role], ['EVENT', '/chat', 'chat', 12, '/chat#12', 'request']);
    assert.deepEqual(d.args, [{ text: 'hi' }, [1, 2]]);
    assert.equal(d.summary, '/chat chat({"text":"hi"}, [1,2]) ack 12');
    assert.deepEqual(publicDecoded(d), { protocol: 'socket.io', type: 'EVENT', summary: '/chat chat({"text":"hi"}, [1,2]) ack 12', namespace: '/chat', event: 'chat', ackId: 12, key: '/chat#12', args: [{ text: 'hi' }, [1, 2]] });
  });

  it('on every packet the official Encoder writes (property)', () => {
    const json = fc.jsonValue({ maxDepth: 3 });
    const nsp = fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[a-z0-9_?=&-]{1,10}$/));
    const id = fc.option(fc.nat({ max: 2 ** 31 }), { nil: undefined });
    const packet = fc.oneof(
      fc.record({ type: fc.constant(2), nsp, id, data: fc.tuple(fc.oneof(fc.string(), fc.integer()), fc.array(json, { maxLength: 4 })).map(([e, a]) => [e, ...a]) }),
      fc.record({ type: fc.constant(3), nsp, id: fc.nat({ max: 10_000 }), data: fc.array(json, { maxLength: 4 }) }),
      fc.record({ type: fc.constant(0), nsp, data: fc.option(fc.dictionary(fc.string(), json, { maxKeys: 3 }), { nil: undefined }) }),
      fc.record({ type: fc.constant(4), nsp, data: fc.oneof(fc.string(), fc.record({ message: fc.string() })) }),
      fc.record({ type: fc.constant(1), nsp }),
    );
    fc.assert(
      fc.property(packet, (p) => {
        const clean = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as Packet;
        const [str] = new Encoder().encode(clean) as string[];
        agree(str!);
      }),
      { numRuns: 400 },
    );
  });

  const malformed = [
    '2', '2[]', '2[1', '2{"a":1}', '2["connect"]', '2["disconnect",1]', '2[null]', '3{"a":1}', '3', '0[1]', '0"x"', '1[1]', '4[1]', '4',
    '2/admin', '2/admin["x"]', '2/admin,["x"]', '21234567890123456789["x"]', '2 ["x"]', '7["x"]', '2abc', '0/a,', '3/a,12[]', '2-1["x"]',
    // Bracketed but not JSON: the header-only path must report them too (when its arguments are read).
    '2["x",]', '31[,]', '2["a"]]', '2["a\u0001"]', '2/a,5["x",{]', '3/a,7[1 2]',
  ];
  for (const str of malformed) it(`agrees on ${JSON.stringify(str)}`, () => agree(str));
});
