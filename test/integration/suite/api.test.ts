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

  it('applies the timeline memory budget setting: payloads past it spill to disk, and every one reads back intact', async () => {
    const config = vscode.workspace.getConfiguration('websocketWorkbench');
    await config.update('timeline.memoryBudgetMB', 8, vscode.ConfigurationTarget.Global);
    try {
      const id = await api.connect(url, { proxy: 'none' });
      const mibs = Array.from({ length: 12 }, (_, i) => new Uint8Array(1024 * 1024).fill(i + 1));
      for (const mib of mibs) api.send(id, mib);
      await waitFor(() => api.timeline(id).filter((e) => e.kind === 'message' && e.dir === 'in').length >= 12, 20_000);
      await api.close(id);
      // Spilling happens off the hot path: the writes must land (not "may").
      await waitFor(() => api.counters(id).bytesInMemory <= 9 * 1024 * 1024, 10_000);
      const c = api.counters(id);
      // 24 MiB of messages (plus frame previews) through an 8 MiB budget: most must be on disk.
      assert.ok(c.bytesInMemory <= 8 * 1024 * 1024 + 1024 * 1024, `in memory ${c.bytesInMemory}`);
      assert.ok(c.onDisk > 0 && c.bytesOnDisk >= 12 * 1024 * 1024, `on disk ${c.onDisk} events, ${c.bytesOnDisk} bytes`);
      const events = api.timeline(id);
      assert.equal(c.recorded, events.length);
      // None lost: every message, in both directions, reads back byte for byte, the spilled ones from disk.
      for (const dir of ['out', 'in'] as const) {
        const msgs = events.filter((e): e is MessageEvent => e.kind === 'message' && e.dir === dir);
        assert.equal(msgs.length, 12, `12 ${dir} messages`);
        for (const [i, m] of msgs.entries()) {
          const back = await api.readPayload(id, m.id);
          assert.equal(back.byteLength, 1024 * 1024, `${dir} message ${i} length`);
          assert.ok(Buffer.from(back).equals(Buffer.from(mibs[i]!)), `${dir} message ${i} bytes`);
        }
      }
      const spilled = events.filter((e) => e.kind === 'message' && (e as MessageEvent).spilled);
      assert.ok(spilled.length > 0, 'some messages were read back from the spill file');
    } finally {
      await config.update('timeline.memoryBudgetMB', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('rejects a refused port with a coded error and keeps the timeline', async () => {
    const dead = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => dead.once('listening', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const target = `ws://127.0.0.1:${port}/`;
    const before = new Set(api.connections().map((c) => c.id));
    await assert.rejects(api.connect(target, { proxy: 'none' }), (err: any) => {
      assert.equal(err.code, 'ECONNREFUSED');
      return true;
    });
    // The failed connection stays listed, and its timeline says why.
    const failed = api.connections().filter((c) => !before.has(c.id) && c.url === target);
    assert.equal(failed.length, 1, 'the refused connection is still listed');
    const failedId = failed[0]!.id;
    await waitFor(() => api.timeline(failedId).some((e) => e.kind === 'close'), 5000);
    const events = api.timeline(failedId);
    assert.ok(events.some((e) => e.kind === 'error' && e.code === 'ECONNREFUSED'), JSON.stringify(events));
    assert.ok(events.some((e) => e.kind === 'close' && e.code === 1006), JSON.stringify(events));
  });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
