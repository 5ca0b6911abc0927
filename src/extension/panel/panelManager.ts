import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import type { WorkbenchPanel, PanelState } from './workbenchPanel';
import { loadPanel } from '../lazy';
import type { BindingHost, PanelRecorder } from './binding';
import type { Connection, ConnectionOptions } from '../../core/engine/connection';
import type { ConnectionManager } from '../../core/engine/connectionManager';
import { readCollectionFile } from '../../core/collections/fsio';
import { settings } from '../workflow/config';
import { loadCollectionEdit } from '../../core/lazy';
import { redact } from '../../core/collections/secretMask';
import type { RequestSource } from './savedRequest';
import type { RequestDraft } from '../../core/collections/types';
import { CodedError } from '../../core/errors';

/** The webview panel type (WorkbenchPanel.viewType, kept here: the panel itself is a lazy chunk). */
const PANEL_VIEW_TYPE = 'websocketWorkbench.panel';

/** What a caller knows about the panel it opens beyond the connection options. */
export interface OpenPanelOptions {
  /** The saved collection request the connection comes from: the panel lists its messages and saves to it. */
  source?: RequestSource;
  /** Resolved secret values of that request, masked in the panel's exports. */
  secrets?: readonly string[];
  /** Without a source: the request to show and speak (e.g. a protocol mock's protocol and options). */
  draft?: Omit<RequestDraft, 'url'>;
}

/** Creates, tracks and restores workbench panels (a WebviewPanelSerializer brings them back after reload). */
export class PanelManager extends Disposable implements vscode.WebviewPanelSerializer<PanelState> {
  private readonly panels = new Set<WorkbenchPanel>();
  private readonly createdEmitter = this._register(new vscode.EventEmitter<WorkbenchPanel>());
  readonly onDidCreatePanel = this.createdEmitter.event;
  private connectionsSource: (() => ConnectionManager) | undefined;
  /** Variables of the active environment, for `{{name}}` in URLs, headers and messages (set by the workflow feature). */
  variableProvider: ((file?: string) => Promise<Record<string, string>> | Record<string, string>) | undefined;

  /** Records connections for the panels' record toggle (set by the workflow feature, which owns the recorder). */
  private recorder: PanelRecorder | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, this));
  }

  /** Where panels create their connections (called by registerPanelFeatures with services.connections). */
  useConnections(source: () => ConnectionManager): void {
    this.connectionsSource = source;
  }

  private get connections(): ConnectionManager {
    if (!this.connectionsSource) throw new CodedError('WSWB_PANEL_NO_MANAGER', 'No connection manager yet');
    return this.connectionsSource();
  }

  /** Lets panels record (the workflow's recorder); `undefined` takes the toggle away. Returns what to call when recordings change. */
  useRecorder(recorder: PanelRecorder | undefined): () => void {
    this.recorder = recorder;
    const refresh = () => {
      for (const p of this.panels) p.binding.markSummary();
    };
    refresh();
    return refresh;
  }

  /**
   * Opens a transcript read-only in a panel (or in `existing`, a panel restored after reload).
   * Undefined when the file holds nothing a panel can show.
   */
  async openTranscript(file: string, existing?: vscode.WebviewPanel): Promise<WorkbenchPanel | undefined> {
    const t = await loadPanel().loadTranscript(file, settings.memoryBudgetBytes());
    if (!t) return undefined;
    const wp = existing ? this.track(existing, {}) : this.open({});
    wp.showTranscript(t.connection, { file, label: vscode.workspace.asRelativePath(file), events: t.events }, loadPanel().transcriptTitle(file));
    wp.onDidDispose(() => t.dispose());
    return wp;
  }

  /** Opens a new workbench panel. */
  open(state: PanelState = {}): WorkbenchPanel {
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, state.url ? loadPanel().titleFor(state.url) : 'WebSocket Workbench', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    });
    return this.track(panel, state);
  }

  /** Creates a Connection for `url` through the connection manager, binds a new panel to it, and connects. */
  async openForUrl(url: string, options: Partial<ConnectionOptions> = {}, panel: OpenPanelOptions = {}): Promise<WorkbenchPanel> {
    const wp = this.open({ url });
    // From a saved request, the composer shows the request as written ({{references}} kept), not the
    // resolved options: those hold secret values, and Save request would write them into the file.
    if (panel.source) await wp.binding.setSource(panel.source, { loadOptions: true });
    else if (panel.draft) wp.binding.restoreRequest({ ...panel.draft, url });
    // The request's protocol (default auto) gets a session before the connection connects.
    const { session, options: prepared } = await loadPanel().sessionFor(wp.binding, wp.binding.requestDraft ?? { url }, { ...options, url });
    const connection = this.connections.create(prepared);
    wp.attach(connection, true, session);
    if (panel.secrets) wp.binding.addSecrets(panel.secrets);
    try {
      await connection.connect();
    } catch (err) {
      // The panel shows the coded error from the timeline; the caller gets the panel either way.
      // The URL and the message may carry the saved request's secrets (userinfo, query, a TLS path).
      this.log.warn(redact(`connect ${url} failed: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`, panel.secrets ?? []));
    }
    return wp;
  }

  /** Shows an existing connection in a panel (reveals the panel already showing it, if any). */
  openForConnection(connection: Connection): WorkbenchPanel {
    const existing = this.forConnection(connection);
    if (existing) {
      existing.reveal();
      return existing;
    }
    const wp = this.open({ url: connection.options.url });
    wp.attach(connection, false);
    return wp;
  }

  /** The panel showing `connection`, if any. */
  forConnection(connection: Connection): WorkbenchPanel | undefined {
    return [...this.panels].find((p) => p.binding.connection === connection);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    const transcript = state && typeof state === 'object' && typeof state.transcript === 'string' ? state.transcript : undefined;
    if (transcript) {
      try {
        if (await this.openTranscript(transcript, panel)) return;
      } catch (err) {
        this.log.warn(`reopen transcript ${transcript}: ${(err as Error).message}`);
      }
    }
    this.track(panel, state && typeof state === 'object' ? sanitizeState(state) : {});
  }

  list(): WorkbenchPanel[] {
    return [...this.panels];
  }

  private track(panel: vscode.WebviewPanel, state: PanelState): WorkbenchPanel {
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    const binding: BindingHost = {
      createConnection: (options, deps) => this.connections.create(options, deps),
      variables: (file) => this.variableProvider?.(file) ?? {},
      connectionDefaults: () => settings.defaultConnectionOptions(),
      labelFor: (file) => vscode.workspace.asRelativePath(asUri(file)),
      recorder: () => this.recorder,
      retireConnection: (c) => {
        if (this.connectionsSource?.().get(c.id) === c) this.connectionsSource().remove(c.id);
      },
      openResult: async (target) => {
        const uri = asUri(target);
        if (uri.scheme === 'file' && uri.path.endsWith('.ndjson')) await vscode.commands.executeCommand('websocketWorkbench.openSession', uri.fsPath);
        else await vscode.window.showTextDocument(uri, { preview: true });
      },
      transcriptAction: async (action, file) => {
        await vscode.commands.executeCommand(action === 'replay' ? 'websocketWorkbench.replaySession' : 'websocketWorkbench.sessionToMock', file);
      },
      pickRequest: () => this.pickRequest(),
      pickSaveTarget: (suggested) => this.pickSaveTarget(suggested),
      toolVersion: String(this.context.extension.packageJSON.version ?? 'dev'),
      saveFile: async (name, data) => {
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, saveLabel: 'Save' });
        if (!uri) return undefined;
        await vscode.workspace.fs.writeFile(uri, data);
        return uri.toString();
      },
      clipboard: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      pickFile: async () => {
        const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Send file' });
        const uri = picked?.[0];
        if (!uri) return undefined;
        const stat = await vscode.workspace.fs.stat(uri);
        if (stat.size > 256 * 1024 * 1024) throw new CodedError('WSWB_PANEL_FILE_TOO_BIG', 'The file is larger than 256 MiB');
        return { name: uri.path.split('/').pop() ?? 'file', data: await vscode.workspace.fs.readFile(uri) };
      },
    };
    const wp = new (loadPanel().WorkbenchPanel)(panel, this.context.extensionUri, {
      extensionVersion: this.context.extension.packageJSON.version,
      log: this.log,
      binding,
      removeConnection: (c) => {
        if (this.connectionsSource?.().get(c.id) === c) this.connectionsSource().remove(c.id);
        else c.dispose();
      },
    }, state);
    this.panels.add(wp);
    wp.onDidDispose(() => this.panels.delete(wp));
    this.createdEmitter.fire(wp);
    return wp;
  }

  /** Collection files of the workspace (`*.websocket.json`, not node_modules). */
  private async collectionFiles(): Promise<string[]> {
    const uris = await vscode.workspace.findFiles('**/*.websocket.json', '**/node_modules/**', 500);
    return uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath).sort();
  }

  /** Quick pick over every request of every valid collection file. */
  private async pickRequest(): Promise<RequestSource | undefined> {
    type Item = vscode.QuickPickItem & { src?: RequestSource };
    const items: Item[] = [];
    for (const file of await this.collectionFiles()) {
      const res = await readCollectionFile(file, { maxBytes: settings.maxCollectionBytes() });
      for (const r of res.collection?.requests ?? []) items.push({ label: `$(plug) ${r.name}`, description: r.url, detail: vscode.workspace.asRelativePath(file), src: { file, request: r.name } });
    }
    if (!items.length) {
      void vscode.window.showInformationMessage('No saved requests: save one from the panel or add a *.websocket.json collection');
      return undefined;
    }
    return (await vscode.window.showQuickPick(items, { title: 'Load a saved request', matchOnDescription: true, matchOnDetail: true }))?.src;
  }

  /** Asks for a collection file (or a new one) and a request name. */
  private async pickSaveTarget(suggested: string): Promise<RequestSource | undefined> {
    type Item = vscode.QuickPickItem & { file?: string; create?: boolean };
    const items: Item[] = (await this.collectionFiles()).map((file) => ({ label: `$(json) ${vscode.workspace.asRelativePath(file)}`, file }));
    items.push({ label: '$(new-file) New collection…', create: true });
    const picked = await vscode.window.showQuickPick(items, { title: 'Save request to collection' });
    if (!picked) return undefined;
    let file = picked.file;
    if (picked.create) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, 'requests.websocket.json') : undefined, filters: { 'WebSocket collection': ['websocket.json', 'json'] } });
      if (!uri) return undefined;
      file = uri.fsPath;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(loadCollectionEdit().newCollectionText(uri.path.split('/').pop()!.replace(/\.websocket\.json$|\.json$/, ''))));
    }
    if (!file) return undefined;
    const name = await vscode.window.showInputBox({ title: 'Request name', value: suggested, validateInput: (v) => (v.trim() ? undefined : 'Enter a name') });
    return name?.trim() ? { file, request: name.trim() } : undefined;
  }

  override dispose(): void {
    for (const p of this.panels) p.dispose();
    this.panels.clear();
    super.dispose();
  }
}

/** A path or a URI string (what saveFile returns) as a Uri. */
function asUri(target: string): vscode.Uri {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(target) ? vscode.Uri.parse(target) : vscode.Uri.file(target);
}

/** The serializer's state comes from the webview (vscode.setState): keep only well-formed fields. */
function sanitizeState(s: PanelState): PanelState {
  const out: PanelState = {};
  if (s.viewState && typeof s.viewState === 'object') out.viewState = s.viewState;
  const req = (s as { request?: unknown }).request ?? (s.viewState as { request?: unknown } | undefined)?.request;
  if (req && typeof req === 'object' && typeof (req as { url?: unknown }).url === 'string') out.request = req as PanelState['request'];
  if (typeof s.url === 'string') out.url = s.url;
  const src = (s as { source?: unknown }).source ?? (s.viewState as { source?: unknown } | undefined)?.source;
  if (src && typeof src === 'object' && typeof (src as RequestSource).file === 'string' && typeof (src as RequestSource).request === 'string') {
    out.source = { file: (src as RequestSource).file, request: (src as RequestSource).request };
  }
  return out;
}
