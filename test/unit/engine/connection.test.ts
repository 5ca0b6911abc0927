import assert from 'node:assert/strict';
import { Connection } from '../../../src/core/engine/connection';
import type { CloseEvent, FrameEvent, HandshakeEvent, MessageEvent, RttEvent, StateEvent, ErrorEvent, InfoEvent } from '../../../src/core/engine/events';
import { TimelineStore } from '../../../src/core/engine/timelineStore';
import { Cleanup, echoServer, events, waitClosed, waitFor, wsServer } from './helpers';

describe('Connection: recording through the wire tap', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  function conn(opts: ConstructorParameters<typeof Connection>[0], deps: ConstructorParameters<typeof Connection>[1] = {}) {
    let t = 1000;
    const c = new Connection(opts, { clock: () => t++, env: {}, ...deps });
    cleanup.add(() => c.dispose());
    return c;
  }

  it('records the handshake, frames in both directions and messages, then a clean close', async () => {
    const { url } = await echoServer(cleanup);
    const c = conn({ url: url + '/echo?x=1' });
    assert.equal(c.state, 'idle');
    await c.connect();
    assert.equal(c.state, 'open');
    c.sendText('hello');
    c.sendBinary(new Uint8Array([1, 2, 3]));
    await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in' && e.binary);
    const closed = await c.close(1000, 'done');
    assert.deepEqual(closed, { code: 1000, reason: 'done' });
    const ev = events(c);
    const hs = ev.find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.request.method, 'GET');
    assert.equal(hs.request.path, '/echo?x=1');
    assert.ok(hs.request.headers.some(([k]) => k.toLowerCase() === 'sec-websocket-key'));
    assert.equal(hs.response?.status, 101);
    assert.equal(hs.acceptValid, true);
    const frames = ev.filter((e): e is FrameEvent => e.kind === 'frame');
    const outText = frames.find((f) => f.dir === 'out' && f.opcode === 1)!;
    assert.equal(outText.masked, true);
    assert.match(outText.maskKey!, /^[0-9a-f]{8}$/);
    assert.equal(Buffer.from(outText.payload).toString(), 'hello', 'payload unmasked');
    assert.equal(outText.wireSize, 2 + 4 + 5);
    const inText = frames.find((f) => f.dir === 'in' && f.opcode === 1)!;
    assert.equal(inText.masked, false);
    assert.equal(Buffer.from(inText.payload).toString(), 'hello');
    assert.ok(frames.some((f) => f.dir === 'out' && f.opcode === 8));
    assert.ok(frames.some((f) => f.dir === 'in' && f.opcode === 8));
    const msgs = ev.filter((e): e is MessageEvent => e.kind === 'message');
    assert.deepEqual(
      msgs.map((m) => [m.dir, m.binary, Buffer.from(m.data).toString('hex'), m.size, m.wireSize, m.compressed]),
      [
        ['out', false, Buffer.from('hello').toString('hex'), 5, 11, false],
        ['out', true, '010203', 3, 9, false],
        ['in', false, Buffer.from('hello').toString('hex'), 5, 7, false],
        ['in', true, '010203', 3, 5, false],
      ],
    );
    const states = ev.filter((e): e is StateEvent => e.kind === 'state').map((s) => s.state + (s.initiator ? ':' + s.initiator : ''));
    assert.deepEqual(states, ['connecting', 'open', 'closing:client', 'closed']);
    const close = ev.find((e) => e.kind === 'close') as CloseEvent;
    assert.deepEqual([close.code, close.reason, close.initiator, close.wasClean], [1000, 'done', 'client', true]);
    // ids monotonic, times from the injected clock
    for (let i = 1; i < ev.length; i++) {
      assert.ok(ev[i]!.id > ev[i - 1]!.id);
      assert.ok(ev[i]!.time > ev[i - 1]!.time);
    }
  });

  it('records a server-initiated close with its code and reason', async () => {
    const { wss, url } = await wsServer(cleanup);
    wss.on('connection', (s) => s.close(4001, 'kicked'));
    const c = conn({ url });
    await c.connect();
    const close = (await waitClosed(c)) as CloseEvent;
    assert.deepEqual([close.code, close.reason, close.initiator, close.wasClean], [4001, 'kicked', 'server', true]);
    assert.ok(events(c).some((e) => e.kind === 'state' && e.state === 'closing' && e.initiator === 'server'));
  });

  it('measures ping → pong round trips and sends pongs with payload', async () => {
    const { wss, url } = await wsServer(cleanup);
    const pongs: string[] = [];
    wss.on('connection', (s) => s.on('pong', (d) => pongs.push(d.toString())));
    const c = conn({ url });
    await c.connect();
    c.ping(Buffer.from('p1'));
    const rtt = (await waitFor(c, (e) => e.kind === 'rtt')) as RttEvent;
    assert.ok(rtt.ms >= 1, 'rtt from the injected clock');
    const pingFrame = events(c).find((e) => e.kind === 'frame' && e.opcode === 9) as FrameEvent;
    assert.equal(Buffer.from(pingFrame.payload).toString(), 'p1');
    const pongFrame = events(c).find((e) => e.kind === 'frame' && e.opcode === 10 && e.dir === 'in') as FrameEvent;
    assert.equal(Buffer.from(pongFrame.payload).toString(), 'p1');
    c.pong(Buffer.from('unsolicited'));
    await waitFor(c, (e) => e.kind === 'frame' && e.opcode === 10 && e.dir === 'out');
    await c.close();
    assert.deepEqual(pongs, ['unsolicited']);
  });

  it('answers pings by default and stays silent with autoPong off', async () => {
    for (const autoPong of [true, false]) {
      const { wss, url } = await wsServer(cleanup);
      const pongs: string[] = [];
      wss.on('connection', (s) => {
        s.on('pong', (d) => pongs.push(d.toString()));
        s.ping('are you there');
      });
      const c = conn({ url, autoPong });
      await c.connect();
      await waitFor(c, (e) => e.kind === 'frame' && e.opcode === 9 && e.dir === 'in');
      // a round trip after the ping proves the pong (if any) was sent before it
      c.sendText('sync');
      const { wss: _w } = { wss };
      await new Promise<void>((r) => {
        const s = [...wss.clients][0]!;
        s.once('message', () => r());
      });
      await c.close();
      const outPongs = events(c).filter((e) => e.kind === 'frame' && e.opcode === 10 && e.dir === 'out');
      assert.equal(outPongs.length, autoPong ? 1 : 0, `autoPong ${autoPong}`);
      assert.deepEqual(pongs, autoPong ? ['are you there'] : []);
    }
  });

  it('sends a message in N fragments and raw frames with any opcode/RSV/FIN', async () => {
    const { wss, url } = await wsServer(cleanup);
    const got: string[] = [];
    wss.on('connection', (s) => s.on('message', (d) => got.push(d.toString())));
    const c = conn({ url });
    await c.connect();
    c.sendFragmented('abcdefghij', 3);
    await waitFor(c, (e) => e.kind === 'message' && e.dir === 'out');
    const frames = events(c).filter((e): e is FrameEvent => e.kind === 'frame' && e.dir === 'out');
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.fin, Buffer.from(f.payload).toString()]),
      [
        [1, false, 'abcd'],
        [0, false, 'efgh'],
        [0, true, 'ij'],
      ],
    );
    const msg = events(c).find((e) => e.kind === 'message' && e.dir === 'out') as MessageEvent;
    assert.equal(msg.wireSize, 10 + 3 * 6);
    c.sendRawFrame({ opcode: 0x1, payload: Buffer.from('raw') });
    await waitFor(c, (e) => e.kind === 'frame' && e.dir === 'out' && Buffer.from(e.payload).toString() === 'raw');
    // a reserved opcode makes the server fail the connection with 1002
    c.sendRawFrame({ opcode: 0x3, rsv2: true, payload: Buffer.from('x') });
    const raw = (await waitFor(c, (e) => e.kind === 'frame' && e.dir === 'out' && e.opcode === 3)) as FrameEvent;
    assert.equal(raw.rsv2, true);
    const close = (await waitClosed(c)) as CloseEvent;
    assert.equal(close.code, 1002);
    assert.deepEqual(got, ['abcdefghij', 'raw']);
  });

  it('sends close codes ws refuses as raw close frames', async () => {
    const { wss, url } = await wsServer(cleanup);
    void wss;
    const c = conn({ url, closeTimeoutMs: 2000 });
    await c.connect();
    const closed = await c.close(1004, 'reserved');
    const out = events(c).find((e) => e.kind === 'frame' && e.dir === 'out' && e.opcode === 8) as FrameEvent;
    assert.equal(Buffer.from(out.payload).readUInt16BE(0), 1004);
    assert.equal(closed.code, 1002, 'the server rejects the invalid close code with 1002');
    const close = events(c).find((e) => e.kind === 'close') as CloseEvent;
    assert.equal(close.initiator, 'client');
  });

  it('shares one store between connections, tagging events with their id', async () => {
    const { url } = await echoServer(cleanup);
    const store = new TimelineStore();
    cleanup.add(() => store.dispose());
    const a = conn({ url }, { store, id: 'a' });
    const b = conn({ url }, { store, id: 'b' });
    await Promise.all([a.connect(), b.connect()]);
    a.sendText('from a');
    b.sendText('from b');
    await waitFor(a, (e) => e.kind === 'message' && e.dir === 'in');
    await waitFor(b, (e) => e.kind === 'message' && e.dir === 'in');
    await Promise.all([a.close(), b.close()]);
    assert.deepEqual(store.query({ connection: 'a', kinds: ['message'], text: 'from b' }), []);
    assert.equal(store.query({ connection: 'b', kinds: ['message'], text: 'from b' }).length, 2);
  });

  it('records WSWB_CONN_NOT_OPEN instead of throwing when sending while closed', async () => {
    const c = conn({ url: 'ws://127.0.0.1:1' });
    c.sendText('nope');
    const e = (await waitFor(c, (x) => x.kind === 'error')) as ErrorEvent;
    assert.equal(e.code, 'WSWB_CONN_NOT_OPEN');
  });

  it('unmasks outgoing fragments and control frames exactly, within the preview limit', async () => {
    const { wss, url } = await wsServer(cleanup);
    const got: Buffer[] = [];
    wss.on('connection', (s) => s.on('message', (d) => got.push(d as Buffer)));
    const c = conn({ url, payloadPreviewBytes: 70_000 });
    await c.connect();
    const big = Buffer.alloc(300_001);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 8)) & 0xff;
    c.sendFragmented(big, 3);
    c.ping(Buffer.from('odd-length ping!!'));
    c.sendRawFrame({ opcode: 0x2, payload: big.subarray(0, 9), mask: new Uint8Array([1, 2, 3, 4]) });
    await waitFor(c, (e) => e.kind === 'frame' && e.dir === 'in' && e.opcode === 10);
    await c.close();
    assert.deepEqual(got[0], big);
    const out = events(c).filter((e): e is FrameEvent => e.kind === 'frame' && e.dir === 'out');
    const frags = out.slice(0, 3);
    assert.deepEqual(frags.map((f) => [f.opcode, f.fin, f.length, f.payload.length, f.truncated]), [
      [2, false, 100_001, 70_000, true],
      [0, false, 100_001, 70_000, true],
      [0, true, 99_999, 70_000, true],
    ]);
    assert.deepEqual(Buffer.from(frags[1]!.payload), big.subarray(100_001, 170_001));
    assert.deepEqual(Buffer.from(frags[2]!.payload), big.subarray(200_002, 270_002));
    const ping = out.find((f) => f.opcode === 9)!;
    assert.equal(Buffer.from(ping.payload).toString(), 'odd-length ping!!');
    const raw = out.find((f) => f.maskKey === '01020304')!;
    assert.deepEqual(Buffer.from(raw.payload), big.subarray(0, 9));
    const msg = events(c).find((e) => e.kind === 'message' && e.dir === 'out') as MessageEvent;
    assert.equal(msg.size, big.length);
  });

  it('keeps frame payload previews bounded', async () => {
    const { url } = await echoServer(cleanup);
    const c = conn({ url, payloadPreviewBytes: 16 });
    await c.connect();
    c.sendBinary(new Uint8Array(1000).fill(7));
    const m = (await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in')) as MessageEvent;
    assert.equal(m.size, 1000, 'messages keep the full payload');
    await c.close();
    const f = events(c).find((e) => e.kind === 'frame' && e.dir === 'in' && e.opcode === 2) as FrameEvent;
    assert.equal(f.length, 1000);
    assert.equal(f.payload.length, 16);
    assert.equal(f.truncated, true);
    const o = events(c).find((e) => e.kind === 'frame' && e.dir === 'out' && e.opcode === 2) as FrameEvent;
    assert.deepEqual([o.length, o.payload.length, o.truncated], [1000, 16, true]);
    assert.deepEqual([...o.payload], new Array(16).fill(7));
    void ({} as InfoEvent);
  });
});

describe('Connection: when another agent supplies the socket (as VS Code\'s proxy support does)', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('still taps the request, the response and the frames', async () => {
    const http = require('node:http') as typeof import('node:http');
    const original = http.request;
    let replaced = 0;
    // Like @vscode/proxy-agent with http.proxySupport = "override": the caller's agent is swapped.
    (http as { request: unknown }).request = function (this: unknown, ...args: unknown[]) {
      const opts = args.find((a) => a && typeof a === 'object' && !(a instanceof URL)) as { agent?: unknown } | undefined;
      if (opts) {
        opts.agent = new http.Agent();
        replaced++;
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
    cleanup.add(() => ((http as { request: unknown }).request = original));
    const { url } = await echoServer(cleanup);
    const c = new Connection({ url, proxy: 'none' }, { env: {} });
    cleanup.add(() => c.dispose());
    await c.connect();
    c.sendText('through a foreign agent');
    await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in');
    await c.close();
    assert.equal(replaced, 1);
    const ev = events(c);
    assert.ok(ev.some((e) => e.kind === 'info' && /another agent/.test(e.message)));
    const hs = ev.find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.response?.status, 101);
    assert.equal(hs.acceptValid, true);
    assert.ok(ev.some((e) => e.kind === 'frame' && e.dir === 'out' && e.opcode === 1 && e.masked));
    assert.ok(ev.some((e) => e.kind === 'frame' && e.dir === 'in' && e.opcode === 1));
    const m = ev.find((e) => e.kind === 'message' && e.dir === 'in') as MessageEvent;
    assert.equal(m.wireSize, 2 + 'through a foreign agent'.length);
  });
});
