import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import type { WorkbenchApi } from '../../../src/extension/api';
import type { FrameEvent, MessageEvent } from '../../../src/core/engine/events';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';

describe('public API returned by activate() (real extension host, real sockets)', () => {
  let server: WebSocketServer;
  let url: string;
  let api: WorkbenchApi;

  before(async () => {
    api = await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate();
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    await new Promise((r) => server.once('listening', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });

  after(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise((r) => server.close(r));
  });

  it('connects, sends text and binary, sees both echoed, and records frames in both directions', async () => {
    const id = await api.connect(url); // default proxy handling: VS Code's http.* settings, then the environment
    assert.ok(api.connections().some((c) => c.id === id && c.state === 'open'));
    api.send(id, 'hello from the API');
    api.send(id, new Uint8Array([0, 1, 2, 0xff]));
    await waitFor(() => api.timeline(id).filter((e) => e.kind === 'message' && e.dir === 'in').length >= 2, 5000);
    const closed = await api.close(id, 4001, 'done');
    assert.equal(closed.code, 4001);
    const events = api.timeline(id);
    const msgs = events.filter((e): e is MessageEvent => e.kind === 'message');
    const inText = msgs.find((m) => m.dir === 'in' && !m.binary);
    assert.equal(Buffer.from(inText!.data).toString(), 'hello from the API');
    const inBin = msgs.find((m) => m.dir === 'in' && m.binary);
    assert.deepEqual([...inBin!.data], [0, 1, 2, 0xff]);
    const frames = events.filter((e): e is FrameEvent => e.kind === 'frame');
    assert.ok(frames.some((f) => f.dir === 'out' && f.masked && f.opcode === 1), 'masked outgoing text frame on the wire');
    assert.ok(frames.some((f) => f.dir === 'in' && !f.masked && f.opcode === 2), 'unmasked incoming binary frame');
    assert.ok(frames.some((f) => f.opcode === 8), 'close frame recorded');
    assert.ok(events.some((e) => e.kind === 'handshake' && e.response?.status === 101 && e.acceptValid === true));
  });

  it('applies the timeline memory budget setting: payloads past it spill to disk, none lost', async () => {
    const config = vscode.workspace.getConfiguration('websocketWorkbench');
    await config.update('timeline.memoryBudgetMB', 8, vscode.ConfigurationTarget.Global);
    try {
      const id = await api.connect(url, { proxy: 'none' });
      const mib = new Uint8Array(1024 * 1024).fill(7);
      for (let i = 0; i < 12; i++) api.send(id, mib);
      await waitFor(() => api.timeline(id).filter((e) => e.kind === 'message' && e.dir === 'in').length >= 12, 20_000);
      await api.close(id);
      // Spilling happens off the hot path; give the writes a moment to land.
      await waitFor(() => api.counters(id).bytesInMemory <= 9 * 1024 * 1024, 10_000).catch(() => undefined);
      const c = api.counters(id);
      // 24 MiB of messages (plus frame previews) through an 8 MiB budget: most must be on disk.
      assert.ok(c.bytesInMemory <= 8 * 1024 * 1024 + 1024 * 1024, `in memory ${c.bytesInMemory}`);
      assert.ok(c.onDisk > 0 && c.bytesOnDisk >= 12 * 1024 * 1024, `on disk ${c.onDisk} events, ${c.bytesOnDisk} bytes`);
      assert.equal(c.recorded, api.timeline(id).length);
    } finally {
      await config.update('timeline.memoryBudgetMB', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('rejects a refused port with a coded error and keeps the timeline', async () => {
    const dead = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => dead.once('listening', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    await assert.rejects(api.connect(`ws://127.0.0.1:${port}/`, { proxy: 'none' }), (err: { code: string }) => {
      assert.equal(typeof err.code, 'string');
      assert.match(err.code, /ECONNREFUSED/);
      return true;
    });
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
