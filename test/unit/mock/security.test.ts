import assert from 'node:assert/strict';
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { Resources, until, delay } from './helpers';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';

/** A raw TCP client: sends an upgrade request, then whatever bytes a test wants. */
function rawUpgrade(port: number, headers: Record<string, string> = {}, path = '/'): Promise<{ socket: net.Socket; head: string; received: () => Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0) resolve({ socket, head: all.subarray(0, end).toString(), received: () => Buffer.concat(chunks).subarray(end + 4) });
    });
    socket.on('close', () => reject(new Error('closed before a response head')));
    const h = { Host: `127.0.0.1:${port}`, Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': '13', ...headers };
    socket.write(`GET ${path} HTTP/1.1\r\n${Object.entries(h).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  });
}

describe('mock security defaults', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('accepts loopback origins and no origin; rejects other origins with 403 and a coded error', async () => {
    const { url, port, events } = await r.mock({});
    await r.client(url);
    await r.client(url, undefined, { origin: 'http://localhost:3000' });
    await r.client(url, undefined, { origin: 'https://127.0.0.1:8443' });
    await r.client(url, undefined, { origin: 'http://[::1]:80' });
    const evil = r.rawClient(url, undefined, { origin: 'https://evil.example' });
    assert.equal((await evil.refused).status, 403);
    const tricky = r.rawClient(url, undefined, { origin: 'http://localhost.evil.example:3000' });
    assert.equal((await tricky.refused).status, 403);
    const nul = await rawUpgrade(port, { Origin: 'null' });
    assert.match(nul.head, /^HTTP\/1\.1 403/);
    nul.socket.destroy();
    await until(() => events.filter((e) => e.kind === 'error' && e.code === 'WSWB_MOCK_ORIGIN_REJECTED').length === 3);
  });

  it('allows listed origins (with port wildcards) and "*"', async () => {
    const { url } = await r.mock({ allowedOrigins: ['https://app.example.com', 'http://dev.example:*'] });
    await r.client(url, undefined, { origin: 'https://app.example.com' });
    await r.client(url, undefined, { origin: 'http://dev.example:5173' });
    assert.equal((await r.rawClient(url, undefined, { origin: 'https://app.example.com:444' }).refused).status, 403);
    const any = await r.mock({ allowedOrigins: ['*'] });
    await r.client(any.url, undefined, { origin: 'https://anything.example' });
  });

  it('checks Host against the bound address and port (DNS rebinding), unless disabled', async () => {
    const { port, events } = await r.mock({ allowedHosts: ['mock.test'] });
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `mock.test:${port}`]) {
      const ok = await rawUpgrade(port, { Host: host });
      assert.match(ok.head, /^HTTP\/1\.1 101/, host);
      ok.socket.destroy();
    }
    for (const host of [`attacker.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', '']) {
      const bad = await rawUpgrade(port, { Host: host });
      assert.match(bad.head, /^HTTP\/1\.1 403/, host);
      bad.socket.destroy();
    }
    assert.ok(events.some((e) => e.kind === 'error' && e.code === 'WSWB_MOCK_HOST_REJECTED'));
    const open = await r.mock({ checkHost: false });
    const any = await rawUpgrade(open.port, { Host: 'attacker.example' });
    assert.match(any.head, /^HTTP\/1\.1 101/);
    any.socket.destroy();
  });

  it('serves wss:// with a generated self-signed certificate', async function () {
    this.timeout(20000);
    const { server, url } = await r.mock({ tls: { generate: true } });
    assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(server.certificate ?? '', /BEGIN CERTIFICATE/);
    const c = await r.client(url.replace('127.0.0.1', 'localhost'), undefined, { ca: server.certificate });
    c.send('secure');
    assert.equal(await c.nextText(), 'secure');
    const untrusted = r.rawClient(url);
    await assert.rejects(untrusted.opened);
  });

  it('serves wss:// from PEM files named relative to the collection directory', async function () {
    this.timeout(20000);
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const selfsigned = require('selfsigned') as { generate(a: unknown, o: unknown): Promise<{ cert: string; private: string }> };
    const pair = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-mock-tls-'));
    r.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'certs'));
    fs.writeFileSync(path.join(dir, 'certs', 'cert.pem'), pair.cert);
    fs.writeFileSync(path.join(dir, 'certs', 'key.pem'), pair.private);
    const { url, server } = await r.mock({ tls: { certFile: 'certs/cert.pem', keyFile: 'certs/key.pem' } }, { baseDir: dir });
    assert.equal(server.certificate, pair.cert);
    const c = await r.client(url, undefined, { ca: pair.cert });
    c.send('from files');
    assert.equal(await c.nextText(), 'from files');
  });

  it('reports a taken port as WSWB_MOCK_LISTEN_FAILED and bad TLS files as WSWB_MOCK_TLS_FAILED', async () => {
    const { port } = await r.mock({});
    const { MockServer } = await import('../../../src/core/engine/mock/mockServer');
    await assert.rejects(new MockServer({ name: 'dup', port }).start(), (e: { code?: string }) => e.code === 'WSWB_MOCK_LISTEN_FAILED');
    await assert.rejects(new MockServer({ name: 'tls', tls: { certFile: '/nonexistent.pem', keyFile: '/nonexistent.key' } }).start(), (e: { code?: string }) => e.code === 'WSWB_MOCK_TLS_FAILED');
  });

  it('rejects an invalid definition with WSWB_MOCK_INVALID_DEFINITION', async () => {
    const { MockServer } = await import('../../../src/core/engine/mock/mockServer');
    assert.throws(() => new MockServer({ name: 'x', port: 70000 } as never), (e: { code?: string; message: string }) => e.code === 'WSWB_MOCK_INVALID_DEFINITION' && /port/.test(e.message));
    assert.throws(() => new MockServer({ name: 'x', rules: [{ close: { code: 1005 } }] }), /close code 1005/);
    assert.throws(() => new MockServer({ name: 'x', rules: [{ match: { regex: '[' } }] }), /regex/);
  });
});

describe('mock hostile clients', () => {
  const r = new Resources();
  afterEach(() => r.dispose());

  async function healthy(url: string): Promise<void> {
    const c = await r.client(url);
    c.send('still here?');
    assert.equal(await c.nextText(), 'still here?');
    c.ws.close();
  }

  it('malformed frames from a client close that client (1002) and are recorded; others are served', async () => {
    const { url, port, events } = await r.mock({});
    const bystander = await r.client(url);
    for (const frame of [
      encodeFrame({ opcode: 0x3, mask: true, payload: Buffer.from('x') }),
      encodeFrame({ opcode: 0x1, payload: Buffer.from('unmasked') }),
      encodeFrame({ opcode: 0x1, rsv1: true, mask: true, payload: Buffer.from('x') }),
      encodeFrame({ opcode: 0x1, mask: true, payload: Uint8Array.of(0xff) }),
      encodeFrame({ opcode: 0x9, fin: false, mask: true }),
      encodeFrame({ opcode: 0x1, mask: true, payload: Buffer.alloc(10), lengthOverride: 2 ** 40 }),
    ]) {
      const raw = await rawUpgrade(port);
      raw.socket.write(frame);
      await new Promise((resolve) => raw.socket.once('close', resolve));
      const after = raw.received();
      assert.equal(after[0], 0x88, 'the mock answered with a close frame');
    }
    await until(() => events.filter((e) => e.kind === 'error' && /^WS_ERR_/.test(e.code)).length >= 6);
    bystander.send('ok');
    assert.equal(await bystander.nextText(), 'ok');
  });

  it('an oversized message closes with 1009 (maxPayload)', async () => {
    const { url } = await r.mock({ maxPayload: 1024 });
    const c = await r.client(url);
    c.send(Buffer.alloc(2048));
    assert.equal((await c.closed).code, 1009);
    await healthy(url);
  });

  it('a message in too many fragments closes with 1008 (maxFragments)', async () => {
    const { url, events } = await r.mock({ maxFragments: 4 });
    const c = await r.client(url);
    for (let i = 0; i < 6; i++) c.ws.send('x', { fin: i === 5 });
    assert.equal((await c.closed).code, 1008);
    await until(() => events.some((e) => e.kind === 'error' && e.code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS'));
    await healthy(url);
  });

  it('a flood of small messages and garbage bytes leaves the server serving others', async () => {
    const { url, port, server } = await r.mock({}, { record: { frames: true, messages: true } });
    const flooder = await r.client(url);
    flooder.ws.on('message', () => undefined);
    for (let i = 0; i < 5000; i++) flooder.ws.send('x'.repeat(100));
    const raw = await rawUpgrade(port);
    raw.socket.write(Buffer.alloc(256 * 1024, 0xff));
    await healthy(url);
    await until(() => server.stats().messagesIn >= 5000, 10000, 'flood counted');
    raw.socket.destroy();
  });

  it('slowloris: an unfinished upgrade request is cut after the handshake timeout; others are served', async () => {
    const { url, port } = await r.mock({}, { handshakeTimeoutMs: 300 });
    const slow = net.connect(port, '127.0.0.1');
    slow.on('error', () => undefined);
    slow.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`);
    const drip = setInterval(() => slow.writable && slow.write('X-Drip: 1\r\n'), 50);
    r.defer(() => clearInterval(drip));
    await healthy(url);
    const t0 = Date.now();
    await new Promise((resolve) => slow.once('close', resolve));
    clearInterval(drip);
    assert.ok(Date.now() - t0 < 3000);
  });

  it('stop() destroys a client that never answers the 1001 close, after the grace period', async () => {
    const { server, port } = await r.mock({}, { closeGraceMs: 150 });
    const raw = await rawUpgrade(port);
    const gone = new Promise((resolve) => raw.socket.once('close', resolve));
    const t0 = Date.now();
    await server.stop();
    await gone;
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(raw.received()[0], 0x88, 'it got the close frame first');
    assert.equal(raw.received().readUInt16BE(2), 1001);
  });

  it('a failure inside the engine (here: a throwing uuid source) is recorded, not thrown; the server keeps serving', async () => {
    const { url, events } = await r.mock(
      { rules: [{ match: { text: 'id' }, respond: ['{{uuid}}'] }], schedules: [{ everyMs: 20, count: 1, messages: ['tick {{uuid}}'] }] },
      { uuid: () => { throw new Error('no entropy'); } },
    );
    const c = await r.client(url);
    c.send('id');
    c.send('plain');
    assert.equal(await c.nextText(), 'plain');
    await until(() => events.filter((e) => e.kind === 'error' && e.code === 'WSWB_MOCK_INTERNAL_ERROR' && e.message === 'no entropy').length === 2);
    await healthy(url);
  });

  it('a bad upgrade request gets 400 and a coded error', async () => {
    const { port, events } = await r.mock({});
    const bad = await rawUpgrade(port, { 'Sec-WebSocket-Key': 'short' });
    assert.match(bad.head, /^HTTP\/1\.1 400/);
    bad.socket.destroy();
    await until(() => events.some((e) => e.kind === 'error' && e.code === 'WSWB_MOCK_BAD_UPGRADE'));
  });

  it('clients that vanish mid-handshake or mid-message do not crash the server', async () => {
    const { url, port } = await r.mock({ faults: [{ type: 'handshakeDelay', ms: 50 }] });
    const gone = net.connect(port, '127.0.0.1');
    gone.on('error', () => undefined);
    gone.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    gone.destroy();
    const half = new WebSocket(url);
    half.on('error', () => undefined);
    half.on('open', () => {
      (half as unknown as { _socket: net.Socket })._socket.write(encodeFrame({ opcode: 1, mask: true, payload: Buffer.alloc(100), lengthOverride: 1000 }));
      half.terminate();
    });
    await delay(150);
    await healthy(url);
  });
});
