import assert from 'node:assert/strict';
import { Resources, until } from './helpers';

describe('mock server: echo and lifecycle', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('echoes text and binary by default on 127.0.0.1', async () => {
    const { url, port } = await r.mock({});
    assert.match(url, new RegExp(`^ws://127\\.0\\.0\\.1:${port}/$`));
    const c = await r.client(url);
    c.send('hello');
    assert.equal(await c.nextText(), 'hello');
    c.send(Buffer.from([1, 2, 3]));
    const m = await c.next();
    assert.equal(m.binary, true);
    assert.deepEqual([...m.data], [1, 2, 3]);
  });

  it('records handshake, frames and messages per connection in its timeline', async () => {
    const { url, events } = await r.mock({ name: 'tl' });
    const c = await r.client(url + 'x?y=1');
    c.send('ping?');
    await c.next();
    c.ws.close(1000, 'bye');
    await c.closed;
    await until(() => events.some((e) => e.kind === 'close'));
    const conn = events.filter((e) => e.connection === 'tl#1');
    const kinds = conn.map((e) => e.kind);
    assert.equal(kinds[0], 'handshake');
    const hs = conn[0];
    assert.ok(hs && hs.kind === 'handshake' && hs.response?.status === 101 && hs.request.path === '/x?y=1');
    const frames = conn.filter((e) => e.kind === 'frame');
    assert.ok(frames.some((f) => f.kind === 'frame' && f.dir === 'in' && f.masked && f.opcode === 1 && Buffer.from(f.payload).toString() === 'ping?'));
    assert.ok(frames.some((f) => f.kind === 'frame' && f.dir === 'out' && !f.masked && f.opcode === 1));
    assert.ok(frames.some((f) => f.kind === 'frame' && f.dir === 'in' && f.opcode === 8));
    const msgs = conn.filter((e) => e.kind === 'message');
    assert.deepEqual(msgs.map((m) => m.kind === 'message' && `${m.dir}:${Buffer.from(m.data).toString()}`), ['in:ping?', 'out:ping?']);
    const close = conn.find((e) => e.kind === 'close');
    assert.ok(close && close.kind === 'close' && close.code === 1000 && close.reason === 'bye' && close.initiator === 'client');
  });

  it('stop() closes every client with 1001 and stops listening', async () => {
    const { server, url } = await r.mock({});
    const a = await r.client(url);
    const b = await r.client(url);
    assert.equal(server.clients().length, 2);
    await server.stop();
    assert.equal((await a.closed).code, 1001);
    assert.equal((await b.closed).code, 1001);
    const late = r.rawClient(url);
    await assert.rejects(late.opened);
  });

  it('answers plain HTTP with 426', async () => {
    const { port } = await r.mock({});
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 426);
    await res.text();
  });
});
