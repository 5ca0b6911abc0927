/**
 * Restricted Mode in real VS Code: the runner (`runIntegration.ts --untrusted`) keeps Workspace Trust
 * on and opens a folder never trusted in a fresh user-data-dir. Everything a hostile clone can carry
 * is written the way a clone brings it (a collection file, .vscode/settings.json, a symlink), then
 * driven through commands and the public API against real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { WebSocket, WebSocketServer } from 'ws';
import type { WorkbenchApi } from '../../../src/extension/api';
import type { ErrorEvent } from '../../../src/core/engine/events';
import { hostLog } from '../log';
import { DOWNGRADED_MOCK } from './expect';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
type Api = WorkbenchApi & Required<Pick<WorkbenchApi, 'startMock' | 'stopMock' | 'listMocks' | 'collectionsReady' | 'collections' | 'autoStartMocks' | '_setPrompter'>>;
type Notice = { severity: string; message: string; actions: string[]; code?: string };

const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const FILE = () => path.join(root(), 'untrusted.websocket.json');
const SETTINGS = () => path.join(root(), '.vscode', 'settings.json');

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a ws client with extra handshake headers; resolves with 'open' or the refusal's HTTP status. */
function tryOpen(url: string, headers: Record<string, string> = {}): Promise<'open' | number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err: Error & { code?: string }) => resolve(err.code ?? err.message));
  });
}

describe('Restricted Mode: Workspace Trust on, folder untrusted (real VS Code)', function () {
  this.timeout(60_000);
  let api: Api;
  const token = `wswb-untrusted-${randomBytes(12).toString('hex')}`;
  // A "server of the collection's choosing": records everything that reaches it.
  let victim: WebSocketServer;
  const received: string[] = [];
  let outside: string;

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the runner opened the folder in Restricted Mode');
    api = (await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate()) as Api;
    victim = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => victim.once('listening', r));
    victim.on('connection', (ws, req) => {
      received.push(`${req.url} ${JSON.stringify(req.headers)}`);
      ws.on('message', (d) => received.push(String(d)));
    });
    const port = (victim.address() as { port: number }).port;
    outside = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-outside-'));
    // What a hostile repository carries: a collection and workspace settings.
    await fs.writeFile(
      FILE(),
      JSON.stringify({
        version: 1,
        name: 'Hostile',
        variables: { leak: '{{secret:utToken}}' },
        requests: [
          { name: 'direct', url: `ws://127.0.0.1:${port}/direct`, headers: { Authorization: 'Bearer {{secret:utToken}}' } },
          { name: 'indirect', url: `ws://127.0.0.1:${port}/indirect`, query: { t: '{{leak}}' } },
          { name: 'plain', url: `ws://127.0.0.1:${port}/plain` },
          { name: 'carrier', url: `ws://127.0.0.1:${port}/carrier`, messages: [{ name: 'exfiltrate', kind: 'text', data: 'token={{secret:utToken}}' }] },
        ],
        mocks: [{ name: DOWNGRADED_MOCK, host: '0.0.0.0', allowedOrigins: ['*'], checkHost: false, allowedHosts: ['rebind.example'] }],
      }),
    );
    await fs.mkdir(path.dirname(SETTINGS()), { recursive: true });
    await fs.writeFile(
      SETTINGS(),
      JSON.stringify({
        'websocketWorkbench.connection.rejectUnauthorized': false,
        'websocketWorkbench.connection.followRedirects': true,
        'websocketWorkbench.sessions.folder': outside,
        'websocketWorkbench.mock.autoStart': [DOWNGRADED_MOCK],
        // Not restricted: proves VS Code has read this file.
        'websocketWorkbench.connection.recentUrls': 7,
      }),
    );
    await waitFor(() => vscode.workspace.getConfiguration('websocketWorkbench').get('connection.recentUrls') === 7, 15_000, 'the workspace settings to load');
    await waitFor(() => api.collections().some((c) => c.file === FILE() && c.ok), 15_000, 'the collection to be indexed');
    const seen = vscode.workspace.getConfiguration('websocketWorkbench').inspect('connection.rejectUnauthorized');
    hostLog(`      (VS Code reports rejectUnauthorized in Restricted Mode as ${JSON.stringify(seen)})`);
  });

  afterEach(async () => {
    api._setPrompter(undefined);
    for (const m of api.listMocks()) await api.stopMock(m.id);
    for (const c of api.connections()) if (c.state === 'open') await api.close(c.id).catch(() => undefined);
  });

  after(async () => {
    victim?.close();
    await fs.rm(SETTINGS(), { force: true });
    await fs.rm(FILE(), { force: true });
    if (outside) await fs.rm(outside, { recursive: true, force: true });
  });

  it('stored secrets are refused (coded error, Manage Workspace Trust) and never reach the collection\'s host', async () => {
    const notices: Notice[] = [];
    api._setPrompter({ input: async () => token, notify: async (severity, message, actions, code) => (notices.push({ severity, message, actions, ...(code ? { code } : {}) }), undefined) });
    // Storing a secret is the user's own act: allowed.
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.setSecret', { name: 'utToken' }), 'utToken');
    const before = api.connections().length;
    for (const request of ['direct', 'indirect', 'carrier']) {
      assert.equal(await vscode.commands.executeCommand('websocketWorkbench.connect', { file: FILE(), request }), undefined, request);
      const n = notices.pop();
      assert.equal(n?.code, 'WSWB_UNTRUSTED_SECRET', `${request}: ${JSON.stringify(n)}`);
      assert.equal(n.severity, 'error');
      assert.deepEqual(n.actions, ['Manage Workspace Trust']);
      assert.match(n.message, /\{\{secret:utToken\}\}.*Restricted Mode/);
    }
    assert.equal(api.connections().length, before, 'no connection was opened');
    // A request without secrets connects; a saved message that uses one is refused on it.
    const id = (await vscode.commands.executeCommand('websocketWorkbench.connect', { file: FILE(), request: 'plain' })) as string;
    await waitFor(() => api.connections().some((c) => c.id === id && c.state === 'open'), 10_000, 'plain open');
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.sendMessage', { connectionId: id, file: FILE(), request: 'carrier', message: 'exfiltrate' }), undefined);
    assert.equal(notices.pop()?.code, 'WSWB_UNTRUSTED_SECRET');
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.copyAsWebsocat', { file: FILE(), request: 'direct' }), undefined);
    assert.equal(notices.pop()?.code, 'WSWB_UNTRUSTED_SECRET');
    // The panel's composer gets no secrets either: the reference goes out as typed.
    await vscode.commands.executeCommand('websocketWorkbench.panel.run', id, 'send', { text: 'panel={{secret:utToken}}' });
    await waitFor(() => received.includes('panel={{secret:utToken}}'), 5000, 'the panel message, unresolved');
    await new Promise((r) => setTimeout(r, 300));
    hostLog(`      the collection's host saw: ${received.map((r) => r.slice(0, 40)).join(' | ')}`);
    assert.equal(received.length, 2, 'only the secret-free handshake and the unresolved panel message arrived');
    assert.ok(!received.some((r) => r.includes(token) || r.includes(encodeURIComponent(token))), 'the secret never reached the host');
  });

  it('a workspace rejectUnauthorized:false is ignored: a self-signed wss mock is refused (the same value in user settings connects)', async () => {
    const mock = await api.startMock({ name: 'ut-tls', tls: { generate: true } });
    assert.match(mock.url, /^wss:\/\/127\.0\.0\.1:/);
    const id = (await vscode.commands.executeCommand('websocketWorkbench.connectUrl', mock.url)) as string;
    assert.ok(id, 'a connection (and its panel) was created');
    const state = api.connections().find((c) => c.id === id)?.state;
    const err = api.timeline(id).find((e): e is ErrorEvent => e.kind === 'error');
    hostLog(`      wss with the workspace's rejectUnauthorized:false: ${state}, ${err?.code} ${err?.message.slice(0, 80)}`);
    assert.notEqual(state, 'open');
    assert.ok(err && /CERT|SELF_SIGNED|TLS/i.test(`${err.code} ${err.message}`), `a certificate error: ${err?.code}`);
    // Control: the user's own (global) value is honoured, so the refusal above was the trust gate.
    const cfg = vscode.workspace.getConfiguration('websocketWorkbench');
    await cfg.update('connection.rejectUnauthorized', false, vscode.ConfigurationTarget.Global);
    try {
      const ok = (await vscode.commands.executeCommand('websocketWorkbench.connectUrl', mock.url)) as string;
      assert.equal(api.connections().find((c) => c.id === ok)?.state, 'open');
    } finally {
      await cfg.update('connection.rejectUnauthorized', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('a workspace followRedirects:true is ignored: a 302 to another host fails the handshake', async () => {
    const target = await api.startMock({ name: 'ut-redirect-target' });
    const redirector = http.createServer((_req, res) => res.writeHead(302, { Location: target.url.replace(/^ws/, 'http') }).end());
    redirector.on('upgrade', (_req, socket) => socket.end(`HTTP/1.1 302 Found\r\nLocation: ${target.url}\r\nContent-Length: 0\r\n\r\n`));
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `ws://127.0.0.1:${(redirector.address() as { port: number }).port}/`;
      const id = (await vscode.commands.executeCommand('websocketWorkbench.connectUrl', url)) as string;
      const err = api.timeline(id).find((e): e is ErrorEvent => e.kind === 'error');
      hostLog(`      302 with the workspace's followRedirects:true: ${err?.code} ${err?.message.slice(0, 80)}`);
      assert.notEqual(api.connections().find((c) => c.id === id)?.state, 'open');
      assert.equal(api.listMocks().find((m) => m.id === target.id)?.clients, 0, 'the redirect target was never reached');
    } finally {
      redirector.close();
    }
  });

  it('a workspace sessions.folder outside the workspace is ignored, and a symlinked sessions folder is refused', async () => {
    const mock = await api.startMock({ name: 'ut-rec' });
    const id = (await vscode.commands.executeCommand('websocketWorkbench.connectUrl', mock.url)) as string;
    await waitFor(() => api.connections().some((c) => c.id === id && c.state === 'open'), 10_000, 'open');
    // A clone whose default sessions folder is a symlink out of the workspace.
    const linkTarget = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-link-'));
    const sessions = path.join(root(), '.websocket', 'sessions');
    await fs.mkdir(path.dirname(sessions), { recursive: true });
    await fs.symlink(linkTarget, sessions, 'dir');
    const notices: Notice[] = [];
    api._setPrompter({ notify: async (severity, message, actions, code) => (notices.push({ severity, message, actions, ...(code ? { code } : {}) }), undefined) });
    try {
      assert.equal(await vscode.commands.executeCommand('websocketWorkbench.recordSession', { connectionId: id }), undefined);
      assert.equal(notices.pop()?.code, 'WSWB_UNTRUSTED_SESSIONS_FOLDER');
      assert.deepEqual(await fs.readdir(linkTarget), [], 'nothing written through the link');
    } finally {
      await fs.rm(sessions);
      await fs.rm(linkTarget, { recursive: true, force: true });
    }
    const file = (await vscode.commands.executeCommand('websocketWorkbench.recordSession', { connectionId: id })) as string;
    assert.ok(file, `recorded (${JSON.stringify(notices)})`);
    await vscode.commands.executeCommand('websocketWorkbench.stopRecording', { connectionId: id });
    hostLog(`      recorded to ${path.relative(root(), file)}`);
    assert.equal(path.dirname(file), sessions, 'the default folder inside the workspace');
    assert.deepEqual(await fs.readdir(outside), [], 'nothing in the workspace\'s outside folder');
  });

  it(`a collection's mock cannot widen its exposure: "${DOWNGRADED_MOCK}" listens on 127.0.0.1 and checks Origin and Host, with a visible notice`, async () => {
    // Auto-start from the workspace settings does nothing here.
    assert.deepEqual(await api.autoStartMocks(vscode.workspace.isTrusted), []);
    assert.equal(api.listMocks().length, 0);
    const notices: Notice[] = [];
    api._setPrompter({ notify: async (severity, message, actions, code) => (notices.push({ severity, message, actions, ...(code ? { code } : {}) }), undefined) });
    const m = await api.startMock(FILE(), DOWNGRADED_MOCK);
    const n = notices.find((x) => x.code === 'WSWB_UNTRUSTED_MOCK_DOWNGRADED');
    assert.ok(n, `notice: ${JSON.stringify(notices)}`);
    assert.equal(n.severity, 'warning');
    assert.match(n.message, new RegExp(`mock "${DOWNGRADED_MOCK}" from untrusted\\.websocket\\.json`));
    for (const what of ['"0.0.0.0" ignored', 'allowedOrigins ["*"] ignored', 'checkHost: false ignored', 'allowedHosts ["rebind.example"] ignored']) assert.ok(n.message.includes(what), what);
    assert.match(m.url, /^ws:\/\/127\.0\.0\.1:\d+\//);
    const port = Number(new URL(m.url).port);
    assert.equal(await tryOpen(m.url), 'open', 'a local client without Origin connects');
    assert.equal(await tryOpen(m.url, { Origin: `http://127.0.0.1:${port}` }), 'open', 'a loopback origin connects');
    assert.equal(await tryOpen(m.url, { Origin: 'https://evil.example' }), 403, 'a foreign web page is refused');
    assert.equal(await tryOpen(m.url, { Host: `rebind.example:${port}` }), 403, 'DNS rebinding is refused');
    // Bound to loopback only: read the kernel's listening sockets for the port rather than sending
    // traffic to a non-loopback address (tests send traffic only on loopback).
    const listening = (await fs.readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1).map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 3 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port).map((f) => f[1]!.split(':')[0]);
    const listening6 = (await fs.readFile('/proc/net/tcp6', 'utf8').catch(() => '')).split('\n').slice(1).map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 3 && f[3] === '0A' && parseInt(f[1]!.split(':')[1]!, 16) === port);
    hostLog(`      listening sockets on port ${port}: ${JSON.stringify(listening)} (IPv6: ${listening6.length})`);
    assert.deepEqual(listening, ['0100007F'], 'listens on 127.0.0.1 only');
    assert.equal(listening6.length, 0, 'no IPv6 wildcard listener');
    await api.stopMock(m.id);
    // Started the way a user does (palette), with the real notification. The smoke-test driver hides
    // toasts, so open the notification center: the runner reads the notice there, in the DOM.
    api._setPrompter({ pick: (async (items: Array<vscode.QuickPickItem>) => items.find((i) => i.label.includes(DOWNGRADED_MOCK))) as never });
    const started = (await vscode.commands.executeCommand('websocketWorkbench.startMock')) as { url: string };
    assert.match(started.url, /^ws:\/\/127\.0\.0\.1:/);
    await vscode.commands.executeCommand('notifications.showList');
    await new Promise((r) => setTimeout(r, 1500));
  });
});
