import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../dispose';
import { RpcServer } from '../../shared/rpc';
import { CONTRACT_VERSION, hostContract, type HostContract, type Snapshot, type WebviewEvents } from '../../shared/contract';
import { workbenchHtml, workbenchWebviewOptions } from './html';
import { webviewTransport } from './webviewTransport';

/** What a panel persists through reloads (VS Code keeps it with the serialized panel). */
export interface PanelState {
  viewState?: Record<string, unknown>;
  connectionId?: string;
  url?: string;
}

/** One workbench panel: the webview, its RPC server, and the view state it keeps for reloads. */
export class WorkbenchPanel extends Disposable {
  static readonly viewType = 'websocketWorkbench.panel';

  readonly rpc: RpcServer<HostContract, WebviewEvents>;
  private state: PanelState;
  private readonly readyEmitter = this._register(new vscode.EventEmitter<Snapshot>());
  private readonly disposeEmitter = this._register(new vscode.EventEmitter<void>());
  /** Fires each time the webview completes the ready handshake (first load and every reload). */
  readonly onDidBecomeReady = this.readyEmitter.event;
  readonly onDidDispose = this.disposeEmitter.event;
  private _readyCount = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly host: { extensionVersion: string; log: vscode.LogOutputChannel },
    initial: PanelState = {},
  ) {
    super();
    this.state = { ...initial };
    panel.webview.options = workbenchWebviewOptions(extensionUri);
    const transport = this._register(webviewTransport(panel.webview));
    this.rpc = new RpcServer(hostContract, transport);
    this._register(toDisposable(() => this.rpc.dispose()));
    this.rpc.onInvalid = (reason) => this.host.log.warn(`webview message rejected: ${reason}`);
    this.rpc.handle('ready', ({ contractVersion }) => {
      if (contractVersion !== CONTRACT_VERSION) {
        throw Object.assign(new Error(`webview contract ${contractVersion} ≠ host ${CONTRACT_VERSION}`), { code: 'CONTRACT_MISMATCH' });
      }
      const snapshot = this.snapshot();
      this._readyCount++;
      queueMicrotask(() => this.readyEmitter.fire(snapshot));
      return snapshot;
    });
    this.rpc.handle('saveViewState', ({ state }) => {
      this.state.viewState = state;
    });
    this._register(panel.onDidDispose(() => {
      this.disposeEmitter.fire();
      this.dispose();
    }));
    // A webview that is hidden (retainContextWhenHidden off) reloads when shown: hold events again.
    this._register(panel.onDidChangeViewState(() => {
      if (!panel.visible) this.rpc.resetReady();
    }));
    panel.webview.html = workbenchHtml(panel.webview, extensionUri);
  }

  /** How many times the webview has completed the ready handshake. */
  get readyCount(): number {
    return this._readyCount;
  }

  get persistedState(): PanelState {
    return { ...this.state };
  }

  /** Builds the snapshot a (re)loaded webview starts from. Connection data is added by the panel's connection binding. */
  snapshot(): Snapshot {
    return {
      contractVersion: CONTRACT_VERSION,
      viewState: this.state.viewState,
      host: { extensionVersion: this.host.extensionVersion, vscodeVersion: vscode.version },
    };
  }

  reveal(): void {
    this.panel.reveal();
  }
}
