import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { WorkbenchApi } from '../../../src/extension/api';
import { hostLog } from '../log';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';

interface PanelInfo {
  readyCount: number;
  visible: boolean;
  posts: number;
  rowsServed: number;
  viewTotal: number;
  connectionId?: string;
  state?: string;
  storeTotal: number;
  summary?: { state: string; closeCode?: number; closeReason?: string; counters: { messagesIn: number; messagesOut: number } };
}

async function inspect(id: string): Promise<PanelInfo> {
  const all = (await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as PanelInfo[];
  const p = all.find((x) => x.connectionId === id);
  assert.ok(p, `a panel shows ${id}`);
  return p;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('workbench panel (inside the real VS Code extension host)', () => {
  let wss: WebSocketServer;
  let url: string;

  before(async () => {
    await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate();
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('error', () => undefined);
    wss.on('connection', (s) => {
      s.on('error', () => undefined);
      s.on('message', (d, binary) => s.send(d, { binary }));
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/echo`;
  });

  after(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  it('opens a panel on a URL, connects through the wire tap, and the real webview completes its handshake', async () => {
    const id = (await vscode.commands.executeCommand('websocketWorkbench.panel.openUrl', url)) as string;
    assert.ok(id, 'a connection id');
    const info = await until(() => inspect(id), (p) => p.readyCount >= 1 && p.state === 'open', 'ready and open');
    assert.equal(info.summary?.state, 'open');
    hostLog(`      panel ${id}: ${info.viewTotal} rows after the handshake, ${info.posts} posts`);
  });

  it('sends, sees the echo reach the webview in batches, and closes with a code', async () => {
    const all = (await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as PanelInfo[];
    const id = all.find((p) => p.state === 'open')!.connectionId!;
    const before = await inspect(id);
    await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'send', { text: 'hello from the integration test' });
    const repeat = (await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'sendRepeat', { message: { text: 'n' }, count: 200 })) as { sent: number };
    assert.equal(repeat.sent, 200);
    const after = await until(() => inspect(id), (p) => p.summary!.counters.messagesIn === 201 && p.posts > before.posts && p.rowsServed > 0, 'echoes posted and rendered');
    assert.ok(after.viewTotal >= before.viewTotal + 402, `rows ${before.viewTotal} → ${after.viewTotal}`);
    assert.ok(after.storeTotal > after.viewTotal, 'frames are in the store, hidden from the messages view');
    const rows = (await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'getRows', { from: 0, to: 2000 })) as { events: Array<{ kind: string; dir?: string; data?: Uint8Array }> };
    const echoed = rows.events.find((e) => e.kind === 'message' && e.dir === 'in');
    assert.equal(new TextDecoder().decode(echoed!.data), 'hello from the integration test');
    const closed = (await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'disconnect', { code: 4000, reason: 'integration done' })) as { code: number };
    assert.equal(closed.code, 4000);
    const final = await until(() => inspect(id), (p) => p.summary?.state === 'closed', 'closed');
    assert.equal(final.summary!.closeCode, 4000);
    hostLog(`      ${final.storeTotal} events in the store, ${final.posts} posts to the webview, ${final.rowsServed} windows served`);
  });

  it('turns hostile requests into coded errors without hurting the host', async () => {
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('websocketWorkbench.panel.run', 'nope', 'send', {})), /No panel shows/);
    const all = (await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as PanelInfo[];
    const id = all.find((p) => p.connectionId)!.connectionId!;
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'control', { type: 'ping', payload: new Uint8Array(200) })), /at most 125 bytes/);
    await assert.rejects(Promise.resolve(vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'send', { text: 'x' })), /closed/);
  });
});
