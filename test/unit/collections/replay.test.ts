import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { replaySchedule, transcriptToMock, connectionsOf } from '../../../src/core/collections/replay';
import { checkMockDefinition } from '../../../src/core/engine/mock/validate';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import type { MessageEvent, TimelineEvent } from '../../../src/core/engine/events';

const enc = (s: string) => new TextEncoder().encode(s);
let nextId = 1;
const msg = (time: number, dir: 'in' | 'out', text: string | Uint8Array, connection = 'c1'): MessageEvent => {
  const data = typeof text === 'string' ? enc(text) : text;
  return { id: nextId++, time, connection, kind: 'message', dir, binary: typeof text !== 'string', data, size: data.length };
};

const recorded: TimelineEvent[] = [
  { id: nextId++, time: 1000, connection: 'c1', kind: 'handshake', request: { method: 'GET', path: '/', url: 'ws://h/', headers: [] }, response: { status: 101, statusText: 'Switching Protocols', headers: [] }, subprotocol: 'chat' },
  { id: nextId++, time: 1001, connection: 'c1', kind: 'state', state: 'open' },
  msg(1002, 'in', 'welcome {{not a template}}'),
  msg(1100, 'out', 'hello'),
  msg(1130, 'in', 'hi there'),
  msg(1131, 'in', 'second reply'),
  msg(4100, 'out', new Uint8Array([1, 2, 3])),
  msg(4150, 'in', new Uint8Array([9, 9])),
  msg(4200, 'out', 'hello'),
  msg(4210, 'in', 'hi again'),
  msg(5000, 'out', 'nobody answers'),
  msg(100, 'out', 'other connection', 'c2'),
];

describe('collections: replay and record-to-mock', () => {
  it('lists connections and schedules our messages with original, compressed or no timing', () => {
    assert.deepEqual(connectionsOf(recorded), ['c1', 'c2']);
    const original = replaySchedule(recorded);
    assert.deepEqual(original.map((s) => s.delayMs), [99, 3000, 100, 800]);
    assert.equal(new TextDecoder().decode(original[0]!.data), 'hello');
    assert.equal(original[1]!.binary, true);
    assert.deepEqual(replaySchedule(recorded, { timing: 'compressed', maxGapMs: 500 }).map((s) => s.delayMs), [99, 500, 100, 500]);
    assert.deepEqual(replaySchedule(recorded, { timing: 'immediate' }).map((s) => s.delayMs), [0, 0, 0, 0]);
    assert.equal(replaySchedule(recorded, { connection: 'c2' }).length, 1);
  });

  it('builds a valid mock: greeting, one rule per distinct request, literal text, binary as base64', () => {
    const def = transcriptToMock(recorded, { name: 'rec', delays: true });
    assert.deepEqual(checkMockDefinition(def), []);
    assert.equal(def.echo, false);
    assert.deepEqual(def.subprotocols, ['chat']);
    assert.deepEqual(def.greeting, [{ text: 'welcome {{not a template}}', literal: true }]);
    assert.equal(def.rules!.length, 3, 'the second "hello" keeps the first answer');
    assert.deepEqual(def.rules![0]!.respond, [
      { text: 'hi there', literal: true },
      { text: 'second reply', literal: true },
    ]);
    assert.equal(def.rules![0]!.delay, 30);
    assert.deepEqual(def.rules![1]!.match, { binary: true, binaryPrefix: '010203' });
    assert.deepEqual(def.rules![1]!.respond, [{ base64: 'CQk=' }]);
    assert.deepEqual(def.rules![2]!.respond, []);
    const ordered = transcriptToMock(recorded, { ordered: true });
    assert.deepEqual(checkMockDefinition(ordered), []);
    assert.deepEqual(ordered.rules!.map((r) => r.match?.count), [1, 2, 3, 4]);
  });

  it('the recorded conversation replays against the generated mock (real sockets)', async () => {
    const server = new MockServer({ ...transcriptToMock(recorded, { ordered: true }), port: 0 }, { log: () => undefined });
    const { url } = await server.start();
    const ws = new WebSocket(url, 'chat');
    ws.on('error', () => undefined);
    const got: string[] = [];
    ws.on('message', (d, binary) => got.push(binary ? `bin:${Buffer.from(d as Buffer).toString('hex')}` : d.toString()));
    try {
      await new Promise((r) => ws.once('open', r));
      for (const step of replaySchedule(recorded, { timing: 'immediate' })) ws.send(step.data, { binary: step.binary });
      const want = ['welcome {{not a template}}', 'hi there', 'second reply', 'bin:0909', 'hi again'];
      for (let i = 0; i < 200 && got.length < want.length; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, want);
    } finally {
      ws.terminate();
      await server.stop();
    }
  });
});
