import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import { WorkbenchPanel, titleFor, type PanelState } from './workbenchPanel';
import type { BindingHost } from './binding';
import type { Connection, ConnectionOptions } from '../../core/engine/connection';
import type { ConnectionManager } from '../../core/engine/connectionManager';

/** Creates, tracks and restores workbench panels (a WebviewPanelSerializer brings them back after reload). */
export class PanelManager extends Disposable implements vscode.WebviewPanelSerializer<PanelState> {
  private readonly panels = new Set<WorkbenchPanel>();
  private readonly createdEmitter = this._register(new vscode.EventEmitter<WorkbenchPanel>());
  readonly onDidCreatePanel = this.createdEmitter.event;
  private connectionsSource: (() => ConnectionManager) | undefined;
  /** Variables of the active environment, for `{{name}}` in URLs, headers and messages (set by the workflow feature). */
  variableProvider: (() => Promise<Record<string, string>> | Record<string, string>) | undefined;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(WorkbenchPanel.viewType, this));
  }

  /** Where panels create their connections (called by registerPanelFeatures with services.connections). */
  useConnections(source: () => ConnectionManager): void {
    this.connectionsSource = source;
  }

  private get connections(): ConnectionManager {
    if (!this.connectionsSource) throw Object.assign(new Error('No connection manager yet'), { code: 'PANEL_NO_MANAGER' });
    return this.connectionsSource();
  }

  /** Opens a new workbench panel. */
  open(state: PanelState = {}): WorkbenchPanel {
    const panel = vscode.window.createWebviewPanel(WorkbenchPanel.viewType, state.url ? titleFor(state.url) : 'WebSocket Workbench', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    });
    return this.track(panel, state);
  }

  /** Creates a Connection for `url` through the connection manager, binds a new panel to it, and connects. */
  async openForUrl(url: string, options: Partial<ConnectionOptions> = {}): Promise<WorkbenchPanel> {
    const connection = this.connections.create({ ...options, url });
    const wp = this.open({ url });
    wp.attach(connection, true);
    try {
      await connection.connect();
    } catch (err) {
      // The panel shows the coded error from the timeline; the caller gets the panel either way.
      this.log.warn(`connect ${url} failed: ${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
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
    this.track(panel, state && typeof state === 'object' ? sanitizeState(state) : {});
  }

  list(): WorkbenchPanel[] {
    return [...this.panels];
  }

  private track(panel: vscode.WebviewPanel, state: PanelState): WorkbenchPanel {
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    const binding: BindingHost = {
      createConnection: (options, deps) => this.connections.create(options, deps),
      variables: () => this.variableProvider?.() ?? {},
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
        if (stat.size > 256 * 1024 * 1024) throw Object.assign(new Error('The file is larger than 256 MiB'), { code: 'PANEL_FILE_TOO_BIG' });
        return { name: uri.path.split('/').pop() ?? 'file', data: await vscode.workspace.fs.readFile(uri) };
      },
    };
    const wp = new WorkbenchPanel(panel, this.context.extensionUri, {
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

  override dispose(): void {
    for (const p of this.panels) p.dispose();
    this.panels.clear();
    super.dispose();
  }
}

/** The serializer's state comes from the webview (vscode.setState): keep only well-formed fields. */
function sanitizeState(s: PanelState): PanelState {
  const out: PanelState = {};
  if (s.viewState && typeof s.viewState === 'object') out.viewState = s.viewState;
  const req = (s as { request?: unknown }).request ?? (s.viewState as { request?: unknown } | undefined)?.request;
  if (req && typeof req === 'object' && typeof (req as { url?: unknown }).url === 'string') out.request = req as PanelState['request'];
  if (typeof s.url === 'string') out.url = s.url;
  return out;
}
