/**
 * Protocol mocks in real VS Code: each of the example file's six protocol mocks started the way the
 * Mock Servers view starts them (the extension's startMock), listed in the view, and answering real
 * clients: socket.io-client, MQTT.js (aedes loaded from the extension's lazy chunk), the SignalR
 * HubConnection with the MessagePack hub protocol, and graphql-ws, STOMP and JSON-RPC exchanges on
 * a plain WebSocket. And the codecs example's mock, started the same way, answering in Protobuf:
 * the extension passed it the collection's codecs rules (its .proto relative to the collection).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { io as ioc } from 'socket.io-client';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import * as protobuf from 'protobufjs';
import type { WorkbenchApi } from '../../../src/extension/api';
import { until } from '../until';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
type Api = WorkbenchApi & Required<Pick<WorkbenchApi, 'startMock' | 'stopMock' | 'listMocks' | 'collections' | 'collectionsReady' | '_treeSnapshot'>>;
const EXAMPLE = () => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'protocol-mocks.websocket.json');
const CODECS = () => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'codecs.websocket.json');

interface PanelInfo {
  connectionId?: string;
  state?: string;
  summary?: { url: string; request?: { protocol?: string; protocolOptions?: Record<string, unknown> } };
}


/** Opens a WebSocket, sends `out` in order and resolves with the first `n` text messages received. */
async function exchange(url: string, protocol: string | undefined, out: Array<string | Buffer>, n: number): Promise<Array<string | Buffer>> {
  const ws = new WebSocket(url, protocol ? [protocol] : []);
  try {
    return await new Promise((resolve, reject) => {
      const got: Array<string | Buffer> = [];
      const timer = setTimeout(() => reject(new Error(`${url}: ${got.length}/${n} messages in 10 s: ${got.map(String).join(' | ')}`)), 10_000);
      ws.on('error', reject);
      ws.on('open', () => out.forEach((m) => ws.send(m)));
      ws.on('message', (data: Buffer, binary: boolean) => {
        got.push(binary ? data : data.toString());
        if (got.length === n) {
          clearTimeout(timer);
          resolve(got);
        }
      });
    });
  } finally {
    ws.terminate();
  }
}

describe('protocol mocks in VS Code: the example mocks start from the extension and answer real clients', function () {
  this.timeout(60_000);
  let api: Api;

  before(async () => {
    api = (await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate()) as Api;
    await api.collectionsReady();
  });

  afterEach(async () => {
    for (const m of api.listMocks()) await api.stopMock(m.id);
  });

  it('indexes the example with its six protocol mocks, and socketio-mock answers socket.io-client with an ack', async () => {
    const example = api.collections().find((c) => c.file === EXAMPLE());
    assert.ok(example?.ok, 'the example collection is valid');
    assert.deepEqual([...example.mocks].sort(), ['graphql-mock', 'jsonrpc-mock', 'mqtt-mock', 'signalr-mock', 'socketio-mock', 'stomp-mock']);
    const m = await api.startMock(EXAMPLE(), 'socketio-mock');
    assert.ok((await api._treeSnapshot()).mocks.some((l) => l.startsWith('socketio-mock')), 'listed in the Mock Servers view');
    const port = new URL(m.url).port;
    const s = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], auth: { token: 'dev' }, reconnection: false });
    try {
      assert.equal(await s.timeout(5000).emitWithAck('hello', 'VS Code'), 'hi VS Code');
    } finally {
      s.disconnect();
    }
  });

  it('mqtt-mock runs its broker inside the extension host and answers MQTT.js by rule', async () => {
    const m = await api.startMock(EXAMPLE(), 'mqtt-mock');
    const c = await mqtt.connectAsync(m.url, { reconnectPeriod: 0 });
    try {
      await c.subscribeAsync('sensors/reply');
      const got = new Promise<unknown>((res) => c.once('message', (_t, p) => res(JSON.parse(p.toString()))));
      await c.publishAsync('sensors/attic/get', JSON.stringify({ id: 'a' }));
      assert.deepEqual(await got, { asked: 'a', t: 21.5 });
    } finally {
      await c.endAsync(true);
    }
  });

  it('signalr-mock answers the HubConnection in the MessagePack hub protocol: invoke, stream, rule-sent invocations', async () => {
    const m = await api.startMock(EXAMPLE(), 'signalr-mock');
    const c = new signalR.HubConnectionBuilder()
      .withUrl(`http://127.0.0.1:${new URL(m.url).port}/chathub`, { transport: signalR.HttpTransportType.WebSockets })
      .withHubProtocol(new MessagePackHubProtocol())
      .configureLogging(signalR.LogLevel.None)
      .build();
    await c.start();
    try {
      assert.equal(await c.invoke('Add', 20, 22), 20);
      const items: number[] = [];
      await new Promise<void>((res, rej) => c.stream('Counter').subscribe({ next: (i: number) => items.push(i), error: rej, complete: () => res() }));
      assert.deepEqual(items, [1, 2, 3]);
      const got = new Promise<string>((res) => c.on('ReceiveMessage', (u: string, t: string) => res(`${u}:${t}`)));
      await c.send('SendMessage', 'ada', 'hi');
      assert.equal(await got, 'ada:hi');
    } finally {
      await c.stop();
    }
  });

  it('graphql-mock, stomp-mock and jsonrpc-mock start from the extension, are listed, and answer their protocols', async () => {
    const gql = await api.startMock(EXAMPLE(), 'graphql-mock');
    const stomp = await api.startMock(EXAMPLE(), 'stomp-mock');
    const rpc = await api.startMock(EXAMPLE(), 'jsonrpc-mock');
    const listed = (await api._treeSnapshot()).mocks;
    for (const n of ['graphql-mock', 'stomp-mock', 'jsonrpc-mock']) assert.ok(listed.some((l) => l.startsWith(n)), `${n} listed in the Mock Servers view: ${listed.join(', ')}`);
    const g = await exchange(gql.url, 'graphql-transport-ws', [JSON.stringify({ type: 'connection_init', payload: { token: 'dev' } }), JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { id name } }' } })], 3);
    assert.deepEqual(g.map((x) => JSON.parse(String(x)) as unknown), [{ type: 'connection_ack' }, { id: '1', type: 'next', payload: { data: { me: { id: '1', name: 'Ada' } } } }, { id: '1', type: 'complete' }]);
    const s = await exchange(stomp.url, 'v12.stomp', ['CONNECT\naccept-version:1.2\nhost:x\nlogin:guest\npasscode:guest\n\n\0'], 1);
    assert.match(String(s[0]), /^CONNECTED\n/);
    const r = await exchange(rpc.url, undefined, [JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'greet', params: { name: 'VS Code' } })], 1);
    assert.deepEqual(JSON.parse(String(r[0])), { jsonrpc: '2.0', id: 7, result: { greeting: 'hello VS Code' } });
  });

  it("the codecs example's feed-mock answers in Protobuf: the extension loads the collection's codecs rules and its .proto", async () => {
    const m = await api.startMock(CODECS(), 'feed-mock');
    const root = new protobuf.Root();
    root.addJSON((protobuf.common as unknown as Record<string, { nested: protobuf.INamespace['nested'] }>)['google/protobuf/timestamp.proto']!.nested!);
    protobuf.parse(fs.readFileSync(path.join(path.dirname(CODECS()), 'protos', 'feed.proto'), 'utf8'), root);
    const subscribe = Buffer.from(root.lookupType('feed.Subscribe').encode({ symbols: ['ACME'] }).finish());
    assert.equal(subscribe[0], 0x0a, 'a Subscribe starts with field 1, length-delimited (the rule matches its prefix)');
    const [reply] = await exchange(`${m.url.replace(/\/$/, '')}/feed`, undefined, [subscribe], 1);
    assert.ok(Buffer.isBuffer(reply), 'a binary answer');
    const env = root.lookupType('feed.Envelope').toObject(root.lookupType('feed.Envelope').decode(reply), { enums: String, longs: String }) as { priority: string; quote: { symbol: string; price: number }; labels: Record<string, string> };
    assert.equal(env.quote.symbol, 'ACME');
    assert.equal(env.quote.price, 12.5);
    assert.equal(env.priority, 'HIGH');
    assert.deepEqual(env.labels, { venue: 'mock' });
  });

  it('Connect on a running protocol mock opens a panel that speaks its protocol at its path, with the options it requires', async () => {
    for (const [name, path_, protocol, answer] of [
      ['signalr-mock', '/chathub', 'signalr', (t: string) => t === '{}\x1e'],
      ['socketio-mock', '/socket.io/', 'socket.io', (t: string) => t.startsWith('40{')],
    ] as const) {
      const m = await api.startMock(EXAMPLE(), name);
      const id = await vscode.commands.executeCommand<string>('websocketWorkbench.connectMock', { id: m.id });
      assert.ok(id, `${name}: a connection opened`);
      const panel = await until(
        async () => ((await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as PanelInfo[]).find((p) => p.connectionId === id),
        (p) => p?.state === 'open',
        `${name}: the panel's connection open`,
      );
      assert.equal(new URL(panel!.summary!.url).pathname, path_);
      assert.equal(panel!.summary!.request?.protocol, protocol, `${name}: the panel speaks ${protocol}, not auto`);
      // Only a protocol driver says hello first: the SignalR handshake's empty response, Socket.IO's namespace CONNECT.
      const rows = await until(
        async () => (await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'getRows', { from: 0, to: 200 })) as { events: Array<{ kind: string; dir?: string; data?: Uint8Array }> },
        (r) => r.events.some((e) => e.kind === 'message' && e.dir === 'in' && answer(new TextDecoder().decode(e.data))),
        `${name}: the mock answered the driver's handshake`,
      );
      assert.ok(rows.events.length > 0);
      await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'disconnect', { code: 1000, reason: 'done' });
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
