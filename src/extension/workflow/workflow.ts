import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree } from '../../core/collections/jsonc';
import { Disposable, toDisposable } from '../dispose';
import type { Services } from '../services';
import { CollectionIndex, type RequestRef } from './collectionIndex';
import { PromptHolder } from './prompter';
import { SecretManager, SECRET_NAME } from './secrets';
import { MockHost } from './mocks';
import { CollectionsTree, ConnectionsTree, MocksTree, SessionsTree, type CollectionNode, type ConnectionNode, type RunningMockNode, type SessionNode } from './views';
import { WorkflowStatusBar } from './statusBar';
import { MockTaskProvider, MOCK_TASK_TYPE } from './tasks';
import { WsUrlCodeLensProvider } from './codeLens';
import { Recorder, SessionIndex, TRANSCRIPT_EXT, writableSessionsFolder } from './sessions';
import { RecentUrls, isWsUrl, openConnection, prepareRequest, safeUrl } from './connect';
import { settings } from './config';
import { MANAGE_TRUST_ACTION, MANAGE_TRUST_COMMAND, TrustGatedSecrets, UNTRUSTED_SECRET, trustPolicy } from './trust';
import { atomicWriteFile, editCollectionFile } from '../../core/collections/fsio';
import { addRequest, newCollectionText, removeMessage, removeRequest, renameMessage, renameRequest, updateCollection } from '../../core/collections/edit';
import { parseCollection } from '../../core/collections/parse';
import { resolveVariables, messagePayload, redact } from '../../core/collections/variables';
import { referencesIn, replaceReferences } from '../../core/collections/template';
import { toWebsocatCommand, toWscatCommand } from '../../core/collections/commandLine';
import { readTranscript, writeTranscript } from '../../core/collections/transcript';
import { importHar, exportHar } from '../../core/collections/har';
import { recordingToMock } from '../../core/engine/mock/recordToMock';
import { Connection } from '../../core/engine/connection';
import { TimelineStore } from '../../core/engine/timelineStore';
import type { MockDefinition } from '../../core/engine/mock/definition';
import type { Collection } from '../../core/collections/types';
import type { NewEvent, TimelineEvent } from '../../core/engine/events';
import type { WorkflowApi } from './api';

const ENV_KEY = 'websocketWorkbench.environment';
const GITIGNORE_ASKED = 'websocketWorkbench.sessionsGitignoreAsked';
const CTX_ACTIVE = 'websocketWorkbench.hasActiveConnection';
const CTX_MOCKS = 'websocketWorkbench.mocksRunning';

type Coded = Error & { code?: string };

function coded(code: string, message: string): Coded {
  return Object.assign(new Error(message), { code });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The VS Code workflow: collections, views, palette, status bar, secrets, mocks, tasks, CodeLens, sessions. */
export class Workflow extends Disposable {
  readonly prompts = new PromptHolder();
  readonly index: CollectionIndex;
  readonly secrets: SecretManager;
  readonly mocks: MockHost;
  readonly sessions: SessionIndex;
  readonly recorder: Recorder;
  readonly recent: RecentUrls;
  readonly statusBar: WorkflowStatusBar;
  private readonly connectionsTree: ConnectionsTree;
  private readonly trees: { collections: CollectionsTree; mocks: MocksTree; sessions: SessionsTree };
  private activeId: string | undefined;
  /** Secret values per connection, for redacting its recording and exports. */
  private readonly connectionSecrets = new Map<string, string[]>();
  private readonly connectionRequests = new Map<string, Record<string, unknown>>();

  constructor(private readonly services: Services) {
    super();
    const { context, log } = services;
    this.index = this._register(new CollectionIndex(log));
    this.secrets = this._register(new SecretManager(context.secrets, context.globalState));
    this.mocks = this._register(new MockHost(this.index, log, (message, actions, code) => this.prompts.notify('warning', message, actions, code)));
    this.sessions = this._register(new SessionIndex());
    this.recorder = this._register(new Recorder(log, context.workspaceState, this.sessions, String(context.extension.packageJSON.version ?? '0')));
    this.recent = new RecentUrls(context.globalState);

    // Views.
    this.trees = {
      collections: this._register(new CollectionsTree(this.index, this.mocks.registry)),
      mocks: this._register(new MocksTree(this.mocks.registry)),
      sessions: this._register(new SessionsTree(this.sessions)),
    };
    this.connectionsTree = this._register(new ConnectionsTree(services.connections, () => this.activeId));
    this._register(vscode.window.createTreeView('websocketWorkbench.collections', { treeDataProvider: this.trees.collections, showCollapseAll: true }));
    this._register(vscode.window.createTreeView('websocketWorkbench.connections', { treeDataProvider: this.connectionsTree }));
    this._register(vscode.window.createTreeView('websocketWorkbench.mocks', { treeDataProvider: this.trees.mocks }));
    this._register(vscode.window.createTreeView('websocketWorkbench.sessions', { treeDataProvider: this.trees.sessions }));

    // Active connection: the newest one, until the user picks another.
    this._register(toDisposable(services.connections.onDidChange((ch) => {
      if (ch.type === 'added') this.activeId = ch.connection.id;
      if (ch.type === 'removed') {
        this.connectionSecrets.delete(ch.connection.id);
        this.connectionRequests.delete(ch.connection.id);
        void this.recorder.stop(ch.connection.id);
        if (this.activeId === ch.connection.id) this.activeId = services.connections.list().filter((c) => c.state === 'open').pop()?.id;
      }
      void vscode.commands.executeCommand('setContext', CTX_ACTIVE, this.activeConnection()?.state === 'open');
      this.connectionsTree.refresh();
      this.statusBar.update();
    })));
    this._register(toDisposable(this.mocks.registry.onDidChange(() => void vscode.commands.executeCommand('setContext', CTX_MOCKS, this.mocks.registry.list().length > 0))));

    this.statusBar = this._register(new WorkflowStatusBar({
      connections: services.connections,
      activeConnectionId: () => this.activeId,
      environment: () => this.environment(),
      hasEnvironments: () => this.index.environments().length > 0,
      mocks: this.mocks.registry,
    }));
    this._register(this.index.onDidChange(() => this.statusBar.update()));

    // The panel resolves `{{name}}` with the active environment.
    services.panels.variableProvider = () => this.panelVariables();

    // Tasks and CodeLens.
    this._register(vscode.tasks.registerTaskProvider(MOCK_TASK_TYPE, new MockTaskProvider(this.index, this.mocks)));
    const lens = this._register(new WsUrlCodeLensProvider());
    this._register(vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }], lens));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('websocketWorkbench.codeLens')) lens.refresh();
    }));

    this.registerCommands();

    // Workspace Trust: mocks auto-start only in a trusted workspace (and once trust is granted).
    void this.index.ready.then(() => this.autoStart(vscode.workspace.isTrusted));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => void this.autoStart(true)));
  }

  // ------------------------------------------------------------------ state

  environment(): string | undefined {
    return str(this.services.context.workspaceState.get(ENV_KEY));
  }

  activeConnection(): Connection | undefined {
    return this.activeId ? this.services.connections.get(this.activeId) : undefined;
  }

  private async panelVariables(): Promise<Record<string, string>> {
    const env = this.environment();
    // No prototype: `{{constructor}}` is a variable name, not Object.prototype's member.
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    // Lowest precedence first: environment, then collection variables (request → collection → environment).
    for (const c of this.index.list()) {
      const envs = c.collection?.environments;
      if (env && envs && Object.hasOwn(envs, env)) Object.assign(out, envs[env]);
    }
    for (const c of this.index.list()) Object.assign(out, c.collection?.variables ?? {});
    // Restricted Mode: the panel gets no stored secrets either; `{{secret:…}}` stays unresolved there.
    if (!vscode.workspace.isTrusted) return out;
    for (const name of this.secrets.names()) {
      const v = await this.secrets.get(name);
      if (v !== undefined) out[`secret:${name}`] = v;
    }
    return out;
  }

  /** The stored secrets as a collection may use them: none while the workspace is restricted. */
  private gatedSecrets(): TrustGatedSecrets {
    return new TrustGatedSecrets(this.secrets, () => vscode.workspace.isTrusted);
  }

  /** Starts the mocks named in `websocketWorkbench.mock.autoStart` (never in a restricted workspace). */
  async autoStart(isTrusted: boolean): Promise<string[]> {
    const started: string[] = [];
    if (!trustPolicy(isTrusted).autoStartMocks) return started;
    for (const name of settings.autoStartMocks(isTrusted)) {
      const ref = this.index.mocks().find((m) => m.mock.name === name);
      if (!ref) continue;
      try {
        started.push((await this.mocks.start(ref.file, name, { quiet: true })).id);
      } catch (err) {
        this.services.log.warn(`auto-start mock "${name}": ${(err as Error).message}`);
      }
    }
    return started;
  }

  // --------------------------------------------------------------- commands

  private registerCommands(): void {
    const reg = (id: string, fn: (...args: any[]) => unknown) =>
      this._register(vscode.commands.registerCommand(`websocketWorkbench.${id}`, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (err) {
          const e = err as Coded;
          const message = redact(e.message ?? String(err), this.secrets.knownValues());
          this.services.log.error(`${id}: ${e.code ?? 'ERROR'} ${message}`);
          // Refusals of Restricted Mode offer the way out.
          const actions = e.code?.startsWith('WSWB_UNTRUSTED_') ? [MANAGE_TRUST_ACTION] : [];
          void this.prompts.notify('error', message, actions, e.code).then((a) => {
            if (a === MANAGE_TRUST_ACTION) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
          });
          return undefined;
        }
      }));
    reg('connect', (arg?: unknown) => this.connect(arg));
    reg('connectUrl', (url?: unknown) => this.connect(typeof url === 'string' ? { url } : url));
    reg('connectRequest', (arg?: unknown) => this.connect(arg));
    reg('sendMessage', (arg?: unknown) => this.sendMessage(arg));
    reg('disconnect', (arg?: unknown) => this.disconnect(arg));
    reg('focusConnection', (arg?: unknown) => this.focusConnection(arg));
    reg('connectionActions', () => this.connectionActions());
    reg('selectEnvironment', (arg?: unknown) => this.selectEnvironment(arg));
    reg('newCollection', (arg?: unknown) => this.newCollection(arg));
    reg('importHar', (arg?: unknown) => this.importHarCommand(arg));
    reg('exportSession', (arg?: unknown) => this.exportSession(arg));
    reg('startMock', (arg?: unknown) => this.startMockCommand(arg));
    reg('stopMock', (arg?: unknown) => this.stopMockCommand(arg));
    reg('mockActions', () => this.mockActions());
    reg('copyMockUrl', (arg?: unknown) => this.mocks.remote.copyMockUrl(arg, (items, o) => this.prompts.pick(items, o)));
    reg('copyAsWebsocat', (arg?: unknown) => this.copyAs('websocat', arg));
    reg('copyAsWscat', (arg?: unknown) => this.copyAs('wscat', arg));
    reg('setSecret', (arg?: unknown) => this.setSecret(arg));
    reg('deleteSecret', (arg?: unknown) => this.deleteSecret(arg));
    reg('duplicate', (arg?: unknown) => this.duplicate(arg));
    reg('rename', (arg?: unknown, to?: unknown) => this.rename(arg, to));
    reg('delete', (arg?: unknown) => this.deleteItem(arg));
    reg('revealInFile', (arg?: unknown) => this.revealInFile(arg));
    reg('refreshCollections', () => this.index.refresh());
    reg('recordSession', (arg?: unknown) => this.recordSession(arg));
    reg('stopRecording', (arg?: unknown) => this.stopRecording(arg));
    reg('openSession', (arg?: unknown) => this.openSession(arg));
    reg('replaySession', (arg?: unknown, opts?: unknown) => this.replaySession(arg, opts));
    reg('sessionToMock', (arg?: unknown, target?: unknown) => this.sessionToMock(arg, target));
  }

  /** Connect…: saved requests, "Enter URL…", recent URLs. Returns the connection id. */
  async connect(arg?: unknown): Promise<string | undefined> {
    let ref: RequestRef | undefined;
    let url: string | undefined;
    if (isObj(arg) && typeof arg.file === 'string' && typeof arg.request === 'string') {
      await this.index.settled();
      ref = this.index.findRequest(arg.file, arg.request);
      if (!ref) throw coded('WSWB_REQUEST_NOT_FOUND', `no request "${arg.request}" in ${arg.file}`);
    } else if (isObj(arg) && typeof arg.url === 'string') {
      url = arg.url;
    } else {
      await this.index.settled();
      type Item = vscode.QuickPickItem & { ref?: RequestRef; url?: string; enter?: boolean };
      const items: Item[] = [];
      const reqs = this.index.requests();
      if (reqs.length) items.push({ label: 'Saved requests', kind: vscode.QuickPickItemKind.Separator });
      for (const r of reqs) items.push({ label: `$(plug) ${r.request.name}`, description: r.request.url, detail: vscode.workspace.asRelativePath(r.file), ref: r });
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
      items.push({ label: '$(edit) Enter URL…', alwaysShow: true, enter: true });
      const recent = this.recent.list();
      if (recent.length) items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
      for (const u of recent) items.push({ label: `$(history) ${u}`, url: u });
      const picked = await this.prompts.pick(items, { title: 'WebSocket: Connect', placeHolder: 'Pick a saved request or enter a ws:// or wss:// URL', matchOnDescription: true });
      if (!picked) return undefined;
      if (picked.ref) ref = picked.ref;
      else if (picked.url) url = picked.url;
      else {
        url = await this.prompts.input({
          title: 'WebSocket: Connect',
          prompt: 'ws:// or wss:// URL',
          placeHolder: 'wss://echo.example.com/socket',
          value: recent[0] ?? 'ws://127.0.0.1:8080/',
          validateInput: (v) => (isWsUrl(v) ? undefined : 'Enter a ws:// or wss:// URL'),
        });
        if (!url) return undefined;
      }
    }
    if (ref) {
      const prepared = await prepareRequest(ref, this.environment(), this.secrets);
      if (!prepared.ok && prepared.code === UNTRUSTED_SECRET) throw coded(prepared.code, prepared.message);
      if (!prepared.ok) {
        // Reported before connecting; nothing is sent with a literal {{name}}.
        const secret = prepared.unresolved.find((n) => n.startsWith('secret:'));
        this.services.log.warn(`connect: ${prepared.code} ${prepared.message}`);
        void vscode.window.showErrorMessage(prepared.message, ...(secret ? ['Set Secret…'] : [])).then((choice) => {
          if (choice && secret) void this.setSecret({ name: secret.slice(7) });
        });
        return undefined;
      }
      const c = await openConnection(this.services, prepared.options, { source: { file: ref.file, request: ref.request.name }, secrets: prepared.resolved.secretValues });
      if (c) {
        this.connectionSecrets.set(c.id, prepared.resolved.secretValues);
        this.connectionRequests.set(c.id, redact({ ...ref.request }, prepared.resolved.secretValues) as unknown as Record<string, unknown>);
        this.activeId = c.id;
        this.statusBar.update();
      }
      return c?.id;
    }
    url = url!.trim();
    if (!isWsUrl(url)) throw coded('WSWB_BAD_URL', `Not a ws:// or wss:// URL: ${safeUrl(url)}`);
    await this.recent.add(safeUrl(url, this.secrets.knownValues()));
    const c = await openConnection(this.services, { ...settings.defaultConnectionOptions(), url });
    if (c) {
      this.activeId = c.id;
      this.statusBar.update();
    }
    return c?.id;
  }

  private connectionFrom(arg: unknown): Connection | undefined {
    if (isObj(arg) && typeof arg.connectionId === 'string') return this.services.connections.get(arg.connectionId);
    if (isObj(arg) && arg.type === 'connection' && typeof arg.id === 'string') return this.services.connections.get(arg.id);
    return this.activeConnection();
  }

  /** Send Message…: to the active connection, a saved message or typed text. */
  async sendMessage(arg?: unknown): Promise<boolean> {
    const c = this.connectionFrom(arg);
    if (!c || c.state !== 'open') throw coded('WSWB_NO_ACTIVE_CONNECTION', 'No open WebSocket connection: use "WebSocket: Connect…" first');
    // A message node from the tree, or { file, request, message }.
    if (isObj(arg) && typeof arg.file === 'string' && typeof arg.request === 'string' && typeof arg.message === 'string') {
      return this.sendSaved(c, arg.file, arg.request, arg.message);
    }
    if (isObj(arg) && typeof arg.text === 'string') {
      c.sendText(arg.text);
      return true;
    }
    await this.index.settled();
    type Item = vscode.QuickPickItem & { send?: () => Promise<boolean>; typed?: boolean };
    const items: Item[] = [{ label: '$(edit) Type a message…', typed: true, alwaysShow: true }];
    for (const r of this.index.requests()) {
      for (const m of r.request.messages ?? []) {
        items.push({ label: `$(comment) ${m.name}`, description: `${r.request.name} · ${m.kind}`, detail: vscode.workspace.asRelativePath(r.file), send: () => this.sendSaved(c, r.file, r.request.name, m.name) });
      }
    }
    const picked = await this.prompts.pick(items, { title: `Send to ${safeUrl(c.options.url)}`, placeHolder: 'Pick a saved message or type one', matchOnDescription: true });
    if (!picked) return false;
    if (picked.send) return picked.send();
    const text = await this.prompts.input({ title: `Send to ${safeUrl(c.options.url)}`, prompt: 'Text message ({{variables}} are resolved)' });
    if (text === undefined) return false;
    const vars = await this.panelVariables();
    const missing = [...new Set(referencesIn(text))].filter((k) => vars[k] === undefined);
    if (missing.length) throw coded('WSWB_UNRESOLVED_VARIABLE', `Not sent: unresolved ${missing.join(', ')}`);
    c.sendText(replaceReferences(text, (k) => vars[k]));
    return true;
  }

  private async sendSaved(c: Connection, file: string, requestName: string, messageName: string): Promise<boolean> {
    await this.index.settled();
    const ref = this.index.findRequest(file, requestName);
    const m = ref?.request.messages?.find((x) => x.name === messageName);
    if (!ref || !m) throw coded('WSWB_MESSAGE_NOT_FOUND', `no message "${messageName}" in request "${requestName}"`);
    const env = this.environment();
    // Only the message's own references matter here (the URL and auth were resolved when connecting).
    const onlyMessage = { name: ref.request.name, url: '', messages: [m], ...(ref.request.variables ? { variables: ref.request.variables } : {}) };
    const gate = this.gatedSecrets();
    const resolved = await resolveVariables(ref.collection, onlyMessage, {
      ...(env !== undefined && ref.collection.environments?.[env] ? { environment: env } : {}),
      secrets: gate,
    });
    if (gate.refused.size) throw coded(UNTRUSTED_SECRET, gate.refusal(`Message "${m.name}"`).message);
    if (!resolved.ok) throw coded('WSWB_UNRESOLVED_VARIABLE', `"${m.name}" not sent: ${resolved.errors.map((e) => e.message).join('; ')}`);
    const p = messagePayload(m, resolved);
    if (p.binary) c.sendBinary(p.data);
    else c.sendText(p.text);
    return true;
  }

  async disconnect(arg?: unknown): Promise<boolean> {
    const c = this.connectionFrom(arg);
    if (!c) throw coded('WSWB_NO_ACTIVE_CONNECTION', 'No active WebSocket connection');
    if (c.state === 'open' || c.state === 'connecting') await Promise.race([c.close(1000, ''), new Promise((r) => setTimeout(r, 3000))]);
    return true;
  }

  private focusConnection(arg?: unknown): void {
    const c = this.connectionFrom(arg);
    if (!c) return;
    this.activeId = c.id;
    this.connectionsTree.refresh();
    this.statusBar.update();
    this.services.panels.openForConnection(c);
  }

  private async connectionActions(): Promise<void> {
    const c = this.activeConnection();
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = [];
    if (c) {
      items.push({ label: '$(window) Show Panel', run: () => this.services.panels.openForConnection(c) });
      if (c.state === 'open') {
        items.push({ label: '$(send) Send Message…', run: () => this.sendMessage() });
        items.push({ label: '$(pulse) Ping', run: () => c.ping() });
        items.push(this.recorder.isRecording(c.id) ? { label: '$(debug-stop) Stop Recording', run: () => this.stopRecording() } : { label: '$(record) Record Session', run: () => this.recordSession() });
        items.push({ label: '$(debug-disconnect) Disconnect', run: () => this.disconnect() });
      }
    }
    for (const o of this.services.connections.list().filter((x) => x.id !== c?.id)) {
      items.push({ label: `$(arrow-swap) Switch to ${safeUrl(o.options.url)}`, description: o.state, run: () => this.focusConnection({ connectionId: o.id }) });
    }
    items.push({ label: '$(plug) Connect…', run: () => this.connect() });
    const picked = await this.prompts.pick(items, { title: 'WebSocket connection' });
    await picked?.run();
  }

  /** Select Environment: one active per workspace (workspaceState). Returns the new one. */
  async selectEnvironment(arg?: unknown): Promise<string | undefined> {
    await this.index.settled();
    let name: string | undefined | null = typeof arg === 'string' ? arg : isObj(arg) && 'name' in arg ? (arg.name as string | null) : undefined;
    if (name === undefined) {
      const current = this.environment();
      const items: Array<vscode.QuickPickItem & { value: string | null }> = [
        { label: '$(circle-slash) No Environment', value: null },
        ...this.index.environments().map((e) => ({ label: `${e === current ? '$(check)' : '$(symbol-namespace)'} ${e}`, value: e as string | null })),
      ];
      const picked = await this.prompts.pick(items, { title: 'WebSocket: Select Environment', placeHolder: current ? `Active: ${current}` : 'No environment is active' });
      if (!picked) return this.environment();
      name = picked.value;
    }
    await this.services.context.workspaceState.update(ENV_KEY, name ?? undefined);
    this.statusBar.update();
    return this.environment();
  }

  /** New Collection: writes `<name>.websocket.json` (atomically) and opens it. Returns its path. */
  async newCollection(arg?: unknown): Promise<string | undefined> {
    const folder = (isObj(arg) && typeof arg.folder === 'string' ? arg.folder : undefined) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) throw coded('WSWB_NO_WORKSPACE', 'Open a folder first: collections live in the workspace');
    const name = (isObj(arg) && typeof arg.name === 'string' ? arg.name : undefined) ?? (await this.prompts.input({ title: 'WebSocket: New Collection', prompt: 'Collection name', value: 'My API', validateInput: (v) => (v.trim() ? undefined : 'Enter a name') }));
    if (!name) return undefined;
    const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'collection';
    let file = path.join(folder, `${slug}.websocket.json`);
    for (let i = 2; await exists(file); i++) file = path.join(folder, `${slug}-${i}.websocket.json`);
    const text = newCollectionText(name.trim());
    const withSchema = text.replace('{\n', '{\n  "$schema": "https://raw.githubusercontent.com/websocket-workbench/websocket-workbench/main/schemas/websocket-collection.schema.json",\n');
    await atomicWriteFile(file, parseCollection(withSchema, file).ok ? withSchema : text);
    await this.index.load(vscode.Uri.file(file));
    if (!(isObj(arg) && arg.open === false)) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
    return file;
  }

  // ------------------------------------------------------------------- mocks

  /** Start Mock Server…: picks a definition from the collections. Returns { id, url }. */
  async startMockCommand(arg?: unknown): Promise<{ id: string; url: string } | undefined> {
    await this.index.settled();
    let file: string | undefined;
    let name: string | undefined;
    if (isObj(arg) && typeof arg.file === 'string') {
      file = arg.file;
      name = str(arg.name) ?? str(arg.mock);
    } else {
      const defs = this.index.mocks();
      if (!defs.length) {
        const choice = await vscode.window.showInformationMessage('No mock server is defined in the workspace\'s collections (a "mocks" array in a *.websocket.json file).', 'New Collection');
        if (choice) await this.newCollection();
        return undefined;
      }
      const picked = await this.prompts.pick(
        defs.map((d) => ({ label: `$(server) ${d.mock.name}`, description: this.mocks.registry.find(d.mock.name, d.file)?.url ?? (d.mock.port ? `port ${d.mock.port}` : 'free port'), detail: vscode.workspace.asRelativePath(d.file), d })),
        { title: 'WebSocket: Start Mock Server', placeHolder: 'Pick a mock definition' },
      );
      if (!picked) return undefined;
      file = picked.d.file;
      name = picked.d.mock.name;
    }
    const m = await this.mocks.start(file, name);
    void vscode.window.showInformationMessage(`Mock "${m.name}" listening on ${m.url}${m.browserUrl && m.browserUrl !== m.url ? ` (browsers on your machine: ${m.browserUrl})` : ''}`, 'Copy URL', 'Connect').then(async (a) => {
      if (a === 'Copy URL') await this.mocks.remote.copyMockUrl({ id: m.id }, (items, o) => this.prompts.pick(items, o));
      if (a === 'Connect') await this.connect({ url: m.url });
    });
    return { id: m.id, url: m.url };
  }

  async stopMockCommand(arg?: unknown): Promise<boolean> {
    let id: string | undefined;
    if (isObj(arg) && typeof arg.id === 'string') id = arg.id;
    else if (isObj(arg) && arg.type === 'mock' && typeof arg.file === 'string' && typeof arg.mock === 'string') id = this.mocks.registry.find(arg.mock, arg.file)?.id;
    else if (typeof arg === 'string') id = arg;
    else {
      const running = this.mocks.registry.list();
      if (!running.length) {
        void vscode.window.showInformationMessage('No mock server is running.');
        return false;
      }
      const picked = running.length === 1 ? { m: running[0]! } : await this.prompts.pick(running.map((m) => ({ label: `$(server) ${m.name}`, description: m.url, m })), { title: 'WebSocket: Stop Mock Server' });
      id = picked?.m.id;
    }
    if (!id) return false;
    return this.mocks.stop(id);
  }

  private async mockActions(): Promise<void> {
    type Item = vscode.QuickPickItem & { run: () => unknown };
    const items: Item[] = [];
    for (const m of this.mocks.registry.list()) {
      items.push({ label: `$(copy) Copy ${m.browserUrl ?? m.url}`, description: m.name, run: () => this.mocks.remote.copyMockUrl({ id: m.id }, (i, o) => this.prompts.pick(i, o)) });
      items.push({ label: `$(plug) Connect to ${m.name}`, run: () => this.connect({ url: m.url }) });
      items.push({ label: `$(debug-stop) Stop ${m.name}`, run: () => this.mocks.stop(m.id) });
    }
    items.push({ label: '$(play) Start Mock Server…', run: () => this.startMockCommand() });
    const picked = await this.prompts.pick(items, { title: 'WebSocket mock servers' });
    await picked?.run();
  }

  // --------------------------------------------------------- copy / secrets

  private async requestFrom(arg: unknown, title: string): Promise<RequestRef | undefined> {
    await this.index.settled();
    if (isObj(arg) && typeof arg.file === 'string' && typeof arg.request === 'string') {
      const ref = this.index.findRequest(arg.file, arg.request);
      if (!ref) throw coded('WSWB_REQUEST_NOT_FOUND', `no request "${arg.request}" in ${arg.file}`);
      return ref;
    }
    const picked = await this.prompts.pick(
      this.index.requests().map((r) => ({ label: r.request.name, description: r.request.url, detail: vscode.workspace.asRelativePath(r.file), r })),
      { title, placeHolder: 'Pick a saved request' },
    );
    return picked?.r;
  }

  /** Copy as websocat / wscat (secrets masked). Returns the command line. */
  async copyAs(tool: 'websocat' | 'wscat', arg?: unknown): Promise<string | undefined> {
    const ref = await this.requestFrom(arg, `Copy as ${tool}`);
    if (!ref) return undefined;
    const env = this.environment();
    const gate = this.gatedSecrets();
    const resolved = await resolveVariables(ref.collection, ref.request, { ...(env !== undefined && ref.collection.environments?.[env] ? { environment: env } : {}), secrets: gate });
    if (gate.refused.size) throw coded(UNTRUSTED_SECRET, gate.refusal(`"${ref.request.name}"`).message);
    if (!resolved.ok) throw coded('WSWB_UNRESOLVED_VARIABLE', `Cannot build the command: ${resolved.errors.map((e) => e.message).join('; ')}`);
    const line = tool === 'websocat' ? toWebsocatCommand(ref.request, resolved) : toWscatCommand(ref.request, resolved);
    await vscode.env.clipboard.writeText(line);
    void vscode.window.setStatusBarMessage(`Copied ${tool} command${resolved.secretValues.length ? ' (secrets masked)' : ''}`, 3000);
    return line;
  }

  /** Set Secret…: the value goes through a password input box into SecretStorage, nowhere else. */
  async setSecret(arg?: unknown): Promise<string | undefined> {
    let name = isObj(arg) ? str(arg.name) : str(arg);
    if (!name) {
      await this.index.settled();
      const referenced = new Set<string>();
      for (const c of this.index.list()) for (const k of referencesIn(c.text ?? '')) if (k.startsWith('secret:')) referenced.add(k.slice(7));
      for (const n of this.secrets.names()) referenced.add(n);
      const items: Array<vscode.QuickPickItem & { value?: string }> = [...referenced].sort().map((n) => ({ label: `$(key) ${n}`, description: this.secrets.names().includes(n) ? 'set' : 'not set', value: n }));
      items.push({ label: '$(add) New secret name…' });
      const picked = items.length > 1 ? await this.prompts.pick(items, { title: 'WebSocket: Set Secret', placeHolder: 'Secrets are referenced in collections as {{secret:name}}' }) : items[0];
      if (!picked) return undefined;
      name = picked.value ?? (await this.prompts.input({ title: 'WebSocket: Set Secret', prompt: 'Secret name (use it as {{secret:name}})', validateInput: (v) => (SECRET_NAME.test(v) ? undefined : 'Letters, digits, _ . - (not starting with a digit)') }));
      if (!name) return undefined;
    }
    if (!SECRET_NAME.test(name)) throw coded('WSWB_BAD_SECRET_NAME', `Invalid secret name "${name}"`);
    const value = await this.prompts.input({ title: `Secret "${name}"`, prompt: 'Stored in VS Code\'s secret storage, never in a file', password: true, ignoreFocusOut: true });
    if (value === undefined) return undefined;
    await this.secrets.set(name, value);
    this.services.log.info(`secret "${name}" set`);
    return name;
  }

  async deleteSecret(arg?: unknown): Promise<boolean> {
    let name = isObj(arg) ? str(arg.name) : str(arg);
    if (!name) {
      const picked = await this.prompts.pick(this.secrets.names().map((n) => ({ label: n })), { title: 'WebSocket: Delete Secret' });
      name = picked?.label;
    }
    if (!name) return false;
    await this.secrets.delete(name);
    return true;
  }

  // ----------------------------------------------------- tree item editing

  private node(arg: unknown): CollectionNode {
    if (isObj(arg) && typeof arg.file === 'string' && typeof arg.type === 'string') return arg as unknown as CollectionNode;
    throw coded('WSWB_NO_SELECTION', 'Run this from an item of the Collections view');
  }

  /** Duplicates a request or message ("name copy"). Returns the new name. */
  async duplicate(arg?: unknown): Promise<string | undefined> {
    const n = this.node(arg);
    const entry = await this.fresh(n.file);
    const c = entry?.collection;
    if (!c) throw coded('WSWB_COLLECTION_INVALID', 'Fix the file\'s problems first');
    if (n.type === 'request') {
      const r = c.requests?.find((x) => x.name === n.request);
      if (!r) return undefined;
      const name = uniqueName(`${r.name} copy`, (c.requests ?? []).map((x) => x.name));
      await this.edit(n.file, (t) => addRequest(t, { ...structuredClone(r), name }), entry.text);
      return name;
    }
    if (n.type === 'message') {
      const r = c.requests?.find((x) => x.name === n.request);
      const m = r?.messages?.find((x) => x.name === n.message);
      if (!r || !m) return undefined;
      const name = uniqueName(`${m.name} copy`, (r.messages ?? []).map((x) => x.name));
      const next: Collection = structuredClone(c);
      const nr = next.requests!.find((x) => x.name === n.request)!;
      const idx = nr.messages!.findIndex((x) => x.name === n.message);
      nr.messages!.splice(idx + 1, 0, { ...structuredClone(m), name });
      await this.edit(n.file, (t) => updateCollection(t, next), entry.text);
      return name;
    }
    if (n.type === 'mock') {
      const m = c.mocks?.find((x) => x.name === n.mock);
      if (!m) return undefined;
      const name = uniqueName(`${m.name} copy`, (c.mocks ?? []).map((x) => x.name));
      const next: Collection = structuredClone(c);
      const copy: MockDefinition = { ...structuredClone(m), name };
      // Two mocks on one fixed port cannot both run.
      if (copy.port) delete copy.port;
      next.mocks!.push(copy);
      await this.edit(n.file, (t) => updateCollection(t, next), entry.text);
      return name;
    }
    return undefined;
  }

  /** Renames a request, message or mock. Returns the new name. */
  async rename(arg?: unknown, to?: unknown): Promise<string | undefined> {
    const n = this.node(arg);
    const entry = await this.fresh(n.file);
    const c = entry?.collection;
    if (!c) throw coded('WSWB_COLLECTION_INVALID', 'Fix the file\'s problems first');
    const current = n.type === 'request' ? n.request : n.type === 'message' ? n.message : n.type === 'mock' ? n.mock : c.name;
    const siblings = n.type === 'request' ? (c.requests ?? []).map((x) => x.name) : n.type === 'message' ? (c.requests?.find((x) => x.name === n.request)?.messages ?? []).map((x) => x.name) : n.type === 'mock' ? (c.mocks ?? []).map((x) => x.name) : [];
    const name = typeof to === 'string' ? to : await this.prompts.input({ title: `Rename "${current}"`, value: current, validateInput: (v) => (!v.trim() ? 'Enter a name' : v !== current && siblings.includes(v) ? 'That name is taken' : undefined) });
    if (!name || name === current) return undefined;
    if (siblings.includes(name)) throw coded('WSWB_NAME_TAKEN', `"${name}" already exists`);
    if (n.type === 'request') await this.edit(n.file, (t) => renameRequest(t, n.request, name), entry.text);
    else if (n.type === 'message') await this.edit(n.file, (t) => renameMessage(t, n.request, n.message, name), entry.text);
    else {
      const next: Collection = structuredClone(c);
      if (n.type === 'mock') next.mocks!.find((x) => x.name === n.mock)!.name = name;
      else next.name = name;
      await this.edit(n.file, (t) => updateCollection(t, next), entry.text);
    }
    return name;
  }

  /** Deletes a request, message or mock after a modal confirmation. */
  async deleteItem(arg?: unknown): Promise<boolean> {
    const n = this.node(arg);
    const entry = await this.fresh(n.file);
    const c = entry?.collection;
    if (!c || n.type === 'file') throw coded('WSWB_COLLECTION_INVALID', 'Only requests, messages and mocks of a valid file can be deleted here');
    const what = n.type === 'request' ? `request "${n.request}"` : n.type === 'message' ? `message "${n.message}" of "${n.request}"` : `mock "${n.mock}"`;
    if (!(await this.prompts.confirm(`Delete ${what} from ${path.basename(n.file)}?`, 'Delete'))) return false;
    if (n.type === 'request') await this.edit(n.file, (t) => removeRequest(t, n.request), entry.text);
    else if (n.type === 'message') await this.edit(n.file, (t) => removeMessage(t, n.request, n.message), entry.text);
    else {
      const next: Collection = structuredClone(c);
      next.mocks = next.mocks!.filter((x) => x.name !== n.mock);
      await this.edit(n.file, (t) => updateCollection(t, next), entry.text);
    }
    return true;
  }

  /** Re-reads a file before an edit, so the edit starts from what is on disk now (the watcher may lag). */
  private async fresh(file: string): Promise<ReturnType<CollectionIndex['get']>> {
    await this.index.settled();
    await this.index.load(vscode.Uri.file(file));
    return this.index.get(file);
  }

  /** Read-modify-write through the core (atomic; refuses invalid or externally changed files). */
  private async edit(file: string, fn: (text: string) => string, expectedText?: string): Promise<void> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.resolve(file));
    if (doc?.isDirty) throw coded('WSWB_FILE_DIRTY', `${path.basename(file)} has unsaved changes in an editor; save or revert it first`);
    await editCollectionFile(file, fn, expectedText !== undefined ? { expectedText } : {});
    await this.index.load(vscode.Uri.file(file));
  }

  /** Opens the file with the item selected. */
  async revealInFile(arg?: unknown): Promise<void> {
    const n = this.node(arg);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(n.file));
    const text = doc.getText();
    const tree = parseTree(text);
    let jsonPath: Array<string | number> = [];
    const c = this.index.get(n.file)?.collection;
    if (c && n.type !== 'file') {
      if (n.type === 'mock') jsonPath = ['mocks', (c.mocks ?? []).findIndex((m) => m.name === n.mock)];
      else {
        const ri = (c.requests ?? []).findIndex((r) => r.name === n.request);
        jsonPath = ['requests', ri];
        if (n.type === 'message') jsonPath.push('messages', (c.requests?.[ri]?.messages ?? []).findIndex((m) => m.name === n.message));
      }
    }
    const node = tree && jsonPath.length ? findNodeAtLocation(tree, jsonPath) : undefined;
    const range = node ? new vscode.Range(doc.positionAt(node.offset), doc.positionAt(node.offset + node.length)) : new vscode.Range(0, 0, 0, 0);
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(range.start, range.start), preview: true, preserveFocus: true });
    const editor = vscode.window.activeTextEditor;
    editor?.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  // ---------------------------------------------------------------- sessions

  /** Starts recording a connection into a transcript under the sessions folder. Returns the file. */
  async recordSession(arg?: unknown): Promise<string | undefined> {
    const c = this.connectionFrom(arg);
    if (!c) throw coded('WSWB_NO_ACTIVE_CONNECTION', 'No connection to record');
    const rec = await this.recorder.start(c, {
      secrets: [...(this.connectionSecrets.get(c.id) ?? []), ...this.secrets.knownValues()],
      ...(this.connectionRequests.get(c.id) ? { request: this.connectionRequests.get(c.id)! } : {}),
      offerGitignore: (folder) => this.offerGitignore(folder),
    });
    const off = c.onEvent((e) => {
      if (e.kind === 'state' && e.state === 'closed' && !c.options.reconnect?.enabled) {
        off();
        void rec.stop();
      }
    });
    return rec.file;
  }

  async stopRecording(arg?: unknown): Promise<boolean> {
    const c = this.connectionFrom(arg);
    if (c) return this.recorder.stop(c.id);
    const any = this.recorder.list()[0];
    return any ? this.recorder.stop(any.connectionId) : false;
  }

  /** Offers (once per workspace) a .gitignore in the sessions folder: recordings may hold private data. */
  private async offerGitignore(folder: string): Promise<void> {
    const ignore = path.join(folder, '.gitignore');
    if (await exists(ignore)) return;
    const state = this.services.context.workspaceState;
    if (state.get(GITIGNORE_ASKED)) return;
    await state.update(GITIGNORE_ASKED, true);
    void vscode.window.showInformationMessage(`Session recordings go to ${vscode.workspace.asRelativePath(folder)}. Keep them out of git?`, 'Add .gitignore').then(async (a) => {
      if (a) await atomicWriteFile(ignore, '# WebSocket Workbench session transcripts\n*\n!.gitignore\n');
    });
  }

  private sessionFile(arg: unknown): string | undefined {
    if (typeof arg === 'string') return arg;
    if (isObj(arg) && typeof arg.file === 'string') return arg.file;
    if (arg instanceof vscode.Uri) return arg.fsPath;
    return undefined;
  }

  private async pickSession(arg: unknown, title: string): Promise<string | undefined> {
    const f = this.sessionFile(arg);
    if (f) return f;
    await this.sessions.refresh();
    const picked = await this.prompts.pick(this.sessions.list().map((file) => ({ label: path.basename(file), description: vscode.workspace.asRelativePath(path.dirname(file)), file })), { title });
    return picked?.file;
  }

  /** Opens a transcript in a workbench panel, not connected (its text when it holds no events). */
  async openSession(arg?: unknown): Promise<{ events: number } | undefined> {
    const file = await this.pickSession(arg, 'Open Session');
    if (!file) return undefined;
    const t = await readTranscript(file);
    const hs = t.events.find((e) => e.kind === 'handshake');
    const url = hs?.kind === 'handshake' ? hs.request.url : str((t.header?.request as Record<string, unknown> | undefined)?.url);
    if (!url || !t.events.length) {
      // Nothing a panel can show (empty or header-only): the text is the truth.
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      await vscode.window.showTextDocument(doc, { preview: true });
      return;
    }
    // A timeline of its own, filled from the file, behind a connection that is never connected:
    // the panel shows it like a live one, and nothing is sent unless the user connects on purpose.
    const store = new TimelineStore({ memoryBudgetBytes: settings.memoryBudgetBytes() });
    for (const e of t.events) {
      const { id: _id, ...rest } = e;
      store.append(rest as NewEvent);
    }
    const c = new Connection({ url }, { store, id: `session:${path.basename(file, TRANSCRIPT_EXT)}` });
    const wp = this.services.panels.openForConnection(c);
    wp.onDidDispose(() => {
      c.dispose();
      void store.dispose();
    });
    return { events: store.length };
  }

  /** Replays a transcript as a client: same URL, same outgoing messages, original or compressed timing. Returns the connection id. */
  async replaySession(arg?: unknown, opts?: unknown): Promise<string | undefined> {
    const file = await this.pickSession(arg, 'Replay Session');
    if (!file) return undefined;
    const t = await readTranscript(file);
    const hs = t.events.find((e) => e.kind === 'handshake');
    const url = (isObj(opts) && typeof opts.url === 'string' ? opts.url : undefined) ?? (hs?.kind === 'handshake' ? hs.request.url : str((t.header?.request as Record<string, unknown> | undefined)?.url));
    if (!url || !isWsUrl(url)) throw coded('WSWB_TRANSCRIPT_NO_URL', 'The transcript does not say which URL it connected to');
    let timing = isObj(opts) ? str(opts.timing) : undefined;
    if (!timing) {
      const picked = await this.prompts.pick([{ label: 'Original timing', value: 'original' }, { label: 'Compressed (no waiting)', value: 'compressed' }], { title: `Replay to ${safeUrl(url)}` });
      if (!picked) return undefined;
      timing = picked.value;
    }
    const out = t.events.filter((e): e is Extract<TimelineEvent, { kind: 'message' }> => e.kind === 'message' && e.dir === 'out');
    const c = await openConnection(this.services, { ...settings.defaultConnectionOptions(), url });
    if (!c || c.state !== 'open') return c?.id;
    const t0 = out[0]?.time ?? 0;
    const start = Date.now();
    void (async () => {
      for (const m of out) {
        if (timing === 'original') {
          const wait = m.time - t0 - (Date.now() - start);
          if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
        }
        if (c.state !== 'open') return;
        if (m.binary) c.sendBinary(m.data);
        else c.sendText(Buffer.from(m.data).toString('utf8'));
      }
    })();
    return c.id;
  }

  /** Turns a transcript into a mock definition appended to a collection. Returns { file, name }. */
  async sessionToMock(arg?: unknown, target?: unknown): Promise<{ file: string; name: string } | undefined> {
    const file = await this.pickSession(arg, 'Session to Mock');
    if (!file) return undefined;
    const t = await readTranscript(file);
    await this.index.settled();
    let collectionFile = typeof target === 'string' ? target : isObj(target) ? str(target.file) : undefined;
    if (!collectionFile) {
      const valid = this.index.list().filter((c) => c.ok);
      const picked = await this.prompts.pick([...valid.map((c) => ({ label: c.collection!.name, description: vscode.workspace.asRelativePath(c.file), file: c.file as string | undefined })), { label: '$(new-file) New Collection…', file: undefined }], { title: 'Add the mock to which collection?' });
      if (!picked) return undefined;
      collectionFile = picked.file ?? (await this.newCollection({ open: false }));
      if (!collectionFile) return undefined;
    }
    const entry = await this.fresh(collectionFile);
    if (!entry?.collection) throw coded('WSWB_COLLECTION_INVALID', `${path.basename(collectionFile)} has problems; fix them first`);
    const name = uniqueName(path.basename(file, TRANSCRIPT_EXT).replace(/^[0-9TZ-]+-/, '') || 'recorded', (entry.collection.mocks ?? []).map((m) => m.name));
    const def = recordingToMock(t.events, { name });
    const next: Collection = structuredClone(entry.collection);
    next.mocks = [...(next.mocks ?? []), def];
    await this.edit(collectionFile, (text) => updateCollection(text, next), entry.text);
    return { file: collectionFile, name };
  }

  /** Import HAR: each WebSocket entry becomes a transcript in the sessions folder. Returns the files. */
  async importHarCommand(arg?: unknown): Promise<string[]> {
    let file = isObj(arg) ? str(arg.file) : str(arg);
    if (!file) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { HAR: ['har', 'json'] }, openLabel: 'Import HAR' });
      file = picked?.[0]?.fsPath;
    }
    if (!file) return [];
    const r = importHar(await fs.readFile(file, 'utf8'), { tool: { name: 'websocket-workbench', version: String(this.services.context.extension.packageJSON.version) } });
    if (!r.transcripts.length) throw coded(r.errors[0]?.code ?? 'WSWB_HAR_INVALID', `No WebSocket entries imported from ${path.basename(file)}${r.errors[0] ? `: ${r.errors[0].message}` : ''}`);
    const folder = await writableSessionsFolder(this.services.log);
    await fs.mkdir(folder, { recursive: true });
    const out: string[] = [];
    for (const [i, t] of r.transcripts.entries()) {
      const target = path.join(folder, `${path.basename(file).replace(/\.[^.]+$/, '')}-${i + 1}${TRANSCRIPT_EXT}`);
      const tmp = `${target}.${process.pid}.tmp`;
      await writeTranscript(tmp, t);
      await fs.rename(tmp, target);
      out.push(target);
    }
    await this.sessions.refresh();
    void vscode.window.showInformationMessage(`Imported ${out.length} WebSocket session${out.length === 1 ? '' : 's'}${r.errors.length ? ` (${r.errors.length} problem(s) skipped)` : ''}`);
    return out;
  }

  /** Export Session: a transcript or a live connection as HAR (secrets masked). Returns the written file. */
  async exportSession(arg?: unknown): Promise<string | undefined> {
    let events: TimelineEvent[] | undefined;
    let secrets = this.secrets.knownValues();
    let base = 'session';
    const c = isObj(arg) && (typeof arg.connectionId === 'string' || arg.type === 'connection') ? this.connectionFrom(arg) : undefined;
    if (c) {
      events = await Promise.all(c.store.slice(0, c.store.length).filter((e) => e.connection === c.id).map(async (e) => (e.kind === 'message' && e.spilled ? { ...e, data: await c.store.readPayload(e.id) } : e)));
      secrets = [...secrets, ...(this.connectionSecrets.get(c.id) ?? [])];
    } else {
      const file = await this.pickSession(arg, 'Export Session as HAR');
      if (!file) return undefined;
      events = (await readTranscript(file)).events;
      base = path.basename(file, TRANSCRIPT_EXT);
    }
    const har = exportHar(events, { creator: { name: 'WebSocket Workbench', version: String(this.services.context.extension.packageJSON.version) }, secrets });
    let target = isObj(arg) ? str(arg.target) : undefined;
    if (!target) {
      const root = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({ ...(root ? { defaultUri: vscode.Uri.joinPath(root, `${base}.har`) } : {}), filters: { HAR: ['har'] } });
      target = uri?.fsPath;
    }
    if (!target) return undefined;
    await atomicWriteFile(target, JSON.stringify(har, null, 2) + '\n');
    return target;
  }

  // --------------------------------------------------------------------- api

  api(): WorkflowApi {
    return {
      startMock: async (fileOrDef, name) => {
        const m = await this.mocks.start(fileOrDef, name, { quiet: true });
        return { id: m.id, url: m.url, name: m.name };
      },
      stopMock: (id) => this.mocks.stop(id),
      listMocks: () => this.mocks.registry.list().map((m) => ({ id: m.id, name: m.name, url: m.url, ...(m.browserUrl ? { browserUrl: m.browserUrl } : {}), ...(m.file ? { file: m.file } : {}), clients: m.server.clients().length })),
      collections: () =>
        this.index.list().map((c) => ({
          file: c.file,
          ok: c.ok,
          diagnostics: c.errors.length,
          ...(c.collection ? { name: c.collection.name } : {}),
          requests: (c.collection?.requests ?? []).map((r) => r.name),
          mocks: (c.collection?.mocks ?? []).map((m) => m.name),
        })),
      activeEnvironment: () => this.environment(),
      collectionsReady: () => this.index.settled(),
      statusBar: () => this.statusBar.snapshot(),
      trustPolicy: (isTrusted) => trustPolicy(isTrusted),
      autoStartMocks: (isTrusted) => this.autoStart(isTrusted),
      _setPrompter: (p) => this.prompts.set(p),
      _treeSnapshot: () => this.treeSnapshot(),
      _storagePaths: () => {
        const ctx = this.services.context;
        return { globalStorage: ctx.globalStorageUri.fsPath, ...(ctx.storageUri ? { workspaceStorage: ctx.storageUri.fsPath } : {}), logs: ctx.logUri.fsPath };
      },
    };
  }

  private async treeSnapshot(): Promise<Record<'collections' | 'connections' | 'mocks' | 'sessions', string[]>> {
    await this.index.settled();
    const label = (i: vscode.TreeItem) => `${typeof i.label === 'string' ? i.label : (i.label?.label ?? '')}${i.description ? ` — ${String(i.description)}` : ''}`;
    const walk = async <T>(p: vscode.TreeDataProvider<T>, node: T | undefined, depth: number, out: string[]): Promise<string[]> => {
      for (const child of (await p.getChildren(node)) ?? []) {
        out.push('  '.repeat(depth) + label(await p.getTreeItem(child)));
        await walk(p, child, depth + 1, out);
      }
      return out;
    };
    return {
      collections: await walk(this.trees.collections, undefined, 0, []),
      connections: await walk(this.connectionsTree, undefined, 0, []),
      mocks: await walk(this.trees.mocks, undefined, 0, []),
      sessions: await walk(this.trees.sessions, undefined, 0, []),
    };
  }

  override dispose(): void {
    this.services.panels.variableProvider = undefined;
    super.dispose();
  }
}

function uniqueName(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base} ${i}`)) return `${base} ${i}`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

export type { ConnectionNode, RunningMockNode, SessionNode };
