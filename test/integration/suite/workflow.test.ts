import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { WebSocket } from 'ws';
import type { WorkbenchApi } from '../../../src/extension/api';
import type { HandshakeEvent, MessageEvent } from '../../../src/core/engine/events';
import { hostLog } from '../log';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
type Api = WorkbenchApi & Required<Pick<WorkbenchApi, 'startMock' | 'stopMock' | 'listMocks' | 'collections' | 'activeEnvironment' | 'collectionsReady' | 'statusBar' | 'trustPolicy' | 'autoStartMocks' | '_setPrompter' | '_treeSnapshot' | '_storagePaths'>>;

const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const TEST_FILE = () => path.join(root(), 'wf-test.websocket.json');

function testCollection(requestUrl = 'ws://127.0.0.1:9/unused'): string {
  return (
    JSON.stringify(
      {
        version: 1,
        name: 'Workflow test',
        variables: { wfVar: 'there' },
        environments: { wfEnv: { extra: 'x' } },
        requests: [
          {
            name: 'wf-req',
            url: requestUrl,
            auth: { type: 'bearer', token: '{{secret:wfToken}}' },
            query: { key: '{{secret:wfToken}}' },
            messages: [{ name: 'wf-hello', kind: 'text', data: 'hello {{wfVar}}' }],
          },
          { name: 'wf-unresolved', url: 'ws://{{nowhere}}/x' },
        ],
        mocks: [{ name: 'wf-mock' }],
      },
      null,
      2,
    ) + '\n'
  );
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function wsOpen(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => undefined);
      resolve(ws);
    });
  });
}

async function echo(url: string, text: string): Promise<string> {
  const ws = await wsOpen(url);
  try {
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send(text);
    return await reply;
  } finally {
    ws.close();
  }
}

describe('workflow: collections, palette, secrets, mocks, tasks, CodeLens (real VS Code)', function () {
  this.timeout(60_000);
  let api: Api;

  before(async () => {
    api = (await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate()) as Api;
    await fs.writeFile(TEST_FILE(), testCollection());
    await waitFor(() => api.collections().some((c) => c.file === TEST_FILE() && c.ok), 15_000, 'the test collection to be indexed');
  });

  afterEach(async () => {
    api._setPrompter(undefined);
    for (const m of api.listMocks()) await api.stopMock(m.id);
  });

  after(async () => {
    for (const c of api.connections()) if (c.state === 'open') await api.close(c.id).catch(() => undefined);
  });

  it('indexes the example collection and the tree views show its requests, messages and mocks', async () => {
    await api.collectionsReady();
    const example = api.collections().find((c) => path.basename(c.file) === 'echo.websocket.json');
    assert.ok(example, `example collection indexed (have ${api.collections().map((c) => path.basename(c.file)).join(', ')})`);
    assert.equal(example.ok, true);
    assert.equal(example.diagnostics, 0);
    assert.ok(example.requests.includes('echo'));
    assert.ok(example.mocks.includes('echo-mock'));
    const tree = await api._treeSnapshot();
    hostLog(`      collections tree: ${tree.collections.slice(0, 6).join(' | ')}`);
    assert.ok(tree.collections.some((l) => l.startsWith('Echo examples')));
    assert.ok(tree.collections.some((l) => /^ {2}echo — /.test(l)), 'request under its file');
    assert.ok(tree.collections.some((l) => /^ {4}hello — /.test(l)), 'message under its request');
    assert.ok(tree.collections.some((l) => /^ {2}echo-mock/.test(l)), 'mock under its file');
    // The container and its views are contributed and open.
    await vscode.commands.executeCommand('workbench.view.extension.websocketWorkbench');
  });

  it('reports a broken file in the Problems panel with line and column, and never rewrites it', async () => {
    const file = path.join(root(), 'broken.websocket.json');
    const text = '{\n  "version": 1,\n  "name": "broken",\n  "requests": [ { "name": "no url" } ]\n}\n';
    await fs.writeFile(file, text);
    const uri = vscode.Uri.file(file);
    await waitFor(() => vscode.languages.getDiagnostics(uri).some((d) => d.source === 'WebSocket Workbench'), 15_000, 'diagnostics');
    const diags = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'WebSocket Workbench');
    hostLog(`      diagnostics: ${diags.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`).join('; ')}`);
    assert.ok(diags.some((d) => d.range.start.line === 3), 'points at line 4, the request without a url');
    assert.ok(api.collections().some((c) => c.file === file && !c.ok && c.diagnostics > 0));
    // Editing commands refuse an invalid file.
    await vscode.commands.executeCommand('websocketWorkbench.rename', { type: 'file', file }, 'renamed');
    assert.equal(await fs.readFile(file, 'utf8'), text);
    // Fixing it clears the problems.
    await fs.writeFile(file, '{ "version": 1, "name": "fixed" }\n');
    await waitFor(() => vscode.languages.getDiagnostics(uri).length === 0, 15_000, 'diagnostics cleared');
    await fs.rm(file);
    await waitFor(() => !api.collections().some((c) => c.file === file), 15_000, 'deleted file dropped');
  });

  it('starts a mock picked in the palette command; a real ws client gets its echo; stop terminates the client', async () => {
    let offered: string[] = [];
    api._setPrompter({
      pick: (async (items: vscode.QuickPickItem[]) => {
        offered = items.map((i) => i.label);
        return items.find((i) => i.label.includes('wf-mock'));
      }) as never,
    });
    const started = (await vscode.commands.executeCommand('websocketWorkbench.startMock')) as { id: string; url: string };
    assert.ok(offered.some((l) => l.includes('echo-mock')), 'the example mock is offered too');
    assert.match(started.url, /^ws:\/\/127\.0\.0\.1:\d+/);
    assert.equal(await echo(started.url, 'ping from a ws client'), 'ping from a ws client');
    assert.match(api.statusBar().mocks ?? '', /^\$\(server\) Mock ws:\/\/127\.0\.0\.1/);
    assert.ok((await api._treeSnapshot()).mocks.some((l) => l.startsWith('wf-mock')));
    const client = await wsOpen(started.url);
    await waitFor(async () => (await api._treeSnapshot()).mocks.some((l) => l.includes('1 client')), 5000, 'client count in the Mock Servers view');
    const closed = new Promise<number>((r) => client.once('close', (c) => r(c)));
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.stopMock', { id: started.id }), true);
    assert.ok([1001, 1006].includes(await closed));
    assert.equal(api.listMocks().length, 0);
  });

  it('Connect… (Enter URL) opens a connection, Send Message… sends with variables, Disconnect closes it', async () => {
    const mock = await api.startMock(TEST_FILE(), 'wf-mock');
    api._setPrompter({
      pick: (async (items: Array<vscode.QuickPickItem & { typed?: boolean }>) => items.find((i) => i.label.includes('Enter URL') || i.typed)) as never,
      input: async () => `${mock.url}palette`,
    });
    const id = (await vscode.commands.executeCommand('websocketWorkbench.connect')) as string;
    assert.ok(id, 'connect returned a connection id');
    await waitFor(() => api.connections().some((c) => c.id === id && c.state === 'open'), 10_000, 'open');
    assert.match(api.statusBar().connection ?? '', /open/);
    api._setPrompter({
      pick: (async (items: Array<vscode.QuickPickItem & { typed?: boolean }>) => items.find((i) => i.typed)) as never,
      input: async () => 'hi {{wfVar}}',
    });
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.sendMessage'), true);
    await waitFor(() => api.timeline(id).some((e) => e.kind === 'message' && e.dir === 'in'), 5000, 'echo');
    const inbound = api.timeline(id).find((e): e is MessageEvent => e.kind === 'message' && e.dir === 'in')!;
    assert.equal(Buffer.from(inbound.data).toString(), 'hi there');
    // A saved message from the tree.
    await vscode.commands.executeCommand('websocketWorkbench.sendMessage', { type: 'message', file: TEST_FILE(), request: 'wf-req', message: 'wf-hello' });
    await waitFor(() => api.timeline(id).filter((e) => e.kind === 'message' && e.dir === 'in').length >= 2, 5000, 'second echo');
    assert.ok((await api._treeSnapshot()).connections.some((l) => l.includes('open')));
    await vscode.commands.executeCommand('websocketWorkbench.disconnect');
    await waitFor(() => api.connections().some((c) => c.id === id && c.state === 'closed'), 5000, 'closed');
  });

  it('refuses to connect with unresolved variables, before anything is sent', async () => {
    const before = api.connections().length;
    const r = await vscode.commands.executeCommand('websocketWorkbench.connect', { file: TEST_FILE(), request: 'wf-unresolved' });
    assert.equal(r, undefined);
    assert.equal(api.connections().length, before);
  });

  it('Select Environment keeps one active environment per workspace and shows it in the status bar', async () => {
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.selectEnvironment', 'wfEnv'), 'wfEnv');
    assert.equal(api.activeEnvironment(), 'wfEnv');
    await waitFor(() => /wfEnv/.test(api.statusBar().environment ?? ''), 2000, 'status bar');
    api._setPrompter({ pick: (async (items: vscode.QuickPickItem[]) => items.find((i) => i.label.includes('No Environment'))) as never });
    await vscode.commands.executeCommand('websocketWorkbench.selectEnvironment');
    assert.equal(api.activeEnvironment(), undefined);
  });

  it('a secret entered through Set Secret… is used to connect, masked in exports, and never reaches disk', async () => {
    const token = `wswb-secret-${randomBytes(12).toString('hex')}`;
    const mock = await api.startMock(TEST_FILE(), 'wf-mock');
    await fs.writeFile(TEST_FILE(), testCollection(`${mock.url}secret`));
    await waitFor(async () => {
      await api.collectionsReady();
      return (await api._treeSnapshot()).collections.some((l) => l.includes(`${mock.url}secret`));
    }, 15_000, 'collection reloaded');
    let asked: vscode.InputBoxOptions | undefined;
    api._setPrompter({ input: async (o) => ((asked = o), token) });
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.setSecret', { name: 'wfToken' }), 'wfToken');
    assert.equal(asked?.password, true, 'asked through a password input box');

    const id = (await vscode.commands.executeCommand('websocketWorkbench.connect', { file: TEST_FILE(), request: 'wf-req' })) as string;
    assert.ok(id);
    await waitFor(() => api.connections().some((c) => c.id === id && c.state === 'open'), 10_000, 'open');
    const hs = api.timeline(id).find((e): e is HandshakeEvent => e.kind === 'handshake')!;
    assert.ok(hs.request.headers.some(([n, v]) => n.toLowerCase() === 'authorization' && v === `Bearer ${token}`), 'the secret was sent');

    const line = (await vscode.commands.executeCommand('websocketWorkbench.copyAsWebsocat', { file: TEST_FILE(), request: 'wf-req' })) as string;
    assert.ok(line.startsWith('websocat'));
    assert.ok(!line.includes(token), 'masked in the websocat command');
    // An active environment the collection does not define is not applied, even one named like an Object.prototype member.
    await vscode.commands.executeCommand('websocketWorkbench.selectEnvironment', 'toString');
    const withForeignEnv = (await vscode.commands.executeCommand('websocketWorkbench.copyAsWebsocat', { file: TEST_FILE(), request: 'wf-req' })) as string | undefined;
    await vscode.commands.executeCommand('websocketWorkbench.selectEnvironment', { name: null });
    assert.equal(withForeignEnv, line, 'environment "toString" is not looked up on Object.prototype');

    const transcript = (await vscode.commands.executeCommand('websocketWorkbench.recordSession', { connectionId: id })) as string;
    assert.ok(transcript && transcript.endsWith('.ndjson'));
    await vscode.commands.executeCommand('websocketWorkbench.sendMessage', { connectionId: id, text: 'recorded' });
    await waitFor(() => api.timeline(id).some((e) => e.kind === 'message' && e.dir === 'in'), 5000, 'echo');
    // The secret inside a message payload (sent and echoed) must be masked in the transcript too.
    await vscode.commands.executeCommand('websocketWorkbench.sendMessage', { connectionId: id, text: `{"auth":"${token}"}` });
    await waitFor(() => api.timeline(id).filter((e) => e.kind === 'message' && e.dir === 'in').length >= 2, 5000, 'second echo');
    await vscode.commands.executeCommand('websocketWorkbench.disconnect', { connectionId: id });
    await vscode.commands.executeCommand('websocketWorkbench.stopRecording', { connectionId: id });
    const har = path.join(root(), 'wf-export.har');
    await vscode.commands.executeCommand('websocketWorkbench.exportSession', { file: transcript, target: har });
    const harText = await fs.readFile(har, 'utf8');
    assert.ok(harText.includes('recorded'), 'the HAR has the session');
    const transcriptText = await fs.readFile(transcript, 'utf8');
    assert.ok(transcriptText.includes('recorded'), 'the transcript has the session');
    assert.ok(transcriptText.includes('{\\"auth\\":\\"••••\\"}'), 'the message with the secret is in the transcript, masked');

    // Let VS Code flush its state databases and logs, then look everywhere it writes.
    await new Promise((r) => setTimeout(r, 2500));
    const paths = api._storagePaths();
    const userData = path.resolve(paths.globalStorage, '..', '..', '..');
    const scanned: string[] = [];
    const hits = [...(await scan(root(), token, scanned)), ...(await scan(userData, token, scanned))];
    hostLog(`      scanned ${scanned.length} files under the workspace and ${userData} for the token`);
    assert.ok(scanned.length > 5);
    assert.deepEqual(hits, [], 'the token is in no file');
    await vscode.commands.executeCommand('websocketWorkbench.deleteSecret', { name: 'wfToken' });
    await fs.writeFile(TEST_FILE(), testCollection());
  });

  it('records a session, lists it, replays it, turns it into a mock, and round-trips it through HAR', async () => {
    const mock = await api.startMock(TEST_FILE(), 'wf-mock');
    const id = (await vscode.commands.executeCommand('websocketWorkbench.connect', { url: `${mock.url}rec` })) as string;
    await waitFor(() => api.connections().some((c) => c.id === id && c.state === 'open'), 10_000, 'open');
    const transcript = (await vscode.commands.executeCommand('websocketWorkbench.recordSession', { connectionId: id })) as string;
    await vscode.commands.executeCommand('websocketWorkbench.sendMessage', { connectionId: id, text: 'question-1' });
    await waitFor(() => api.timeline(id).some((e) => e.kind === 'message' && e.dir === 'in'), 5000, 'echo');
    await vscode.commands.executeCommand('websocketWorkbench.disconnect', { connectionId: id });
    await vscode.commands.executeCommand('websocketWorkbench.stopRecording', { connectionId: id });
    await waitFor(async () => (await api._treeSnapshot()).sessions.some((l) => l.startsWith(path.basename(transcript))), 5000, 'Sessions view lists it');

    // Open it: a panel showing the recorded timeline, not connected.
    const opened = (await vscode.commands.executeCommand('websocketWorkbench.openSession', { file: transcript })) as { events: number };
    assert.ok(opened.events >= 4, `handshake, state, messages (${opened.events})`);
    const panels = (await vscode.commands.executeCommand('websocketWorkbench.panel.inspect')) as Array<{ connectionId?: string; storeTotal: number; state?: string }>;
    const shown = panels.find((p) => p.connectionId === `session:${path.basename(transcript, '.ndjson')}`);
    assert.ok(shown, 'a panel shows the session');
    assert.equal(shown.storeTotal, opened.events);
    assert.equal(shown.state, 'idle', 'not connected');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Replay as a client, compressed timing: the same outgoing message reaches the mock again.
    const replayed = (await vscode.commands.executeCommand('websocketWorkbench.replaySession', { file: transcript }, { timing: 'compressed' })) as string;
    await waitFor(() => api.timeline(replayed).some((e) => e.kind === 'message' && e.dir === 'in' && Buffer.from(e.data).toString() === 'question-1'), 5000, 'replayed echo');
    await api.close(replayed);

    // Record-to-mock: added to the collection, started, and it answers what was recorded.
    const made = (await vscode.commands.executeCommand('websocketWorkbench.sessionToMock', { file: transcript }, TEST_FILE())) as { file: string; name: string };
    assert.equal(made.file, TEST_FILE());
    await waitFor(() => api.collections().find((c) => c.file === TEST_FILE())!.mocks.includes(made.name), 5000, 'mock added');
    const replayMock = await api.startMock(TEST_FILE(), made.name);
    assert.equal(await echo(replayMock.url, 'question-1'), 'question-1');

    // Record-to-scenario: a request and a scenario added to the collection, found by the Test
    // Explorer, and the scenario passes against the mock the session was recorded on.
    const scen = (await vscode.commands.executeCommand('websocketWorkbench.sessionToScenario', { file: transcript, mode: 'exact' }, TEST_FILE())) as { file: string; scenario: string; request: string };
    assert.equal(scen.file, TEST_FILE());
    const saved = JSON.parse(await fs.readFile(TEST_FILE(), 'utf8')) as { requests: Array<{ name: string; url: string }>; scenarios: Array<{ name: string; steps: Array<Record<string, unknown>> }> };
    assert.equal(saved.requests.find((r) => r.name === scen.request)?.url, `${mock.url}rec`);
    const steps = saved.scenarios.find((x) => x.name === scen.scenario)!.steps;
    assert.deepEqual(steps.map((x) => Object.keys(x).find((k) => k !== 'on' && k !== 'as' && k !== 'within')), ['connect', 'send', 'expect', 'close']);
    const testing = api.testing!;
    await testing.discover();
    const scenItem = () => testing.items().find((f) => f.file === TEST_FILE())?.children.find((c) => c.label === scen.scenario);
    await waitFor(() => !!scenItem(), 10_000, 'the scenario in the Test Explorer');
    const [ran] = await testing.run([scenItem()!.id]);
    assert.equal(ran?.state, 'passed', ran?.message);

    // HAR: export, import back as a new transcript.
    const har = path.join(root(), 'wf-session.har');
    await vscode.commands.executeCommand('websocketWorkbench.exportSession', { file: transcript, target: har });
    const imported = (await vscode.commands.executeCommand('websocketWorkbench.importHar', { file: har })) as string[];
    assert.equal(imported.length, 1);
    assert.ok((await fs.readFile(imported[0]!, 'utf8')).includes('question-1'));
    await fs.writeFile(TEST_FILE(), testCollection());
  });

  it('provides a websocket-mock task that starts the mock and stops it on termination', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'websocket-mock' });
    const task = tasks.find((t) => t.definition.name === 'wf-mock');
    assert.ok(task, `task provided (have ${tasks.map((t) => t.name).join(', ')})`);
    assert.equal(task.definition.file, 'wf-test.websocket.json');
    assert.equal(task.isBackground, true);
    const exec = await vscode.tasks.executeTask(task);
    await waitFor(() => api.listMocks().some((m) => m.name === 'wf-mock'), 15_000, 'mock started by the task');
    const m = api.listMocks().find((x) => x.name === 'wf-mock')!;
    assert.equal(await echo(m.url, 'via task'), 'via task');
    const ended = new Promise<void>((r) => {
      const d = vscode.tasks.onDidEndTask((e) => {
        if (e.execution.task.definition.name === 'wf-mock') {
          d.dispose();
          r();
        }
      });
    });
    exec.terminate();
    await ended;
    await waitFor(() => !api.listMocks().some((x) => x.name === 'wf-mock'), 10_000, 'mock stopped with the task');
  });

  it('offers a Connect CodeLens on ws:// URLs in source files', async () => {
    const file = path.join(root(), 'wf-client.ts');
    await fs.writeFile(file, "// client\nexport const url = 'ws://127.0.0.1:9/socket';\nconst tpl = `ws://${'host'}`;\n");
    const uri = vscode.Uri.file(file);
    await vscode.workspace.openTextDocument(uri);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const mine = lenses.filter((l) => l.command?.command === 'websocketWorkbench.connectUrl');
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.command!.arguments?.[0], 'ws://127.0.0.1:9/socket');
    assert.equal(mine[0]!.range.start.line, 1);
    await fs.rm(file);
  });

  it('duplicates, renames and deletes (with confirmation) through the core, keeping the file valid', async () => {
    const node = { type: 'request', file: TEST_FILE(), request: 'wf-req' };
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.duplicate', node), 'wf-req copy');
    await waitFor(() => api.collections().find((c) => c.file === TEST_FILE())!.requests.includes('wf-req copy'), 5000, 'duplicate');
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.rename', { ...node, request: 'wf-req copy' }, 'wf-renamed'), 'wf-renamed');
    api._setPrompter({ confirm: async () => false });
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.delete', { ...node, request: 'wf-renamed' }), false);
    assert.ok(api.collections().find((c) => c.file === TEST_FILE())!.requests.includes('wf-renamed'));
    api._setPrompter({ confirm: async () => true });
    assert.equal(await vscode.commands.executeCommand('websocketWorkbench.delete', { ...node, request: 'wf-renamed' }), true);
    const c = api.collections().find((x) => x.file === TEST_FILE())!;
    assert.deepEqual(c.requests, ['wf-req', 'wf-unresolved']);
    assert.equal(c.ok, true);
  });

  // VS Code runs this suite with Workspace Trust disabled (--disable-workspace-trust): this is the
  // policy called with `false` by hand. Restricted Mode itself is driven by the integration-untrusted suite.
  it('trust policy called with isTrusted=false by hand: no auto-start, no workspace port settings (Restricted Mode itself: integration-untrusted)', async () => {
    assert.equal(api.trustPolicy(false).autoStartMocks, false);
    assert.equal(api.trustPolicy(false).readCollections, true);
    assert.equal(api.trustPolicy(false).workspacePortSettings, false);
    const cfg = vscode.workspace.getConfiguration('websocketWorkbench');
    await cfg.update('mock.autoStart', ['wf-mock'], vscode.ConfigurationTarget.Workspace);
    try {
      assert.deepEqual(await api.autoStartMocks(false), []);
      assert.equal(api.listMocks().length, 0);
      const started = await api.autoStartMocks(true);
      assert.equal(started.length, 1);
      assert.ok(api.listMocks().some((m) => m.name === 'wf-mock'));
    } finally {
      await cfg.update('mock.autoStart', undefined, vscode.ConfigurationTarget.Workspace);
    }
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('websocketWorkbench.mock.bindAddress'));
  });
});

/** Files under `dir` containing `needle` (bounded: skips node_modules and files over 32 MiB). */
async function scan(dir: string, needle: string, seen: string[]): Promise<string[]> {
  const hits: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') await walk(full);
      } else if (e.isFile()) {
        try {
          const st = await fs.stat(full);
          if (st.size > 32 * 1024 * 1024) continue;
          seen.push(full);
          const data = await fs.readFile(full);
          if (data.includes(bytes) || data.includes(Buffer.from(needle, 'utf16le'))) hits.push(full);
        } catch {
          // vanished or unreadable
        }
      }
    }
  };
  await walk(dir);
  return hits;
}
