/**
 * Deadlines are deadlines (issue 10 §3): the opening handshake has a total deadline, whatever a
 * slow server or proxy trickles; and once the client has failed a connection it stops reading and
 * recording, and ends the connection after a short grace instead of the whole close timeout.
 * Real sockets on 127.0.0.1; the hostile peers are raw `net` servers.
 */
import assert from 'node:assert/strict';
import type { Connection, ConnectionOptions } from '../../../src/core/engine/connection';
import type { CloseEvent, ErrorEvent, HandshakeEvent } from '../../../src/core/engine/events';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';
import { Cleanup, SLOW_101, afterHead, connectProxy, drip, events, newConnection, rawPeer, tcpServer, waitClosed, waitFor } from './helpers';

describe('Deadlines', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  const conn = (opts: ConnectionOptions) => newConnection(cleanup, opts);

  describe('the opening handshake has a total deadline', () => {
    /** Connects, expecting a rejection; returns its code and how long it took. */
    async function timedFailure(c: Connection): Promise<{ code: string; ms: number }> {
      const t0 = Date.now();
      try {
        await c.connect();
      } catch (e) {
        return { code: (e as { code: string }).code, ms: Date.now() - t0 };
      }
      throw new Error('expected the handshake to fail');
    }
    function errorCodes(c: Connection): string[] {
      return events(c).filter((e): e is ErrorEvent => e.kind === 'error').map((e) => e.code);
    }

    it('a server that trickles its 101 one byte at a time: HANDSHAKE_TIMEOUT at the deadline, socket destroyed', async () => {
      const srv = await tcpServer(cleanup, (s) => afterHead(s, () => drip(s, SLOW_101)));
      const c = conn({ url: `ws://127.0.0.1:${srv.port}/`, handshakeTimeoutMs: 1000 });
      const { code, ms } = await timedFailure(c);
      assert.equal(code, 'HANDSHAKE_TIMEOUT');
      assert.ok(ms >= 950 && ms < 1500, `failed after ${ms} ms`);
      assert.deepEqual(errorCodes(c), ['HANDSHAKE_TIMEOUT'], 'one error, no cascade');
      const err = events(c).find((e): e is ErrorEvent => e.kind === 'error')!;
      assert.match(err.message, /1000 ms/);
      assert.match(err.message, /upgrade response/);
      const close = (await waitClosed(c, 1000)) as CloseEvent;
      assert.deepEqual([close.code, close.initiator, close.wasClean], [1006, 'client', false]);
      const hs = events(c).find((e): e is HandshakeEvent => e.kind === 'handshake');
      assert.equal(hs?.request.method, 'GET', 'the request that went out is on the timeline');
      // The server sees its socket closed right away, not when it stops trickling.
      const t0 = Date.now();
      while (!srv.closedAt.length && Date.now() - t0 < 500) await new Promise((r) => setTimeout(r, 10));
      assert.equal(srv.closedAt.length, 1, 'the client destroyed the socket');
    });

    it('a CONNECT proxy that trickles its answer: PROXY_TIMEOUT at the deadline, tunnel socket destroyed', async () => {
      const proxy = await tcpServer(cleanup, (s) => afterHead(s, () => drip(s, 'HTTP/1.1 200 Connection Established\r\nX-Slow: ' + 'z'.repeat(200) + '\r\n\r\n')));
      const c = conn({ url: 'ws://127.0.0.1:9/', proxy: `http://127.0.0.1:${proxy.port}`, handshakeTimeoutMs: 1000 });
      const { code, ms } = await timedFailure(c);
      assert.equal(code, 'PROXY_TIMEOUT');
      assert.ok(ms >= 950 && ms < 1500, `failed after ${ms} ms`);
      assert.deepEqual(errorCodes(c), ['PROXY_TIMEOUT']);
      await waitClosed(c, 1000);
      const t0 = Date.now();
      while (!proxy.closedAt.length && Date.now() - t0 < 500) await new Promise((r) => setTimeout(r, 10));
      assert.equal(proxy.closedAt.length, 1, 'the tunnel socket was destroyed');
    });

    it('a proxy that tunnels promptly to a server that trickles: the deadline covers CONNECT + upgrade (HANDSHAKE_TIMEOUT)', async () => {
      const srv = await tcpServer(cleanup, (s) => afterHead(s, () => drip(s, SLOW_101)));
      const proxy = await connectProxy(cleanup);
      const c = conn({ url: `ws://127.0.0.1:${srv.port}/`, proxy: proxy.url, handshakeTimeoutMs: 1000 });
      const { code, ms } = await timedFailure(c);
      assert.equal(code, 'HANDSHAKE_TIMEOUT');
      assert.ok(ms >= 950 && ms < 1500, `failed after ${ms} ms`);
      assert.deepEqual(errorCodes(c), ['HANDSHAKE_TIMEOUT']);
      assert.deepEqual(proxy.targets, [`127.0.0.1:${srv.port}`]);
    });

    it('a TLS server that accepts TCP but never completes the TLS handshake (trickles a record): HANDSHAKE_TIMEOUT', async () => {
      // A TLS handshake record header announcing 16 KiB, then its body one byte at a time: the
      // client's TLS layer keeps waiting for the rest of the record, and the socket is never idle.
      const record = Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x40, 0x00]), Buffer.alloc(0x4000, 0x02)]);
      const srv = await tcpServer(cleanup, (s) => {
        s.once('data', () => drip(s, record));
      });
      const c = conn({ url: `wss://127.0.0.1:${srv.port}/`, handshakeTimeoutMs: 1000 });
      const { code, ms } = await timedFailure(c);
      assert.equal(code, 'HANDSHAKE_TIMEOUT');
      assert.ok(ms >= 950 && ms < 1500, `failed after ${ms} ms`);
      assert.deepEqual(errorCodes(c), ['HANDSHAKE_TIMEOUT']);
      const err = events(c).find((e): e is ErrorEvent => e.kind === 'error')!;
      assert.match(err.message, /TLS/);
      await waitClosed(c, 1000);
    });

    it('a refused upgrade whose body trickles is reported at the deadline with its status (HANDSHAKE_UNEXPECTED_RESPONSE)', async () => {
      const srv = await tcpServer(cleanup, (s) => afterHead(s, () => {
        s.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 1000\r\n\r\nno');
        drip(s, 'x'.repeat(998));
      }));
      const c = conn({ url: `ws://127.0.0.1:${srv.port}/`, handshakeTimeoutMs: 500 });
      const { code, ms } = await timedFailure(c);
      assert.equal(code, 'HANDSHAKE_UNEXPECTED_RESPONSE');
      assert.ok(ms >= 450 && ms < 1000, `failed after ${ms} ms`);
      assert.deepEqual(errorCodes(c), ['HANDSHAKE_UNEXPECTED_RESPONSE']);
      const hs = events(c).find((e): e is HandshakeEvent => e.kind === 'handshake')!;
      assert.equal(hs.response?.status, 403);
      assert.match(hs.response?.body ?? '', /^nox*$/);
    });

    it('a handshake that completes in time is not affected by the deadline timer', async () => {
      const { url } = await rawPeer(cleanup, () => undefined);
      const c = conn({ url, handshakeTimeoutMs: 300 });
      await c.connect();
      await new Promise((r) => setTimeout(r, 450));
      assert.equal(c.state, 'open');
      assert.deepEqual(errorCodes(c), []);
    });
  });

  describe('a failed connection stops reading and ends after a short grace', () => {

    /** After the upgrade: writes `first`, then floods `chunk` as fast as the socket takes it, ignoring our FIN. */
    async function floodingPeer(first: Uint8Array, chunk: Buffer) {
      const stats = { written: 0, closedAt: 0 };
      const peer = await rawPeer(cleanup, (sock) => {
        sock.on('close', () => (stats.closedAt = Date.now()));
        sock.on('data', () => undefined); // reads our close frame, never answers it
        sock.write(first);
        const pump = () => {
          while (!sock.destroyed && sock.writable) {
            stats.written += chunk.length;
            if (!sock.write(chunk)) return void sock.once('drain', pump);
          }
        };
        setImmediate(pump);
      }, undefined, { allowHalfOpen: true });
      return { ...peer, stats };
    }

    it('a frame header declaring 2 GiB then a flood: 1009, reading stops, socket destroyed within the grace', async function () {
      this.timeout(15000);
      const header = Buffer.from([0x82, 0x7f, 0, 0, 0, 0, 0x80, 0, 0, 0]); // binary, 64-bit length 2^31
      const { url, stats } = await floodingPeer(header, Buffer.alloc(256 * 1024, 0x61));
      const c = conn({ url, closeTimeoutMs: 5000 });
      await c.connect();
      const err = (await waitFor(c, (e) => e.kind === 'error')) as ErrorEvent;
      const failedAt = Date.now();
      assert.equal(err.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      assert.equal(err.closeCode, 1009);
      const close = (await waitClosed(c, 3000)) as CloseEvent;
      const closedIn = Date.now() - failedAt;
      assert.ok(closedIn <= 1300, `closed ${closedIn} ms after the failure (grace ≤ 1 s, not the 5 s close timeout)`);
      assert.deepEqual([close.code, close.initiator, close.wasClean], [1006, 'client', false]);
      assert.deepEqual(events(c).filter((e) => e.kind === 'error').map((e) => (e as ErrorEvent).code), ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'], 'no TRUNCATED_FRAME or CLOSE_TIMEOUT on top');
      // The flood is bounded by what the kernel buffers, not by how long we wait.
      assert.ok(stats.written < 64 * 1024 * 1024, `the peer got ${stats.written} bytes in`);
      const t0 = Date.now();
      while (!stats.closedAt && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 10));
      assert.ok(stats.closedAt > 0 && stats.closedAt - failedAt <= 1500, 'the peer saw its socket closed within the grace');
    });

    it('frames flooding in after a failure are not recorded', async function () {
      this.timeout(15000);
      // An oversize frame (maxPayload 1024) fails the connection; small frames keep coming behind it.
      const bad = encodeFrame({ opcode: 2, payload: Buffer.alloc(2048) });
      const small = Buffer.concat(Array.from({ length: 4096 }, () => encodeFrame({ opcode: 1, payload: Buffer.from('flood') })));
      const { url, stats } = await floodingPeer(bad, small);
      const c = conn({ url, maxPayload: 1024, closeTimeoutMs: 5000 });
      await c.connect();
      const err = (await waitFor(c, (e) => e.kind === 'error')) as ErrorEvent;
      assert.equal(err.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      const errIndex = events(c).indexOf(err);
      const failedAt = Date.now();
      await waitClosed(c, 3000);
      assert.ok(Date.now() - failedAt <= 1300, 'closed within the grace');
      const after = events(c).slice(errIndex).filter((e) => (e.kind === 'frame' && e.dir === 'in') || (e.kind === 'message' && e.dir === 'in'));
      assert.equal(after.length, 0, `${after.length} incoming frame/message events recorded after the failure`);
      assert.ok(stats.written < 64 * 1024 * 1024, `the peer got ${stats.written} bytes in`);
    });

    it('a server that floods after its own close frame: nothing after it is recorded, reading stops, the close timeout ends it', async function () {
      this.timeout(15000);
      const close = encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) });
      const small = Buffer.concat(Array.from({ length: 4096 }, () => encodeFrame({ opcode: 1, payload: Buffer.from('flood') })));
      const { url, stats } = await floodingPeer(close, small);
      const c = conn({ url, closeTimeoutMs: 500 });
      await c.connect().catch(() => undefined); // the close frame may arrive with the 101
      const t0 = Date.now();
      const ev = (await waitClosed(c, 3000)) as CloseEvent;
      assert.ok(Date.now() - t0 <= 900, `closed after ${Date.now() - t0} ms (close timeout 500 ms)`);
      assert.deepEqual([ev.code, ev.initiator, ev.wasClean], [1000, 'server', true]);
      const inFrames = events(c).filter((e) => e.kind === 'frame' && e.dir === 'in');
      assert.equal(inFrames.length, 1, `${inFrames.length} incoming frames recorded: only the close frame`);
      assert.deepEqual(events(c).filter((e) => e.kind === 'error'), [], 'no TRUNCATED_FRAME for bytes we ignored');
      const info = events(c).find((e) => e.kind === 'info' && typeof e.data?.ignoredBytes === 'number');
      assert.ok(info, 'the ignored bytes are counted on the timeline');
      assert.ok(stats.written < 64 * 1024 * 1024, `the peer got ${stats.written} bytes in`);
    });

    it('a well-behaved peer that answers our close frame still ends the connection at once', async () => {
      const { url } = await rawPeer(cleanup, (sock) => {
        sock.on('data', (d: Buffer) => {
          if ((d[0]! & 0x0f) === 0x8) sock.end(Buffer.from(encodeFrame({ opcode: 8, payload: Buffer.from([0x03, 0xf1]) })));
        });
        sock.write(encodeFrame({ opcode: 0x3, payload: Buffer.from('x') }));
      });
      const c = conn({ url });
      await c.connect();
      await waitFor(c, (e) => e.kind === 'error');
      const t0 = Date.now();
      await waitClosed(c, 2000);
      assert.ok(Date.now() - t0 < 300, 'did not wait for the grace');
    });
  });
});
