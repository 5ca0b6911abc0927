import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { Connection, type ConnectionOptions } from '../../../src/core/engine/connection';
import type { CloseEvent, ErrorEvent, FrameEvent, HandshakeEvent } from '../../../src/core/engine/events';
import { encodeFrame, encodeClosePayload } from '../../../src/core/protocol/frameEncoder';
import { Cleanup, connectProxy, events, newConnection, rawPeer, waitClosed, waitFor } from './helpers';

/** A peer that answers our close frame with its own (so the close code on our side is the one we sent). */
function closeOnClose(sock: net.Socket): void {
  sock.on('data', (d: Buffer) => {
    if ((d[0]! & 0x0f) === 0x8) {
      sock.end(Buffer.from(encodeFrame({ opcode: 8, payload: encodeClosePayload(1002) })));
    }
  });
}

describe('Connection against hostile servers and failing networks', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const conn = (opts: ConnectionOptions) => newConnection(cleanup, opts);
  const rejection = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e as { code: string; message: string };
    }
    throw new Error('expected a rejection');
  };

  const cases: Array<{ name: string; bytes: Uint8Array; code: string; closeCode: number; initiator?: 'server'; frame: (f: FrameEvent) => boolean }> = [
    { name: 'a reserved opcode', bytes: encodeFrame({ opcode: 0x3, payload: Buffer.from('x') }), code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002, frame: (f) => f.opcode === 3 },
    { name: 'invalid UTF-8 in a text message', bytes: encodeFrame({ opcode: 0x1, payload: Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80]) }), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, frame: (f) => f.opcode === 1 },
    { name: 'an oversize control frame', bytes: encodeFrame({ opcode: 0x9, payload: new Uint8Array(126) }), code: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', closeCode: 1002, frame: (f) => f.opcode === 9 && f.length === 126 },
    { name: 'a masked server frame', bytes: encodeFrame({ opcode: 0x1, payload: Buffer.from('hi'), mask: true }), code: 'WS_ERR_UNEXPECTED_MASK', closeCode: 1002, frame: (f) => f.masked && Buffer.from(f.payload).toString() === 'hi' },
    { name: 'a bad close code', bytes: encodeFrame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) }), code: 'WS_ERR_INVALID_CLOSE_CODE', closeCode: 1002, initiator: 'server', frame: (f) => f.opcode === 8 },
    { name: 'RSV bits without an extension', bytes: encodeFrame({ opcode: 0x1, rsv2: true, payload: Buffer.from('r') }), code: 'WS_ERR_UNEXPECTED_RSV_2_3', closeCode: 1002, frame: (f) => f.rsv2 },
    { name: 'a fragmented control frame', bytes: encodeFrame({ opcode: 0x9, fin: false }), code: 'WS_ERR_EXPECTED_FIN', closeCode: 1002, frame: (f) => f.opcode === 9 && !f.fin },
  ];
  for (const k of cases) {
    it(`fails the connection on ${k.name} with ${k.code} / ${k.closeCode}`, async () => {
      const { url } = await rawPeer(cleanup, (sock) => {
        closeOnClose(sock);
        sock.write(k.bytes);
      });
      const c = conn({ url });
      await c.connect();
      const close = (await waitClosed(c)) as CloseEvent;
      const err = events(c).find((e): e is ErrorEvent => e.kind === 'error' && e.code.startsWith('WS_ERR'))!;
      assert.ok(err, 'a coded error was recorded: ' + JSON.stringify(events(c).filter((e) => e.kind === 'error')));
      assert.equal(err.code, k.code);
      assert.equal(err.closeCode, k.closeCode);
      const ourClose = events(c).find((e): e is FrameEvent => e.kind === 'frame' && e.dir === 'out' && e.opcode === 8)!;
      assert.equal(Buffer.from(ourClose.payload).readUInt16BE(0), k.closeCode, 'we sent the implied close code');
      assert.equal(close.initiator, k.initiator ?? 'client');
      assert.ok(events(c).some((e) => e.kind === 'frame' && e.dir === 'in' && k.frame(e)), 'the offending frame is on the timeline');
      assert.equal(c.state, 'closed');
    });
  }

  it('terminates when the server never completes the closing handshake', async () => {
    // Real timers: ws's own close timer (a backstop, 1 s later) used to race ours and, on a busy
    // machine, sometimes closed the socket first, without the CLOSE_TIMEOUT error.
    const { url } = await rawPeer(cleanup, () => undefined);
    const c = conn({ url, closeTimeoutMs: 150 });
    await c.connect();
    const res = await c.close(1000, 'bye');
    assert.equal(res.code, 1006);
    const codes = events(c).filter((e): e is ErrorEvent => e.kind === 'error').map((e) => e.code);
    assert.deepEqual(codes, ['CLOSE_TIMEOUT']);
    const close = events(c).find((e) => e.kind === 'close') as CloseEvent;
    assert.deepEqual([close.code, close.initiator, close.wasClean], [1006, 'client', false]);
  });

  /** A Connection whose timers are captured, to fire by hand; ws keeps its real (60 s + backstop) timer. */
  function connWithTimers(url: string) {
    const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
    const c = new Connection(
      { url, closeTimeoutMs: 60_000 },
      {
        env: {},
        setTimeout: (fn, ms) => {
          const t = { fn, ms, cleared: false };
          timers.push(t);
          return t;
        },
        clearTimeout: (h) => {
          (h as { cleared: boolean }).cleared = true;
        },
      },
    );
    cleanup.add(() => c.dispose());
    const closeTimer = () => timers.filter((t) => t.ms === 60_000 && !t.cleared);
    return { c, closeTimer };
  }

  it('close(): when the close timer fires, reports CLOSE_TIMEOUT and terminates (injected timer)', async () => {
    const { url } = await rawPeer(cleanup, () => undefined);
    const { c, closeTimer } = connWithTimers(url);
    await c.connect();
    assert.equal(closeTimer().length, 0, 'no close timer while open');
    const closed = c.close(1000, 'bye');
    assert.equal(closeTimer().length, 1, 'close() arms one close timer');
    assert.equal(c.state, 'closing');
    closeTimer()[0]!.fn();
    const res = await closed;
    assert.equal(res.code, 1006);
    assert.deepEqual(events(c).filter((e): e is ErrorEvent => e.kind === 'error').map((e) => e.code), ['CLOSE_TIMEOUT']);
    const close = events(c).find((e) => e.kind === 'close') as CloseEvent;
    assert.deepEqual([close.code, close.initiator, close.wasClean], [1006, 'client', false]);
  });

  it('a server that sends a close frame but keeps TCP open is ended by the close timer, without an error (injected timer)', async () => {
    const { url } = await rawPeer(cleanup, (sock) => {
      sock.write(encodeFrame({ opcode: 8, payload: encodeClosePayload(4000, 'go away') }));
      sock.on('data', () => undefined); // reads our close reply, never ends
    });
    const { c, closeTimer } = connWithTimers(url);
    await c.connect().catch(() => undefined); // the close frame may arrive with the 101
    await waitFor(c, (e) => e.kind === 'state' && e.state === 'closing');
    assert.equal(closeTimer().length, 1, 'the server-initiated close arms the close timer');
    assert.notEqual(c.state, 'closed');
    closeTimer()[0]!.fn();
    const close = (await waitClosed(c)) as CloseEvent;
    assert.deepEqual([close.code, close.reason, close.initiator], [4000, 'go away', 'server']);
    assert.deepEqual(events(c).filter((e) => e.kind === 'error'), []);
  });

  it('reports a TCP reset in the middle of a frame', async () => {
    const { url } = await rawPeer(cleanup, (sock) => {
      const f = encodeFrame({ opcode: 0x2, payload: new Uint8Array(1000) });
      sock.write(f.subarray(0, 300), () => setTimeout(() => sock.resetAndDestroy(), 20));
    });
    const c = conn({ url });
    await c.connect();
    const close = (await waitClosed(c)) as CloseEvent;
    assert.equal(close.code, 1006);
    assert.equal(close.wasClean, false);
    assert.equal(close.initiator, 'server');
    const codes = events(c).filter((e): e is ErrorEvent => e.kind === 'error').map((e) => e.code);
    assert.ok(codes.includes('ECONNRESET'), codes.join());
    assert.ok(codes.includes('TRUNCATED_FRAME'), codes.join());
  });

  it('reports a refused upgrade with status, headers and a bounded body', async () => {
    const server = http.createServer((_q, r) => r.writeHead(401, { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'text/plain' }).end('no token '.repeat(1000)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const c = conn({ url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, maxErrorBodyBytes: 100 });
    const e = await rejection(c.connect());
    assert.equal(e.code, 'HANDSHAKE_UNEXPECTED_RESPONSE');
    const hs = events(c).find((x) => x.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.response?.status, 401);
    assert.ok(hs.response?.headers.some(([k, v]) => k.toLowerCase() === 'www-authenticate' && v === 'Bearer'));
    assert.equal(hs.response?.body?.length, 100);
    assert.equal(hs.response?.bodyTruncated, true);
    const close = (await waitClosed(c)) as CloseEvent;
    assert.equal(close.code, 1006);
    assert.equal(events(c).filter((x) => x.kind === 'error').length, 1, 'one error, not a cascade');
  });

  it('flags an invalid Sec-WebSocket-Accept', async () => {
    const { url } = await rawPeer(cleanup, () => undefined, () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bogus=\r\n\r\n');
    const c = conn({ url });
    const e = await rejection(c.connect());
    assert.equal(e.code, 'HANDSHAKE_INVALID_ACCEPT');
    const hs = events(c).find((x) => x.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.acceptValid, false);
  });

  it('reports a refused port, a DNS failure, a dead proxy and TLS to a plain server with codes', async () => {
    const refused = conn({ url: 'ws://127.0.0.1:1/' });
    assert.equal((await rejection(refused.connect())).code, 'ECONNREFUSED');
    assert.ok(events(refused).some((e) => e.kind === 'error' && e.code === 'ECONNREFUSED'));
    assert.equal(((await waitClosed(refused)) as CloseEvent).code, 1006);

    const dns = conn({ url: 'ws://no-such-host.invalid/' });
    assert.match((await rejection(dns.connect())).code, /^(ENOTFOUND|EAI_AGAIN)$/);

    const dead = conn({ url: 'ws://127.0.0.1:9/', proxy: 'http://127.0.0.1:1' });
    assert.equal((await rejection(dead.connect())).code, 'PROXY_UNREACHABLE');

    const plainSockets: net.Socket[] = [];
    const plain = net.createServer((s) => {
      plainSockets.push(s);
      s.on('error', () => undefined);
      s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => { for (const s of plainSockets) s.destroy(); plain.close(() => r()); }));
    const tlsFail = conn({ url: `wss://127.0.0.1:${(plain.address() as net.AddressInfo).port}/`, handshakeTimeoutMs: 3000 });
    // OpenSSL reads the plain HTTP answer as a record with a wrong version: Node's EPROTO.
    const e = await rejection(tlsFail.connect());
    assert.equal(e.code, 'EPROTO', e.message);
    assert.ok(events(tlsFail).some((x) => x.kind === 'error' && x.code === 'EPROTO'));

    const badUrl = conn({ url: 'ftp://x' });
    assert.equal((await rejection(badUrl.connect())).code, 'INVALID_URL');
  });

  it('reports a proxy that hangs up without answering', async () => {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
    const c = conn({ url: 'ws://127.0.0.1:9/', proxy: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    assert.equal((await rejection(c.connect())).code, 'PROXY_UNREACHABLE');
    void connectProxy;
  });

  it('survives a server that sends garbage instead of HTTP', async () => {
    const { url } = await rawPeer(cleanup, () => undefined, () => '\x00\x01\x02garbage\r\n\r\n');
    const c = conn({ url });
    // The wire tap fails to parse the status line (HTTP_PARSE_ERROR, on the timeline); connect()
    // rejects with what Node's HTTP parser says about the same bytes.
    const e = await rejection(c.connect());
    assert.equal(e.code, 'HPE_INVALID_CONSTANT', e.message);
    await waitFor(c, (x) => x.kind === 'close');
    assert.deepEqual(events(c).filter((x): x is ErrorEvent => x.kind === 'error').map((x) => x.code), ['HTTP_PARSE_ERROR', 'HPE_INVALID_CONSTANT']);
    assert.equal((events(c).find((x) => x.kind === 'close') as CloseEvent).code, 1006);
  });
});
