/**
 * Protocol mocks in real VS Code: the example file's Socket.IO and MQTT mocks started the way the
 * Mock Servers view starts them (the extension's startMock), listed in the view, and answering the
 * real socket.io-client and MQTT.js (aedes loaded from the extension's lazy chunk).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { io as ioc } from 'socket.io-client';
import mqtt from 'mqtt';
import type { WorkbenchApi } from '../../../src/extension/api';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
type Api = WorkbenchApi & Required<Pick<WorkbenchApi, 'startMock' | 'stopMock' | 'listMocks' | 'collections' | 'collectionsReady' | '_treeSnapshot'>>;
const EXAMPLE = () => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'protocol-mocks.websocket.json');

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
});
