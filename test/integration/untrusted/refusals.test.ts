/**
 * Restricted Mode and mock refusals (real VS Code, folder untrusted): a refused browser is shown,
 * but Allow is never offered, and an answer of "Allow" anyway widens nothing.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { WebSocket } from 'ws';
import type { WorkbenchApi } from '../../../src/extension/api';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
type Api = WorkbenchApi & Required<Pick<WorkbenchApi, 'startMock' | 'stopMock' | 'listMocks' | 'collections' | '_setPrompter'>>;

const FILE = () => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'refusals.websocket.json');
const TEXT = '{\n\t"version": 1,\n\t"name": "Refusals",\n\t"mocks": [\n\t\t{ "name": "forwarded" }\n\t]\n}\n';

function status(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => (ws.close(), resolve('open')));
    ws.once('unexpected-response', (_q, res) => (resolve(res.statusCode ?? 0), ws.terminate()));
    ws.once('error', reject);
  });
}

describe('Restricted Mode: mock refusals are shown without Allow (real VS Code)', function () {
  this.timeout(60_000);
  let api: Api;

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    api = (await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate()) as Api;
    await fs.writeFile(FILE(), TEXT);
    const end = Date.now() + 15_000;
    while (!api.collections().some((c) => c.file === FILE() && c.ok)) {
      if (Date.now() > end) throw new Error('collection not indexed');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(async () => {
    api._setPrompter(undefined);
    for (const m of api.listMocks()) await api.stopMock(m.id);
    await fs.rm(FILE(), { force: true });
  });

  it('a refused page origin and forwarded host raise a notice offering Manage Workspace Trust, never Allow; answering Allow anyway changes nothing', async () => {
    const notices: Array<{ message: string; actions: string[]; code?: string }> = [];
    // Answers "Allow" to everything: the extension must still not widen the mock.
    api._setPrompter({ notify: async (_s, message, actions, code) => (notices.push({ message, actions, ...(code ? { code } : {}) }), 'Allow') });
    const mock = await api.startMock(FILE(), 'forwarded');
    const port = new URL(mock.url).port;
    const headers = { Host: '127.0.0.1:8080', Origin: 'http://app.test:5173' };
    assert.equal(await status(mock.url, headers), 403);
    const end = Date.now() + 10_000;
    while (!notices.some((n) => n.code === 'WSWB_MOCK_REFUSED_BROWSER')) {
      if (Date.now() > end) throw new Error(`no refusal notice: ${JSON.stringify(notices)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const n = notices.find((x) => x.code === 'WSWB_MOCK_REFUSED_BROWSER')!;
    assert.deepEqual(n.actions, ['Manage Workspace Trust']);
    assert.match(n.message, /refused a connection from http:\/\/app\.test:5173 through host 127\.0\.0\.1:8080\..*Restricted Mode/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await fs.readFile(FILE(), 'utf8'), TEXT, 'the collection is untouched');
    assert.equal(await status(mock.url, headers), 403, 'still refused');
    assert.equal(await status(mock.url, { Host: `127.0.0.1:${port}` }), 'open', 'loopback clients still connect');
    assert.equal(notices.filter((x) => x.code === 'WSWB_MOCK_REFUSED_BROWSER').length, 1, 'one notice per mock, origin and host');
  });
});
