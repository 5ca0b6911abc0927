/**
 * A stand-in for the `vscode` module, enough for the extension's activate() to run in plain Node
 * (test/unit/build/activation.test.ts, and `node --cpu-prof` on require + activate). It records
 * what activation registers (commands, tree views, CodeLens providers, the panel serializer…);
 * whatever else is reached returns inert stubs. It models no behaviour beyond that.
 */
'use strict';

/** A callable, constructible stub whose every property is another stub (events return disposables). */
function stub(name) {
  return new Proxy(function () {}, {
    get: (_t, k) => {
      if (k === 'prototype') return {};
      if (k === 'then') return undefined;
      if (k === Symbol.iterator) return function* () {};
      if (k === Symbol.toPrimitive) return (hint) => (hint === 'number' ? 0 : '');
      return stub(`${name}.${String(k)}`);
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

/** A namespace: the listed members, and a stub for anything else. */
function namespace(name, members) {
  return new Proxy(members, { get: (t, k) => (k in t ? t[k] : typeof k === 'symbol' ? undefined : stub(`${name}.${k}`)) });
}

const disposable = () => ({ dispose() {} });
const event = () => disposable;

class Uri {
  constructor(scheme, path) { this.scheme = scheme; this.path = path; this.fsPath = path; this.authority = ''; this.query = ''; this.fragment = ''; }
  static file(p) { return new Uri('file', p); }
  static parse(s) { const m = /^([a-z][\w+.-]*):(.*)$/i.exec(s); return m ? new Uri(m[1], m[2]) : new Uri('file', s); }
  static joinPath(u, ...parts) { return new Uri(u.scheme, [u.path, ...parts].join('/')); }
  with(c) { return new Uri(c.scheme ?? this.scheme, c.path ?? this.path); }
  toString() { return `${this.scheme}://${this.path}`; }
}

class EventEmitter {
  constructor() { this.listeners = new Set(); this.event = (l) => { this.listeners.add(l); return { dispose: () => this.listeners.delete(l) }; }; }
  fire(v) { for (const l of this.listeners) l(v); }
  dispose() { this.listeners.clear(); }
}

class Disposable {
  constructor(fn) { this.fn = fn; }
  static from(...ds) { return new Disposable(() => ds.forEach((d) => d.dispose())); }
  dispose() { this.fn?.(); }
}

/** Any data class (TreeItem, Range, CodeLens, ThemeIcon…): keeps its arguments. */
class Data { constructor(...args) { this.args = args; } }

/** Enums: any member is a number. */
const enumeration = (name) => new Proxy({}, { get: (_t, k) => (typeof k === 'symbol' ? undefined : 1) });

function create() {
  const registered = { commands: new Map(), treeViews: [], treeViewObjects: new Map(), treeDataProviders: [], codeLensProviders: [], serializers: [], taskProviders: [], testControllers: [], outputChannels: [] };
  const config = { get: (_k, d) => d, has: () => false, inspect: () => undefined, update: async () => {} };
  const outputChannel = (name) => {
    registered.outputChannels.push(name);
    return namespace('OutputChannel', { name, lines: [], info() {}, warn() {}, error() {}, debug() {}, trace() {}, append() {}, appendLine() {}, show() {}, dispose() {} });
  };
  const vscode = {
    version: '1.99.0',
    Uri, EventEmitter, Disposable,
    TreeItem: Data, ThemeIcon: Object.assign(class extends Data {}, { File: new Data('file'), Folder: new Data('folder') }), ThemeColor: Data,
    Range: Data, Position: Data, Location: Data, Selection: Data, CodeLens: Data, MarkdownString: Data, Diagnostic: Data,
    TestMessage: Data, TestRunRequest: Data, Task: Data, CustomExecution: Data, RelativePattern: Data, CancellationTokenSource: class { constructor() { this.token = { isCancellationRequested: false, onCancellationRequested: event() }; } cancel() {} dispose() {} },
    TreeItemCollapsibleState: enumeration(), StatusBarAlignment: enumeration(), ViewColumn: enumeration(), DiagnosticSeverity: enumeration(),
    QuickPickItemKind: enumeration(), TestRunProfileKind: enumeration(), TaskScope: enumeration(), TaskRevealKind: enumeration(), TaskPanelKind: enumeration(),
    TextEditorRevealType: enumeration(), ConfigurationTarget: enumeration(), ProgressLocation: enumeration(),
    commands: namespace('commands', {
      registerCommand: (id, fn) => { registered.commands.set(id, fn); return disposable(); },
      executeCommand: async () => undefined,
      getCommands: async () => [...registered.commands.keys()],
    }),
    window: namespace('window', {
      createOutputChannel: outputChannel,
      registerTreeDataProvider: (id, p) => { registered.treeDataProviders.push(id); return disposable(); },
      createTreeView: (id, o) => {
        registered.treeViews.push(id);
        // Kept so a probe can show the view (fire its visibility) and watch its provider.
        const visibility = new EventEmitter();
        registered.treeViewObjects.set(id, { provider: o && o.treeDataProvider, visibility });
        return namespace('TreeView', { onDidChangeVisibility: visibility.event, onDidChangeSelection: event(), onDidExpandElement: event(), onDidCollapseElement: event(), visible: false, dispose() {} });
      },
      registerWebviewPanelSerializer: (viewType) => { registered.serializers.push(viewType); return disposable(); },
      createStatusBarItem: () => namespace('StatusBarItem', { show() {}, hide() {}, dispose() {} }),
      activeTextEditor: undefined, visibleTextEditors: [], tabGroups: namespace('tabGroups', { all: [] }),
      onDidChangeActiveTextEditor: event(), onDidChangeVisibleTextEditors: event(), onDidChangeWindowState: event(),
    }),
    workspace: namespace('workspace', {
      getConfiguration: () => config,
      workspaceFolders: undefined, isTrusted: true, textDocuments: [],
      findFiles: async () => [],
      createFileSystemWatcher: () => namespace('FileSystemWatcher', { onDidCreate: event(), onDidChange: event(), onDidDelete: event(), dispose() {} }),
      onDidChangeConfiguration: event(), onDidGrantWorkspaceTrust: event(), onDidOpenTextDocument: event(), onDidChangeTextDocument: event(),
      onDidSaveTextDocument: event(), onDidCloseTextDocument: event(), onDidChangeWorkspaceFolders: event(), onDidCreateFiles: event(), onDidDeleteFiles: event(), onDidRenameFiles: event(),
    }),
    languages: namespace('languages', {
      registerCodeLensProvider: (selector) => { registered.codeLensProviders.push(selector); return disposable(); },
      createDiagnosticCollection: () => namespace('DiagnosticCollection', { set() {}, delete() {}, clear() {}, dispose() {} }),
    }),
    tests: namespace('tests', {
      createTestController: (id) => {
        registered.testControllers.push(id);
        const items = namespace('TestItemCollection', { size: 0, add() {}, delete() {}, replace() {}, get() {}, forEach() {} });
        return namespace('TestController', { id, items, createRunProfile: () => namespace('TestRunProfile', { dispose() {} }), createTestItem: (i, l, u) => namespace('TestItem', { id: i, label: l, uri: u, children: items }), dispose() {} });
      },
    }),
    tasks: namespace('tasks', { registerTaskProvider: (type) => { registered.taskProviders.push(type); return disposable(); }, onDidEndTask: event(), onDidStartTask: event() }),
    env: namespace('env', { appName: 'fake', language: 'en', uriScheme: 'vscode', remoteName: undefined, clipboard: namespace('clipboard', {}) }),
    extensions: namespace('extensions', { getExtension: () => undefined, all: [] }),
  };
  return { vscode, registered };
}

/** Makes `require('vscode')` return the fake; returns what activation registers. */
function install() {
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest); };
  const { vscode, registered } = create();
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
  return registered;
}

/** An ExtensionContext for activate(): in-memory state, a fake secret store. */
function context(extensionPath, version = '0.0.0') {
  const memento = () => { const m = new Map(); return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => void m.set(k, v), keys: () => [...m.keys()], setKeysForSync() {} }; };
  return {
    subscriptions: [],
    extension: { id: 'fake.websocket-workbench', packageJSON: { version }, extensionPath, extensionUri: Uri.file(extensionPath) },
    extensionPath, extensionUri: Uri.file(extensionPath), asAbsolutePath: (p) => `${extensionPath}/${p}`,
    globalState: memento(), workspaceState: memento(),
    secrets: { get: async () => undefined, store: async () => {}, delete: async () => {}, onDidChange: event() },
    globalStorageUri: Uri.file('/nonexistent/global'), storageUri: undefined, logUri: Uri.file('/nonexistent/log'),
    extensionMode: 1, environmentVariableCollection: stub('environmentVariableCollection'),
  };
}

module.exports = { install, context };
