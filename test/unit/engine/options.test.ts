import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as fs from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { Connection, type ConnectionOptions, type ConnectionDeps } from '../../../src/core/engine/connection';
import { bypassed, resolveProxy } from '../../../src/core/engine/proxy';
import type { CloseEvent, ErrorEvent, FrameEvent, HandshakeEvent, InfoEvent, MessageEvent } from '../../../src/core/engine/events';
import { Cleanup, connectProxy, echoServer, events, waitClosed, waitFor, wsServer } from './helpers';
import { makePki, type Pki } from './tlsFixtures';

describe('Connection options', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());
  function conn(opts: ConnectionOptions, deps: ConnectionDeps = {}) {
    const c = new Connection(opts, { env: {}, ...deps });
    cleanup.add(() => c.dispose());
    return c;
  }
  const codeOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return (e as { code: string }).code;
    }
    return 'resolved';
  };

  it('sends headers (pairs with repeats or a record), subprotocols, origin, bearer auth and query params', async () => {
    const { wss, url } = await wsServer(cleanup, { handleProtocols: (set) => (set.has('v2.chat') ? 'v2.chat' : false) });
    const seen: http.IncomingMessage[] = [];
    wss.on('connection', (_s, req) => seen.push(req));
    const c = conn({
      url: url + '/p?a=1',
      headers: [['X-Trace', 'one'], ['X-Trace', 'two'], ['X-Case', 'Kept']],
      subprotocols: ['v1.chat', 'v2.chat'],
      origin: 'https://app.example',
      auth: { type: 'bearer', token: 'tok123' },
      query: { b: '2 3' },
    });
    await c.connect();
    await c.close();
    const req = seen[0]!;
    assert.equal(req.url, '/p?a=1&b=2+3');
    assert.equal(req.headers['x-trace'], 'one, two');
    assert.equal(req.headers['x-case'], 'Kept');
    assert.equal(req.headers.origin, 'https://app.example');
    assert.equal(req.headers.authorization, 'Bearer tok123');
    assert.equal(req.headers['sec-websocket-protocol'], 'v1.chat, v2.chat'.replace(', ', ','));
    const hs = events(c).find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.subprotocol, 'v2.chat');
    assert.ok(hs.request.headers.some(([k, v]) => k === 'X-Case' && v === 'Kept'), 'request headers as on the wire');

    const c2 = conn({ url, headers: { 'X-One': '1' }, auth: { type: 'basic', username: 'ann', password: 's3:cret' } });
    await c2.connect();
    await c2.close();
    assert.equal(seen[1]!.headers.authorization, 'Basic ' + Buffer.from('ann:s3:cret').toString('base64'));
    assert.equal(seen[1]!.headers['x-one'], '1');
  });

  it('negotiates permessage-deflate: RSV1 on frames, wire size below message size', async () => {
    const { url } = await echoServer(cleanup, { perMessageDeflate: { threshold: 0 } });
    const c = conn({ url, deflate: true });
    await c.connect();
    const text = 'compress me '.repeat(100);
    c.sendText(text);
    const m = (await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in')) as MessageEvent;
    await waitFor(c, (e) => e.kind === 'message' && e.dir === 'out');
    await c.close();
    assert.equal(Buffer.from(m.data).toString(), text, 'decompressed');
    assert.equal(m.size, text.length);
    assert.equal(m.compressed, true);
    assert.ok(m.wireSize! < m.size / 4, `wire ${m.wireSize} vs ${m.size}`);
    const out = events(c).find((e) => e.kind === 'message' && e.dir === 'out') as MessageEvent;
    assert.equal(out.compressed, true);
    assert.ok(out.wireSize! < out.size / 4);
    const inFrame = events(c).find((e) => e.kind === 'frame' && e.dir === 'in' && e.opcode === 1) as FrameEvent;
    assert.equal(inFrame.rsv1, true);
    assert.ok(inFrame.length < text.length, 'frame length is the compressed length');
    const hs = events(c).find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.match(hs.extensions!, /permessage-deflate/);

    // off by default: no offer, no RSV1
    const c2 = conn({ url });
    await c2.connect();
    c2.sendText(text);
    const m2 = (await waitFor(c2, (e) => e.kind === 'message' && e.dir === 'in')) as MessageEvent;
    await c2.close();
    assert.equal(m2.compressed, false);
    const hs2 = events(c2).find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.ok(!hs2.request.headers.some(([k]) => /sec-websocket-extensions/i.test(k)));
  });

  it('times out a handshake the server never answers', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
    const c = conn({ url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`, handshakeTimeoutMs: 100 });
    assert.equal(await codeOf(c.connect()), 'WSWB_HANDSHAKE_TIMEOUT');
    const close = (await waitClosed(c)) as CloseEvent;
    assert.equal(close.code, 1006);
    const hs = events(c).find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.response, undefined, 'request captured, no response');
    assert.equal(hs.request.method, 'GET');
  });

  it('enforces maxPayload with WS_ERR_UNSUPPORTED_MESSAGE_LENGTH and 1009', async () => {
    const { wss, url } = await wsServer(cleanup);
    wss.on('connection', (s) => s.send(Buffer.alloc(2000)));
    const c = conn({ url, maxPayload: 1000 });
    await c.connect();
    const e = (await waitFor(c, (x) => x.kind === 'error')) as ErrorEvent;
    assert.equal(e.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    assert.equal(e.closeCode, 1009);
    await waitClosed(c);
    const out = events(c).find((x) => x.kind === 'frame' && x.dir === 'out' && x.opcode === 8) as FrameEvent;
    assert.equal(Buffer.from(out.payload).readUInt16BE(0), 1009);
  });

  it('follows redirects only when asked', async () => {
    const { url: target } = await echoServer(cleanup);
    const server = http.createServer((_q, r) => r.writeHead(302, { Location: target + '/moved' }).end('see other'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.add(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const from = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/old`;
    const c = conn({ url: from });
    assert.equal(await codeOf(c.connect()), 'WSWB_HANDSHAKE_UNEXPECTED_RESPONSE');
    const hs = events(c).find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.response?.status, 302);
    assert.equal(hs.response?.body, 'see other');
    const c2 = conn({ url: from, followRedirects: true });
    await c2.connect();
    await c2.close();
    const hss = events(c2).filter((e): e is HandshakeEvent => e.kind === 'handshake');
    assert.deepEqual(hss.map((h) => [h.request.path, h.response?.status]), [['/old', 302], ['/moved', 101]]);
    assert.ok(events(c2).some((e) => e.kind === 'info' && /redirected/.test(e.message)));
  });

  describe('TLS', () => {
    let pki: Pki;
    before(function () {
      this.timeout(20000);
      pki = makePki();
    });
    after(() => fs.rmSync(pki.dir, { recursive: true, force: true }));

    async function wssServer(requestCert = false) {
      const server = https.createServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert, rejectUnauthorized: requestCert });
      const wss = new WebSocketServer({ server });
      const peers: string[] = [];
      wss.on('connection', (s, req) => {
        s.on('error', () => undefined);
        const cert = (req.socket as TLSSocket).getPeerCertificate();
        peers.push(String(cert?.subject?.CN ?? ''));
        s.on('message', (d, b) => s.send(d, { binary: b }));
      });
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      cleanup.add(() => new Promise<void>((r) => { for (const c of wss.clients) c.terminate(); server.closeAllConnections(); server.close(() => r()); }));
      return { port: (server.address() as net.AddressInfo).port, peers };
    }

    it('rejects an untrusted certificate, accepts it with skip-verify or a custom CA, and taps after TLS', async () => {
      const { port } = await wssServer();
      const url = `wss://127.0.0.1:${port}/`;
      const bad = conn({ url });
      const code = await codeOf(bad.connect());
      assert.match(code, /CERT|SIGNATURE|SELF_SIGNED|UNABLE/);
      assert.ok(events(bad).some((e) => e.kind === 'error' && e.code === code));
      for (const tlsOpt of [{ rejectUnauthorized: false }, { ca: pki.caCert }]) {
        const c = conn({ url, tls: tlsOpt });
        await c.connect();
        c.sendText('over tls');
        const m = (await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in')) as MessageEvent;
        await c.close();
        assert.equal(Buffer.from(m.data).toString(), 'over tls');
        const f = events(c).find((e) => e.kind === 'frame' && e.dir === 'out' && e.opcode === 1) as FrameEvent;
        assert.equal(Buffer.from(f.payload).toString(), 'over tls', 'decoded plaintext frames: the tap is after TLS');
        assert.equal((events(c).find((e) => e.kind === 'handshake') as HandshakeEvent).response?.status, 101);
      }
    });

    it('presents a client certificate as PEM or as PFX with passphrase', async () => {
      const { port, peers } = await wssServer(true);
      const url = `wss://127.0.0.1:${port}/`;
      const none = conn({ url, tls: { ca: pki.caCert } });
      assert.notEqual(await codeOf(none.connect()), 'resolved');
      const pem = conn({ url, tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } });
      await pem.connect();
      await pem.close();
      const pfx = conn({ url, tls: { ca: pki.caCert, pfx: pki.clientPfx, passphrase: pki.pfxPassphrase } });
      await pfx.connect();
      await pfx.close();
      assert.deepEqual(peers, ['workbench-client', 'workbench-client']);
    });

    it('tunnels wss through an HTTP CONNECT proxy with TLS to the target', async () => {
      const { port } = await wssServer();
      const proxy = await connectProxy(cleanup);
      const c = conn({ url: `wss://localhost:${port}/`, proxy: proxy.url, tls: { ca: pki.caCert } });
      await c.connect();
      c.sendText('via proxy');
      await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in');
      await c.close();
      assert.deepEqual(proxy.targets, [`localhost:${port}`]);
      assert.ok(events(c).some((e) => e.kind === 'frame' && e.dir === 'in' && Buffer.from(e.payload).toString() === 'via proxy'));
    });
  });

  it('uses an explicit proxy with credentials, HTTP_PROXY from the environment, and NO_PROXY', async () => {
    const { url, port } = await echoServer(cleanup);
    const proxy = await connectProxy(cleanup);
    const withAuth = proxy.url.replace('http://', 'http://bob:pw@');
    const a = conn({ url, proxy: withAuth });
    await a.connect();
    a.sendText('x');
    await waitFor(a, (e) => e.kind === 'message' && e.dir === 'in');
    await a.close();
    assert.deepEqual(proxy.targets, [`127.0.0.1:${port}`]);
    assert.equal(proxy.authSeen[0], 'Basic ' + Buffer.from('bob:pw').toString('base64'));
    assert.ok(events(a).some((e) => e.kind === 'info' && /proxy/.test(e.message)));

    const b = conn({ url }, { env: { HTTP_PROXY: proxy.url } });
    await b.connect();
    await b.close();
    assert.equal(proxy.targets.length, 2, 'env proxy used');

    const n = conn({ url }, { env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost,127.0.0.1' } });
    await n.connect();
    await n.close();
    const none = conn({ url, proxy: 'none' }, { env: { HTTP_PROXY: proxy.url } });
    await none.connect();
    await none.close();
    assert.equal(proxy.targets.length, 2, 'NO_PROXY and proxy: none bypass it');
  });

  it('reports a proxy that refuses CONNECT with its status and headers', async () => {
    const { url } = await echoServer(cleanup);
    const proxy = await connectProxy(cleanup, { refuse: 407 });
    const c = conn({ url, proxy: proxy.url });
    assert.equal(await codeOf(c.connect()), 'WSWB_PROXY_CONNECT_FAILED');
    const hs = events(c).find((e) => e.kind === 'handshake') as HandshakeEvent;
    assert.equal(hs.request.method, 'CONNECT');
    assert.equal(hs.response?.status, 407);
    assert.ok(hs.response?.headers.some(([k, v]) => k === 'X-Proxy' && v === 'test'));
  });

  it('sends keep-alive pings at the interval and records their round trips', async () => {
    const { url } = await echoServer(cleanup);
    const c = conn({ url, pingIntervalMs: 20 });
    await c.connect();
    await waitFor(c, (e) => e.kind === 'rtt');
    await waitFor(c, (e) => e.kind === 'frame' && e.dir === 'out' && e.opcode === 9 && Buffer.from(e.payload).toString() === 'keepalive-2');
    await c.close();
    assert.ok(events(c).filter((e) => e.kind === 'rtt').length >= 1);
  });

  it('reconnects with exponential backoff and flushes the queue after reconnecting', async () => {
    let n = 0;
    const { wss, url } = await wsServer(cleanup, { verifyClient: () => ++n === 1 || n >= 4 });
    const got: string[] = [];
    wss.on('connection', (s) => {
      if (n === 1) s.terminate();
      else s.on('message', (d) => got.push(d.toString()));
    });
    const c = conn({ url, reconnect: { enabled: true, initialDelayMs: 10, maxDelayMs: 1000, jitter: 0 }, queueWhileReconnecting: true });
    await c.connect();
    await waitClosed(c);
    c.sendText('queued while down');
    await waitFor(c, (e) => e.kind === 'info' && /flushing 1 queued/.test(e.message), 5000);
    await waitFor(c, (e) => e.kind === 'message' && e.dir === 'out');
    const infos = events(c).filter((e): e is InfoEvent => e.kind === 'info' && /reconnecting/.test(e.message));
    assert.deepEqual(infos.map((i) => i.data?.delayMs), [10, 20, 40], 'backoff doubles while attempts fail');
    await c.close();
    assert.equal(c.state, 'closed');
    assert.deepEqual(got, ['queued while down']);
    const opens = events(c).filter((e) => e.kind === 'state' && e.state === 'open').length;
    assert.equal(opens, 2);
  });

  it('stops reconnecting after maxAttempts and never after a user close', async () => {
    const c = conn({ url: 'ws://127.0.0.1:1', reconnect: { enabled: true, initialDelayMs: 1, maxAttempts: 2, jitter: 0 } });
    assert.equal(await codeOf(c.connect()), 'ECONNREFUSED');
    await waitFor(c, (e) => e.kind === 'info' && /giving up after 2/.test(e.message));
    assert.equal(events(c).filter((e) => e.kind === 'state' && e.state === 'connecting').length, 3);
    const { url } = await echoServer(cleanup);
    const d = conn({ url, reconnect: { enabled: true, initialDelayMs: 1 } });
    await d.connect();
    await d.close();
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(!events(d).some((e) => e.kind === 'info' && /reconnecting/.test(e.message)));
  });

  it('computes backoff delays with jitter from the injected random source', () => {
    const mk = (r: number) => new Connection({ url: 'ws://x', reconnect: { enabled: true, initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 } }, { random: () => r });
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => mk(0.5).reconnectDelay(a)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(mk(0).reconnectDelay(1), 100);
    assert.equal(mk(0.999999).reconnectDelay(1), 300);
  });

  it('resolves proxies like curl: scheme-specific env, NO_PROXY suffixes and ports', () => {
    const u = (s: string) => new URL(s);
    assert.equal(resolveProxy(u('ws://a.example'), 'env', { HTTP_PROXY: 'http://p:1' })?.host, 'p:1');
    assert.equal(resolveProxy(u('wss://a.example'), 'env', { HTTP_PROXY: 'http://p:1', HTTPS_PROXY: 'http://s:2' })?.host, 's:2');
    assert.equal(resolveProxy(u('wss://a.example'), undefined, { https_proxy: 'q:3' })?.host, 'q:3');
    assert.equal(resolveProxy(u('ws://a.example'), 'none', { HTTP_PROXY: 'http://p:1' }), undefined);
    assert.equal(resolveProxy(u('ws://a.example'), 'http://x:9', { NO_PROXY: 'example' })?.host, undefined);
    assert.equal(bypassed(u('ws://api.example.com'), '.example.com'), true);
    assert.equal(bypassed(u('ws://example.com'), 'example.com'), true);
    assert.equal(bypassed(u('ws://badexample.com'), 'example.com'), false);
    assert.equal(bypassed(u('ws://h:8080'), 'h:8080'), true);
    assert.equal(bypassed(u('ws://h:8081'), 'h:8080'), false);
    assert.equal(bypassed(u('ws://anything'), '*'), true);
    assert.throws(() => resolveProxy(u('ws://a'), 'http://[bad', {}), /Invalid proxy/);
  });
});
