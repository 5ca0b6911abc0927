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
    await assert.rejects(server.start(), (e: { code?: string }) => e.code === 'WSWB_MOCK_ALREADY_STARTED');
  });

  it('answers plain HTTP with 426', async () => {
    const { port } = await r.mock({});
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 426);
    await res.text();
  });
});

describe('mock server: incoming frame payloads on the timeline', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('records exact payloads of big and fragmented client frames (taken from the message bytes)', async () => {
    const { url, events } = await r.mock({ maxPayload: 50_000 });
    const c = await r.client(url);
    const parts = [Buffer.alloc(10, 1), Buffer.alloc(1000, 2), Buffer.alloc(3000, 3)];
    c.ws.send(parts[0]!, { fin: false, binary: true });
    c.ws.send(parts[1]!, { fin: false, binary: true });
    c.ws.send(parts[2]!, { fin: true, binary: true });
    const big = Buffer.from('x'.repeat(200) + 'é'.repeat(50));
    c.ws.send(big.toString());
    c.ws.ping('p');
    assert.equal((await c.next()).data.length, 4010);
    assert.equal((await c.nextText()).length, 250);
    await until(() => events.filter((e) => e.kind === 'frame' && e.dir === 'in').length >= 5);
    const inFrames = events.filter((e) => e.kind === 'frame' && e.dir === 'in');
    const shown = inFrames.map((f) => f.kind === 'frame' && [f.opcode, f.fin, f.length, Buffer.from(f.payload).equals(f.opcode === 9 ? Buffer.from('p') : f.length === 10 ? parts[0]! : f.length === 1000 ? parts[1]! : f.length === 3000 ? parts[2]! : big), Boolean(f.truncated)]);
    assert.deepEqual(shown, [
      [2, false, 10, true, false],
      [0, false, 1000, true, false],
      [0, true, 3000, true, false],
      [1, true, big.length, true, false],
      [9, true, 1, true, false],
    ]);
    // Frames come before the message they carry.
    const order = events.filter((e) => e.kind === 'message' || (e.kind === 'frame' && e.dir === 'in')).map((e) => (e.kind === 'frame' ? `f${e.opcode}` : e.kind === 'message' ? `m${e.dir}` : '?'));
    assert.deepEqual(order.slice(0, 5), ['f2', 'f0', 'f0', 'min', 'mout']);
  });

  it('records outgoing frames of every length encoding exactly (7-bit, 16-bit, 64-bit lengths)', async () => {
    const { url, events } = await r.mock({});
    const c = await r.client(url);
    for (const n of [0, 125, 300, 70_000]) {
      c.send(Buffer.alloc(n, n % 251));
      assert.equal((await c.next()).data.length, n);
    }
    await until(() => events.filter((e) => e.kind === 'frame' && e.dir === 'out').length === 4);
    const out = events.filter((e) => e.kind === 'frame' && e.dir === 'out');
    assert.deepEqual(out.map((f) => f.kind === 'frame' && [f.opcode, f.length, f.wireSize, f.payload.length, Boolean(f.truncated), f.payload.every((b) => b === f.length % 251)]), [
      [2, 0, 2, 0, false, true],
      [2, 125, 127, 125, false, true],
      [2, 300, 304, 300, false, true],
      [2, 70_000, 70_010, 65_536, true, true],
    ]);
  });

  it('a frame whose message never completes (oversize) is recorded as truncated', async () => {
    const { url, events } = await r.mock({ maxPayload: 1000 });
    const c = await r.client(url);
    c.send(Buffer.alloc(5000, 7));
    assert.equal((await c.closed).code, 1009);
    await until(() => events.some((e) => e.kind === 'close'));
    const f = events.find((e) => e.kind === 'frame' && e.dir === 'in' && e.opcode === 2);
    assert.ok(f && f.kind === 'frame' && f.length === 5000 && f.truncated === true && f.payload.length <= 125);
    assert.ok(events.some((e) => e.kind === 'error' && e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'));
  });
});
