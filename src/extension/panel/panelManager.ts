import * as vscode from 'vscode';
import { Disposable } from '../dispose';
import { WorkbenchPanel, type PanelState } from './workbenchPanel';

/** Creates, tracks and restores workbench panels (a WebviewPanelSerializer brings them back after reload). */
export class PanelManager extends Disposable implements vscode.WebviewPanelSerializer<PanelState> {
  private readonly panels = new Set<WorkbenchPanel>();
  private readonly createdEmitter = this._register(new vscode.EventEmitter<WorkbenchPanel>());
  readonly onDidCreatePanel = this.createdEmitter.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(WorkbenchPanel.viewType, this));
  }

  /** Opens a new workbench panel. */
  open(state: PanelState = {}): WorkbenchPanel {
    const panel = vscode.window.createWebviewPanel(WorkbenchPanel.viewType, 'WebSocket Workbench', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    });
    return this.track(panel, state);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    this.track(panel, state && typeof state === 'object' ? state : {});
  }

  list(): WorkbenchPanel[] {
    return [...this.panels];
  }

  private track(panel: vscode.WebviewPanel, state: PanelState): WorkbenchPanel {
    panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    const wp = new WorkbenchPanel(panel, this.context.extensionUri, { extensionVersion: this.context.extension.packageJSON.version, log: this.log }, state);
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
