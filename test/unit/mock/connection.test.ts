/** The mock against the engine's own client (Connection): both timelines agree on what crossed the wire. */
import assert from 'node:assert/strict';
import { Resources, until } from './helpers';
import { Connection } from '../../../src/core/engine/connection';
import { TimelineStore } from '../../../src/core/engine/timelineStore';
import { recordingToMock } from '../../../src/core/engine/mock/recordToMock';
import type { TimelineEvent } from '../../../src/core/engine/events';

describe('mock server with the engine Connection', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  function connection(url: string, extra: Record<string, unknown> = {}): { conn: Connection; events: TimelineEvent[] } {
    const store = new TimelineStore();
    const conn = new Connection({ url, reconnect: { enabled: false }, ...extra }, { store });
    const events: TimelineEvent[] = [];
    conn.onEvent((e) => events.push(e));
    r.defer(async () => {
      conn.dispose();
      await store.dispose();
    });
    return { conn, events };
  }
  const texts = (events: TimelineEvent[], dir: 'in' | 'out') => events.filter((e) => e.kind === 'message' && e.dir === dir).map((e) => (e.kind === 'message' ? Buffer.from(e.data).toString() : ''));

  it('greeting, rules and close code; a shared store holds both sides under distinct connection ids', async () => {
    const shared = new TimelineStore();
    r.defer(() => shared.dispose());
    const { url } = await r.mock({ name: 'svc', greeting: ['ready'], rules: [{ match: { json: { path: 'op', equals: 'quit' } }, respond: ['bye'], close: { code: 4100, reason: 'quit' } }] }, { store: shared });
    const conn = new Connection({ url, reconnect: { enabled: false } }, { store: shared, id: 'client-1' });
    r.defer(() => conn.dispose());
    await conn.connect();
    conn.sendText('echo me');
    conn.sendText('{"op":"quit"}');
    const closed = await new Promise<TimelineEvent>((resolve) => conn.onEvent((e) => e.kind === 'close' && resolve(e)));
    assert.ok(closed.kind === 'close' && closed.code === 4100 && closed.reason === 'quit' && closed.initiator === 'server');
    await until(() => shared.query({ kinds: ['close'], connection: 'svc#1' }).length === 1);
    const client = shared.slice(0, shared.length).filter((e) => e.connection === 'client-1');
    const server = shared.slice(0, shared.length).filter((e) => e.connection === 'svc#1');
    assert.deepEqual(texts(client, 'in'), ['ready', 'echo me', 'bye']);
    assert.deepEqual(texts(server, 'out'), ['ready', 'echo me', 'bye']);
    assert.deepEqual(texts(server, 'in'), texts(client, 'out'));
    // Mirror images on the wire: every data frame the client sent masked arrived masked, with the same key.
    const keys = (evs: TimelineEvent[], dir: 'in' | 'out') => evs.filter((e) => e.kind === 'frame' && e.dir === dir && e.opcode === 1).map((e) => (e.kind === 'frame' ? e.maskKey : ''));
    assert.deepEqual(keys(server, 'in'), keys(client, 'out'));
  });

  it('pings get pongs (rtt) until a noPong fault; fragmented replies are reassembled', async () => {
    const { url } = await r.mock({ rules: [{ match: { text: 'mute' }, respond: ['ok'], faults: [{ type: 'noPong' }] }, { match: { text: 'frag' }, respond: ['abcdef'], faults: [{ type: 'fragment', frames: 3 }] }] });
    const { conn, events } = connection(url);
    await conn.connect();
    conn.ping(Buffer.from('p1'));
    await until(() => events.some((e) => e.kind === 'rtt'));
    conn.sendText('frag');
    await until(() => texts(events, 'in').includes('abcdef'));
    assert.equal(events.filter((e) => e.kind === 'frame' && e.dir === 'in' && (e.opcode === 0 || e.opcode === 1)).length, 3);
    conn.sendText('mute');
    await until(() => texts(events, 'in').includes('ok'));
    const pongs = () => events.filter((e) => e.kind === 'frame' && e.dir === 'in' && e.opcode === 0xa).length;
    const before = pongs();
    conn.ping(Buffer.from('p2'));
    await new Promise((res) => setTimeout(res, 150));
    assert.equal(pongs(), before);
  });

  it('a raw malformed frame from the client is recorded by the mock as a coded error', async () => {
    const { url, events } = await r.mock({});
    const { conn } = connection(url);
    await conn.connect();
    conn.sendRawFrame({ opcode: 0x5, mask: true, payload: Buffer.from('bad') });
    await until(() => events.some((e) => e.kind === 'error' && e.code === 'WS_ERR_INVALID_OPCODE'));
    await until(() => events.some((e) => e.kind === 'close'));
  });

  it("a Connection's recorded session becomes a mock that replays it", async () => {
    const original = await r.mock({ greeting: ['v1'], rules: [{ match: { regex: '^sum (\\d+) (\\d+)$' }, respond: ['{{1}}+{{2}}'] }] });
    const { conn, events } = connection(original.url);
    await conn.connect();
    conn.sendText('sum 1 2');
    await until(() => texts(events, 'in').length === 2);
    await conn.close(1000, 'done');
    const replay = await r.mock(recordingToMock(events, { name: 'replay' }));
    const again = connection(replay.url);
    await again.conn.connect();
    again.conn.sendText('sum 1 2');
    await until(() => texts(again.events, 'in').length === 2);
    assert.deepEqual(texts(again.events, 'in'), ['v1', '1+2']);
  });
});
