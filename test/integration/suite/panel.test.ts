import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { WorkbenchApi } from '../../../src/extension/api';
import { hostLog } from '../log';
import { until } from '../until';

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
  summary?: { state: string; closeCode?: number; closeReason?: string; counters: { messagesIn: number; messagesOut: number }; request?: unknown };
  source?: { file: string; request: string; label: string; messages: Array<{ name: string; kind: string }>; error?: { code: string } };
}

async function inspect(id: string): Promise<PanelInfo> {
  const all = (await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as PanelInfo[];
  const p = all.find((x) => x.connectionId === id);
  assert.ok(p, `a panel shows ${id}`);
  return p;
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
    const run = (...args: unknown[]) => Promise.resolve(vscode.commands.executeCommand('websocketWorkbench.panel.run', ...args));
    const withCode = (code: string) => (err: unknown) => {
      assert.equal((err as { code?: unknown }).code, code, String(err));
      return true;
    };
    await assert.rejects(run('nope', 'send', {}), withCode('WSWB_PANEL_NOT_FOUND'));
    const all = (await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as PanelInfo[];
    const id = all.find((p) => p.connectionId)!.connectionId!;
    await assert.rejects(run(id, 7, {}), withCode('WSWB_RPC_INVALID_PARAMS'));
    await assert.rejects(run(id, 'noSuchMethod', {}), withCode('WSWB_RPC_UNKNOWN_METHOD'));
    await assert.rejects(run(id, 'control', { type: 'ping', payload: new Uint8Array(200) }), withCode('WSWB_RPC_INVALID_PARAMS'));
    await assert.rejects(run(id, 'send', { text: 'x' }), withCode('WSWB_PANEL_NOT_OPEN'));
    // The host is still serving: the panel answers.
    assert.equal((await inspect(id)).summary?.state, 'closed');
  });

  it('shows a saved request opened by Connect…: sends and saves its named messages in the collection file', async () => {
    const api = (await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate()) as WorkbenchApi & { collections?: () => Array<{ file: string; ok: boolean }> };
    const file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'panel-it.websocket.json');
    const collection = {
      version: 1,
      name: 'panel-it',
      requests: [{ name: 'panel-saved', url, headers: { 'X-Who': '{{who}}' }, messages: [{ name: 'greet', kind: 'text', data: 'hello {{who}}' }, { name: 'bytes', kind: 'binary', hex: '01 02 03' }] }],
      variables: { who: 'panel' },
    };
    await fs.writeFile(file, JSON.stringify(collection, null, 2) + '\n');
    try {
      assert.equal(typeof api.collections, 'function', 'the API lists collections');
      await until(async () => api.collections!(), (cs) => cs.some((c) => c.file === file && c.ok), 'the collection to be indexed');
      const id = (await vscode.commands.executeCommand('websocketWorkbench.connect', { file, request: 'panel-saved' })) as string;
      assert.ok(id, 'connected');
      const info = await until(() => inspect(id), (p) => p.state === 'open' && (p.source?.messages.length ?? 0) === 2, 'the panel lists the saved messages');
      assert.equal(info.source!.request, 'panel-saved');
      // The composer shows the request as written, not the resolved options (which may hold secrets).
      assert.deepEqual(info.summary!.request, { url, headers: { 'X-Who': '{{who}}' } });
      assert.deepEqual(info.source!.messages.map((m) => `${m.name}:${m.kind}`), ['greet:text', 'bytes:binary']);
      await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'sendSaved', { name: 'greet' });
      await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'sendSaved', { name: 'bytes' });
      await until(() => inspect(id), (p) => p.summary!.counters.messagesIn === 2, 'both echoed');
      const rows = (await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'getRows', { from: 0, to: 2000 })) as { events: Array<{ kind: string; dir?: string; binary?: boolean; data?: Uint8Array }> };
      const echoes = rows.events.filter((e) => e.kind === 'message' && e.dir === 'in');
      assert.equal(new TextDecoder().decode(echoes[0]!.data), 'hello panel', 'collection variables resolved');
      assert.deepEqual([...echoes[1]!.data!], [1, 2, 3]);
      const saved = (await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'saveMessage', { message: { name: 'bye', kind: 'json', text: '{"op":"bye"}' } })) as { messages: Array<{ name: string }> };
      assert.deepEqual(saved.messages.map((m) => m.name), ['greet', 'bytes', 'bye']);
      const onDisk = JSON.parse(await fs.readFile(file, 'utf8'));
      assert.deepEqual(onDisk.requests[0].messages[2], { name: 'bye', kind: 'json', data: { op: 'bye' } });
      await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'saveRequest', { request: { url, subprotocols: ['chat'] } });
      assert.deepEqual(JSON.parse(await fs.readFile(file, 'utf8')).requests[0].subprotocols, ['chat']);
      await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'disconnect', { code: 1000 });
      hostLog(`      saved request panel: ${info.source!.label}`);
    } finally {
      await fs.rm(file, { force: true });
    }
  });
});
