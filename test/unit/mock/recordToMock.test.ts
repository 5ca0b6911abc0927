import assert from 'node:assert/strict';
import { Resources } from './helpers';
import { recordingToMock, storeToMock } from '../../../src/core/engine/mock/recordToMock';
import { checkMockDefinition } from '../../../src/core/engine/mock/validate';
import type { TimelineEvent } from '../../../src/core/engine/events';
import { TimelineStore } from '../../../src/core/engine/timelineStore';

let nextId = 1;
const msg = (time: number, dir: 'in' | 'out', data: string | Buffer, connection = 'c1'): TimelineEvent => {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return { id: nextId++, time, connection, kind: 'message', dir, binary: typeof data !== 'string', data: buf, size: buf.length };
};

describe('record-to-mock', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('turns greeting, exchanges, repeats and a server close into a valid definition', () => {
    const events: TimelineEvent[] = [
      { id: nextId++, time: 0, connection: 'c1', kind: 'handshake', request: { method: 'GET', path: '/', url: 'ws://x/', headers: [] }, subprotocol: 'v1' },
      msg(10, 'in', 'welcome'),
      msg(20, 'out', 'login'),
      msg(70, 'in', 'ok'),
      msg(71, 'in', '{"user":"{{x}}"}'),
      msg(80, 'out', 'next'),
      msg(81, 'in', 'page 1'),
      msg(90, 'out', 'next'),
      msg(91, 'in', 'page 2'),
      msg(95, 'out', Buffer.from([1, 2])),
      msg(96, 'in', Buffer.from([3])),
      msg(97, 'out', 'other connection', 'c2'),
      { id: nextId++, time: 100, connection: 'c1', kind: 'close', code: 4000, reason: 'done', initiator: 'server', wasClean: true },
    ];
    const def = recordingToMock(events, { name: 'rec' });
    assert.deepEqual(checkMockDefinition(def), []);
    assert.equal(def.echo, false);
    assert.deepEqual(def.subprotocols, ['v1']);
    assert.deepEqual(def.greeting, ['welcome']);
    const rules = def.rules ?? [];
    assert.deepEqual(rules.map((x) => x.match), [{ text: 'login' }, { text: 'next', count: 2 }, { text: 'next', count: 3 }, { binary: true, binaryPrefix: '0102' }]);
    assert.deepEqual(rules[0]?.respond, ['ok', { text: '{"user":"{{x}}"}', literal: true }]);
    assert.equal(rules[0]?.delay, 50);
    assert.equal(rules[1]?.delay, undefined);
    assert.deepEqual(rules[3]?.respond, [{ hex: '03' }]);
    assert.deepEqual(rules[3]?.close, { code: 4000, reason: 'done' });
  });

  it('identical requests with identical answers share one rule', () => {
    const def = recordingToMock([msg(0, 'out', 'ping'), msg(1, 'in', 'pong'), msg(2, 'out', 'ping'), msg(3, 'in', 'pong')]);
    assert.deepEqual(def.rules?.map((x) => x.match), [{ text: 'ping' }]);
  });

  it('replays a recorded session against a fresh mock, in order', async () => {
    const original = await r.mock({ greeting: ['hello'], rules: [{ match: { text: 'n' }, respond: ['{{counter}}'] }, { match: { regex: '^up (.*)$' }, respond: ['{{1}}!'] }] });
    const client = await r.client(original.url);
    const events: TimelineEvent[] = [];
    let t = 0;
    const record = (dir: 'in' | 'out', data: string) => events.push(msg(t++, dir, data));
    record('in', await client.nextText());
    for (const send of ['n', 'up a', 'n']) {
      client.send(send);
      record('out', send);
      record('in', await client.nextText());
    }
    const replay = await r.mock(recordingToMock(events, { name: 'replay' }));
    const c = await r.client(replay.url);
    const got = [await c.nextText()];
    for (const send of ['n', 'up a', 'n']) {
      c.send(send);
      got.push(await c.nextText());
    }
    assert.deepEqual(got, events.filter((e) => e.kind === 'message' && e.dir === 'in').map((e) => e.kind === 'message' && Buffer.from(e.data).toString()));
    assert.deepEqual(got, ['hello', '1', 'a!', '2']);
  });

  it('reads spilled payloads back from a TimelineStore', async () => {
    const store = new TimelineStore({ memoryBudgetBytes: 16 });
    r.defer(() => store.dispose());
    const big = 'x'.repeat(1000);
    store.append({ time: 0, connection: 'c', kind: 'message', dir: 'out', binary: false, data: Buffer.from('get'), size: 3 });
    store.append({ time: 1, connection: 'c', kind: 'message', dir: 'in', binary: false, data: Buffer.from(big), size: big.length });
    for (let i = 0; i < 50; i++) store.append({ time: 2, connection: 'other', kind: 'message', dir: 'in', binary: false, data: Buffer.alloc(1000), size: 1000 });
    await (store as { flush?: () => Promise<void> }).flush?.();
    assert.ok(store.counters().onDisk > 0, 'something spilled');
    const def = await storeToMock(store, { connection: 'c' });
    assert.deepEqual(def.rules?.[0]?.respond, [big]);
  });
});
