/**
 * The wire tap inside the real extension host, where VS Code patches http/https for its proxy
 * support: the engine's own agent must still put the tap on the real socket, directly and through
 * an HTTP CONNECT tunnel.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import { Connection } from '../../../src/core/engine/connection';
import type { FrameEvent, HandshakeEvent, MessageEvent, TimelineEvent } from '../../../src/core/engine/events';

describe('wire tap in the extension host', () => {
  let server: WebSocketServer;
  let url: string;
  const open: Array<{ close(): unknown }> = [];

  before(async () => {
    // Proof we are in the patched host, not plain Node.
    assert.equal(typeof vscode.workspace.getConfiguration, 'function');
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    server.on('error', () => undefined);
    server.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    await new Promise((r) => server.once('listening', r));
    url = `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/tap`;
  });

  after(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server.close(r));
    for (const o of open) o.close();
  });

  async function roundTrip(c: Connection): Promise<TimelineEvent[]> {
    const events: TimelineEvent[] = [];
    c.onEvent((e) => events.push(e));
    try {
      await c.connect();
      c.sendText('tap me');
      c.sendBinary(new Uint8Array([1, 2, 3, 250]));
      await waitFor(() => events.filter((e) => e.kind === 'message' && e.dir === 'in').length >= 2, 5000);
      await c.close(1000, 'bye');
    } finally {
      c.dispose();
    }
    return events;
  }

  function assertTapped(events: TimelineEvent[], compressed: boolean): void {
    const hs = events.find((e): e is HandshakeEvent => e.kind === 'handshake' && e.response?.status === 101);
    assert.ok(hs, 'handshake with the raw 101 response captured');
    assert.equal(hs!.acceptValid, true);
    assert.equal(hs!.request.path, '/tap');
    assert.ok(hs!.request.headers.some(([k]) => k.toLowerCase() === 'sec-websocket-key'), 'raw request headers captured');
    const frames = events.filter((e): e is FrameEvent => e.kind === 'frame');
    const outText = frames.find((f) => f.dir === 'out' && f.opcode === 1);
    assert.ok(outText && outText.masked && /^[0-9a-f]{8}$/.test(outText.maskKey ?? ''), 'masked client frame seen on the wire');
    assert.equal(outText!.rsv1, compressed, 'RSV1 as on the wire');
    const inBin = frames.find((f) => f.dir === 'in' && f.opcode === 2);
    assert.ok(inBin && !inBin.masked, 'unmasked server frame seen on the wire');
    assert.ok(frames.some((f) => f.dir === 'out' && f.opcode === 8) && frames.some((f) => f.dir === 'in' && f.opcode === 8), 'close frames both ways');
    const msgs = events.filter((e): e is MessageEvent => e.kind === 'message');
    const inText = msgs.find((m) => m.dir === 'in' && !m.binary);
    assert.equal(Buffer.from(inText!.data).toString(), 'tap me', 'decompressed message');
    assert.equal(inText!.compressed, compressed);
    assert.deepEqual([...msgs.find((m) => m.dir === 'in' && m.binary)!.data], [1, 2, 3, 250]);
    assert.ok(msgs.some((m) => m.dir === 'out' && !m.binary && typeof m.wireSize === 'number'));
    assert.ok(events.some((e) => e.kind === 'close' && e.code === 1000 && e.wasClean));
  }

  it('records handshake, frames both ways and messages on a direct connection (deflate on)', async () => {
    const events = await roundTrip(new Connection({ url, deflate: true, proxy: 'none' }));
    assertTapped(events, true);
  });

  it('records the same with the default proxy resolution (environment) and deflate off', async () => {
    const events = await roundTrip(new Connection({ url, noProxy: '127.0.0.1,localhost' }));
    assertTapped(events, false);
  });

  it('records the same through an HTTP CONNECT proxy', async () => {
    const targets: string[] = [];
    const sockets = new Set<net.Socket>();
    const proxy = http.createServer((_q, r) => r.writeHead(405).end());
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
      targets.push(req.url ?? '');
      sockets.add(client);
      client.on('error', () => undefined);
      const [host, port] = (req.url ?? '').split(':');
      const up = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(client);
        client.pipe(up);
      });
      sockets.add(up);
      up.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    open.push({ close: () => { for (const s of sockets) s.destroy(); proxy.close(); } });
    const port = (proxy.address() as net.AddressInfo).port;
    const events = await roundTrip(new Connection({ url, proxy: `http://127.0.0.1:${port}` }));
    assert.equal(targets.length, 1, 'went through the proxy');
    assertTapped(events, false);
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
