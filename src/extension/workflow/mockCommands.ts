/**
 * Mock server commands: Start Mock Server…, Stop Mock Server, the status bar's mock actions, the
 * `websocket-mock` task provider, and auto-start (trusted workspaces only). Starting goes through
 * `startMock`, which adds what VS Code decides (bind address from settings and Workspace Trust,
 * warnings, logs, the shared mock timeline) before the registry starts the server.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CodedError } from '../../core/errors';
import type { Collection } from '../../core/collections/types';
import type { MockDefinition } from '../../core/engine/mock/definition';
import { toDisposable } from '../dispose';
import { settings } from './config';
import { isObj, offerManageTrust, registerCommand, str, type WorkflowContext } from './context';
import { connect } from './connectionCommands';
import { newCollection } from './collectionCommands';
import { loadMockCodecs } from './mockCodecs';
import { mockConnectTarget } from './mockConnect';
import type { RunningMock } from './mockRegistry';
import { MockTaskProvider, MOCK_TASK_TYPE } from './tasks';
import { MANAGE_TRUST_ACTION, restrictMockExposure, trustPolicy } from './trust';

const CTX_MOCKS = 'websocketWorkbench.mocksRunning';

/** Warning code: a restricted workspace ran a mock with safer settings than its definition asked for. */
export const UNTRUSTED_MOCK_DOWNGRADED = 'WSWB_UNTRUSTED_MOCK_DOWNGRADED';

export function register(ctx: WorkflowContext): vscode.Disposable[] {
  const control = { start: (file: string, name: string | undefined, opts: { quiet?: boolean }) => startMock(ctx, file, name, opts), stop: (id: string) => stopMock(ctx, id) };
  const disposables = [
    registerCommand(ctx, 'startMock', (arg) => startMockCommand(ctx, arg)),
    registerCommand(ctx, 'stopMock', (arg) => stopMockCommand(ctx, arg)),
    registerCommand(ctx, 'mockActions', () => mockActions(ctx)),
    registerCommand(ctx, 'copyMockUrl', (arg) => copyMockUrl(ctx, arg)),
    registerCommand(ctx, 'restartMock', (arg) => restartMock(ctx, arg)),
    registerCommand(ctx, 'connectMock', (arg) => connectMock(ctx, arg)),
    registerCommand(ctx, 'openMockFile', (arg) => openMockFile(ctx, arg)),
    vscode.tasks.registerTaskProvider(MOCK_TASK_TYPE, new MockTaskProvider(ctx.index, control)),
    toDisposable(ctx.mocks.onDidChange(() => void vscode.commands.executeCommand('setContext', CTX_MOCKS, ctx.mocks.list().length > 0))),
    // Workspace Trust: mocks auto-start only in a trusted workspace (and once trust is granted).
    vscode.workspace.onDidGrantWorkspaceTrust(() => void autoStart(ctx, true)),
  ];
  void ctx.index.ready.then(() => autoStart(ctx, vscode.workspace.isTrusted));
  return disposables;
}

/** Starts a definition from a collection file (by name; default its first mock) or a definition object. */
export async function startMock(ctx: WorkflowContext, fileOrDef: string | MockDefinition, name?: string, opts: { quiet?: boolean } = {}): Promise<RunningMock> {
  let def: MockDefinition;
  let file: string | undefined;
  let collection: Collection | undefined;
  if (typeof fileOrDef === 'string') {
    await ctx.index.settled();
    const entry = ctx.index.get(fileOrDef);
    if (!entry) throw new CodedError('WSWB_MOCK_NOT_FOUND', `no collection file ${fileOrDef}`);
    if (!entry.ok) throw new CodedError('WSWB_COLLECTION_INVALID', `${fileOrDef} has ${entry.errors.length} problem(s); fix them before starting a mock`);
    const mocks = entry.collection?.mocks ?? [];
    const found = name === undefined ? mocks[0] : mocks.find((m) => m.name === name);
    if (!found) throw new CodedError('WSWB_MOCK_NOT_FOUND', `no mock named "${name ?? '(first)'}" in ${fileOrDef}`);
    def = found;
    file = entry.file;
    collection = entry.collection;
  } else {
    def = fileOrDef;
  }
  const log = ctx.services.log;
  const isTrusted = vscode.workspace.isTrusted;
  const bind = settings.bindAddress(def.host, isTrusted);
  // Restricted Mode: the definition cannot widen its own exposure; say so whatever `quiet` asks.
  const exposure = restrictMockExposure(def, isTrusted);
  const downgrades = [...(bind.code === 'WSWB_UNTRUSTED_BIND_IGNORED' ? [`bind address ${def.host !== undefined ? JSON.stringify(def.host) : 'from the workspace settings'} ignored (listens on ${bind.host})`] : []), ...exposure.downgrades];
  if (downgrades.length) {
    const notice = `Restricted Mode: mock "${def.name}"${file ? ` from ${path.basename(file)}` : ''} runs with safe defaults: ${downgrades.join('; ')}.`;
    log.warn(`${UNTRUSTED_MOCK_DOWNGRADED} ${notice}`);
    offerManageTrust(ctx.prompts.notify('warning', notice, [MANAGE_TRUST_ACTION], UNTRUSTED_MOCK_DOWNGRADED));
  } else if (bind.warning) {
    if (!opts.quiet) void vscode.window.showWarningMessage(bind.warning);
    log.warn(`mock "${def.name}": ${bind.warning}`);
  }
  // The collection's codecs rules, as `websocket-workbench mock` loads them (.proto files relative to the collection).
  const codecs = collection && file && !ctx.mocks.find(def.name, file) ? await loadMockCodecs(collection, file, { isTrusted, workspaceRoots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) }) : undefined;
  if (codecs?.problems.length) {
    const notice = `Mock "${def.name}": ${codecs.problems.length} codecs problem(s) in ${path.basename(file!)}; those rules are left out: ${codecs.problems.join('; ')}`;
    log.warn(notice);
    if (!opts.quiet) void vscode.window.showWarningMessage(notice);
  }
  const m = await ctx.mocks.start(exposure.definition, {
    host: bind.host,
    ...(file ? { file } : {}),
    deps: { store: ctx.mockStore, payloadPreviewBytes: settings.payloadPreviewBytes(), log: (l) => log.debug(`mock "${def.name}": ${l}`), ...(codecs?.codecs ? { codecs: codecs.codecs } : {}) },
  });
  log.info(`mock "${m.name}" listening on ${m.url}`);
  if (!ctx.remoteMocks.attached(m)) await ctx.remoteMocks.attach(m);
  return m;
}

/** Copy Mock URL: the browser URL first in a remote window, else the one it listens on. Returns the URL copied. */
function copyMockUrl(ctx: WorkflowContext, arg: unknown): Promise<string | undefined> {
  return ctx.remoteMocks.copyMockUrl(arg, (items, o) => ctx.prompts.pick(items, o));
}

/** Stops a running mock (its clients are terminated); false when it was not running. */
export async function stopMock(ctx: WorkflowContext, id: string): Promise<boolean> {
  const m = ctx.mocks.get(id);
  const ok = await ctx.mocks.stop(id);
  if (ok && m) ctx.services.log.info(`mock "${m.name}" stopped`);
  return ok;
}

/** Starts the mocks named in `websocketWorkbench.mock.autoStart` (never in a restricted workspace). Returns their ids. */
export async function autoStart(ctx: WorkflowContext, isTrusted: boolean): Promise<string[]> {
  const started: string[] = [];
  if (!trustPolicy(isTrusted).autoStartMocks) return started;
  for (const name of settings.autoStartMocks(isTrusted)) {
    const ref = ctx.index.mocks().find((m) => m.mock.name === name);
    if (!ref) continue;
    try {
      started.push((await startMock(ctx, ref.file, name, { quiet: true })).id);
    } catch (err) {
      ctx.services.log.warn(`auto-start mock "${name}": ${(err as Error).message}`);
    }
  }
  return started;
}

/** Start Mock Server…: picks a definition from the collections. Returns { id, url }. */
async function startMockCommand(ctx: WorkflowContext, arg?: unknown): Promise<{ id: string; url: string } | undefined> {
  await ctx.index.settled();
  let file: string | undefined;
  let name: string | undefined;
  if (isObj(arg) && typeof arg.file === 'string') {
    file = arg.file;
    name = str(arg.name) ?? str(arg.mock);
  } else {
    const defs = ctx.index.mocks();
    if (!defs.length) {
      const choice = await vscode.window.showInformationMessage('No mock server is defined in the workspace\'s collections (a "mocks" array in a *.websocket.json file).', 'New Collection');
      if (choice) await newCollection(ctx);
      return undefined;
    }
    const picked = await ctx.prompts.pick(
      defs.map((d) => ({ label: `$(server) ${d.mock.name}`, description: ctx.mocks.find(d.mock.name, d.file)?.url ?? (d.mock.port ? `port ${d.mock.port}` : 'free port'), detail: vscode.workspace.asRelativePath(d.file), d })),
      { title: 'WebSocket: Start Mock Server', placeHolder: 'Pick a mock definition' },
    );
    if (!picked) return undefined;
    file = picked.d.file;
    name = picked.d.mock.name;
  }
  const m = await startMock(ctx, file, name);
  void vscode.window.showInformationMessage(`Mock "${m.name}" listening on ${m.url}${m.browserUrl && m.browserUrl !== m.url ? ` (browsers on your machine: ${m.browserUrl})` : ''}`, 'Copy URL', 'Connect').then(async (a) => {
    if (a === 'Copy URL') await copyMockUrl(ctx, { id: m.id });
    if (a === 'Connect') await connectMock(ctx, { id: m.id });
  });
  return { id: m.id, url: m.url };
}

async function stopMockCommand(ctx: WorkflowContext, arg?: unknown): Promise<boolean> {
  let id: string | undefined;
  if (isObj(arg) && typeof arg.id === 'string') id = arg.id;
  else if (isObj(arg) && arg.type === 'mock' && typeof arg.file === 'string' && typeof arg.mock === 'string') id = ctx.mocks.find(arg.mock, arg.file)?.id;
  else if (typeof arg === 'string') id = arg;
  else {
    const running = ctx.mocks.list();
    if (!running.length) {
      void vscode.window.showInformationMessage('No mock server is running.');
      return false;
    }
    const picked = running.length === 1 ? { m: running[0]! } : await ctx.prompts.pick(running.map((m) => ({ label: `$(server) ${m.name}`, description: m.url, m })), { title: 'WebSocket: Stop Mock Server' });
    id = picked?.m.id;
  }
  if (!id) return false;
  return stopMock(ctx, id);
}

/** The running mock a command names: `{ id }` (a Mock Servers view node) or its id. */
function runningFrom(ctx: WorkflowContext, arg: unknown): RunningMock {
  const id = isObj(arg) && typeof arg.id === 'string' ? arg.id : typeof arg === 'string' ? arg : undefined;
  const m = id ? ctx.mocks.get(id) : ctx.mocks.list()[0];
  if (!m) throw new CodedError('WSWB_MOCK_NOT_FOUND', 'That mock server is not running');
  return m;
}

/**
 * Connect to Mock Server: opens a panel on the running mock, speaking its protocol at its
 * endpoint's path with the options it asks for (mockConnect.ts). Returns the connection id.
 */
async function connectMock(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  const m = runningFrom(ctx, arg);
  return connect(ctx, mockConnectTarget(m.server.definition, m.url));
}

/** Restart: stops the mock and starts its definition again from the collection file as it is now. Returns the new { id, url }. */
async function restartMock(ctx: WorkflowContext, arg?: unknown): Promise<{ id: string; url: string }> {
  const m = runningFrom(ctx, arg);
  if (!m.file) throw new CodedError('WSWB_MOCK_NOT_FOUND', `Mock "${m.name}" was not started from a collection file: start it again instead`);
  await stopMock(ctx, m.id);
  const again = await startMock(ctx, m.file, m.name, { quiet: true });
  void vscode.window.showInformationMessage(`Mock "${again.name}" restarted on ${again.url}`);
  return { id: again.id, url: again.url };
}

/** Opens the collection file at the running mock's definition. */
async function openMockFile(ctx: WorkflowContext, arg?: unknown): Promise<void> {
  const m = runningFrom(ctx, arg);
  if (!m.file) throw new CodedError('WSWB_MOCK_NOT_FOUND', `Mock "${m.name}" has no collection file`);
  await vscode.commands.executeCommand('websocketWorkbench.revealInFile', { type: 'mock', file: m.file, mock: m.name });
}

/** The status bar's mock item: copy URL, connect, stop each running mock; start another. */
async function mockActions(ctx: WorkflowContext): Promise<void> {
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const items: Item[] = [];
  for (const m of ctx.mocks.list()) {
    items.push({ label: `$(copy) Copy ${m.browserUrl ?? m.url}`, description: m.name, run: () => copyMockUrl(ctx, { id: m.id }) });
    items.push({ label: `$(plug) Connect to ${m.name}`, run: () => connectMock(ctx, { id: m.id }) });
    items.push({ label: `$(debug-stop) Stop ${m.name}`, run: () => stopMock(ctx, m.id) });
  }
  items.push({ label: '$(play) Start Mock Server…', run: () => startMockCommand(ctx) });
  const picked = await ctx.prompts.pick(items, { title: 'WebSocket mock servers' });
  await picked?.run();
}
