import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../dispose';
import { RpcServer } from '../../shared/rpc';
import { CONTRACT_VERSION, hostContract, type HostContract, type RequestDraft, type Snapshot, type TranscriptInfo, type WebviewEvents } from '../../shared/contract';
import type { PanelSession } from './protocolSession';
import type { Connection } from '../../core/engine/connection';
import { workbenchHtml, workbenchWebviewOptions } from './html';
import { webviewTransport } from './webviewTransport';
import { PanelBinding, type BindingHost } from './binding';
import { CodedError } from '../../core/errors';

/** What a panel persists through reloads (VS Code keeps it with the serialized panel). */
export interface PanelState {
  viewState?: Record<string, unknown>;
  connectionId?: string;
  url?: string;
  /** The request composer's last request (literal secrets stripped by the webview). */
  request?: RequestDraft;
  /** The saved collection request shown by the panel. */
  source?: { file: string; request: string };
  /** The transcript file the panel shows (read-only), reopened after a reload. */
  transcript?: string;
}

/** One workbench panel: the webview, its RPC server, its connection binding, and the view state it keeps for reloads. */
export class WorkbenchPanel extends Disposable {
  static readonly viewType = 'websocketWorkbench.panel';

  readonly rpc: RpcServer<HostContract, WebviewEvents>;
  /** Binds this panel to its Connection and store (batching, windows, queries, sends). */
  readonly binding: PanelBinding;
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
    private readonly host: { extensionVersion: string; log: vscode.LogOutputChannel; binding: BindingHost; removeConnection?: (c: Connection) => void },
    initial: PanelState = {},
  ) {
    super();
    this.state = { ...initial };
    panel.webview.options = workbenchWebviewOptions(extensionUri);
    const transport = this._register(webviewTransport(panel.webview));
    this.rpc = new RpcServer(hostContract, transport);
    this._register(toDisposable(() => this.rpc.dispose()));
    this.rpc.onInvalid = (reason) => this.host.log.warn(`webview message rejected: ${reason}`);
    this.binding = new PanelBinding(this.rpc, { ...host.binding, log: (m) => host.log.info(m) }, () => this.baseSnapshot());
    this.binding.restoreRequest(initial.request ?? (initial.url ? { url: initial.url } : undefined));
    if (initial.source) void this.binding.setSource(initial.source);
    this._register(toDisposable(() => this.binding.dispose(host.removeConnection)));
    this.rpc.handle('ready', ({ contractVersion }) => {
      if (contractVersion !== CONTRACT_VERSION) {
        throw new CodedError('WSWB_RPC_CONTRACT_MISMATCH', `webview contract ${contractVersion} ≠ host ${CONTRACT_VERSION}`);
      }
      const snapshot = this.snapshot();
      this._readyCount++;
      queueMicrotask(() => {
        this.readyEmitter.fire(snapshot);
        // Anything that happened between the snapshot and readiness goes out in the next batch.
        this.binding.flush();
      });
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

  /** Shows `connection` in this panel (its timeline, header and composer). */
  attach(connection: Connection, owned = false, session?: PanelSession): void {
    this.binding.attach(connection, session);
    if (owned) this.binding.adopt(connection);
    this.state.connectionId = connection.id;
    this.state.url = connection.options.url;
    this.panel.title = titleFor(connection.options.url);
  }

  /** Shows a transcript read-only: titled as one, its file kept for reloads. */
  showTranscript(connection: Connection, info: TranscriptInfo, title: string): void {
    this.binding.setTranscript(info);
    this.binding.attach(connection);
    this.state.transcript = info.file;
    this.state.url = connection.options.url;
    this.panel.title = title;
  }

  /** How many times the webview has completed the ready handshake. */
  get readyCount(): number {
    return this._readyCount;
  }

  get persistedState(): PanelState {
    const source = this.binding.source;
    return { ...this.state, ...(source ? { source } : {}) };
  }

  private baseSnapshot(): Snapshot {
    return {
      contractVersion: CONTRACT_VERSION,
      viewState: this.state.viewState,
      host: { extensionVersion: this.host.extensionVersion, vscodeVersion: vscode.version },
    };
  }

  /** Builds the snapshot a (re)loaded webview starts from: host info, view state, connection summary, view totals. */
  snapshot(): Snapshot {
    return this.binding.snapshot();
  }

  reveal(): void {
    this.panel.reveal();
  }
}

/**
 * Panel title: host and path of the URL; in a remote window, marked as seen from the extension host
 * (where the connection runs: `127.0.0.1` there is the remote machine, see docs/vscode.md).
 */
export function titleFor(url: string, remoteName: string | undefined = vscode.env.remoteName): string {
  try {
    const u = new URL(url);
    return `WS ${u.host}${u.pathname === '/' ? '' : u.pathname}${remoteName ? ' (extension host)' : ''}`;
  } catch {
    return 'WebSocket Workbench';
  }
}
