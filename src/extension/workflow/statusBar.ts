import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../dispose';
import type { ConnectionManager } from '../../core/engine/connectionManager';
import type { MockRegistry } from './mockRegistry';
import { mockUrlChoices } from './mockUrls';
import { formatRtt } from '../../shared/units';

/** What the status bar shows; read through getters so it is always current. */
export interface StatusSource {
  connections: ConnectionManager;
  activeConnectionId(): string | undefined;
  environment(): string | undefined;
  hasEnvironments(): boolean;
  mocks: MockRegistry;
  /** Recordings in progress. */
  recordings?(): Array<{ connectionId: string; file: string }>;
}

/** Four items: active connection (state + RTT), recording (REC, while one runs), active environment, running mocks. Each click acts. */
export class WorkflowStatusBar extends Disposable {
  private readonly conn = this._register(vscode.window.createStatusBarItem('websocketWorkbench.connection', vscode.StatusBarAlignment.Left, 50));
  private readonly rec = this._register(vscode.window.createStatusBarItem('websocketWorkbench.recording', vscode.StatusBarAlignment.Left, 49.5));
  private readonly env = this._register(vscode.window.createStatusBarItem('websocketWorkbench.environment', vscode.StatusBarAlignment.Left, 49));
  private readonly mocks = this._register(vscode.window.createStatusBarItem('websocketWorkbench.mocks', vscode.StatusBarAlignment.Left, 48));
  private readonly rtt = new Map<string, number>();
  private offConn: (() => void) | undefined;
  private watched: string | undefined;

  constructor(private readonly src: StatusSource) {
    super();
    this.conn.name = 'WebSocket Connection';
    this.conn.command = 'websocketWorkbench.connectionActions';
    this.rec.name = 'WebSocket Recording';
    this.rec.command = 'websocketWorkbench.stopRecording';
    this.env.name = 'WebSocket Environment';
    this.env.command = 'websocketWorkbench.selectEnvironment';
    this.mocks.name = 'WebSocket Mock Servers';
    this.mocks.command = 'websocketWorkbench.mockActions';
    this._register(toDisposable(src.connections.onDidChange(() => this.update())));
    this._register(toDisposable(src.mocks.onDidChange(() => this.update())));
    this._register(toDisposable(() => this.offConn?.()));
    this.update();
  }

  /** Last measured RTT of a connection. */
  rttOf(id: string): number | undefined {
    return this.rtt.get(id);
  }

  update(): void {
    const id = this.src.activeConnectionId();
    const c = id ? this.src.connections.get(id) : undefined;
    if (c?.id !== this.watched) {
      this.offConn?.();
      this.offConn = undefined;
      this.watched = c?.id;
      if (c) {
        this.offConn = c.onEvent((e) => {
          if (e.kind === 'rtt') {
            this.rtt.set(c.id, e.ms);
            this.update();
          }
        });
      }
    }
    if (c) {
      const icon = c.state === 'open' ? '$(plug)' : c.state === 'connecting' || c.state === 'closing' ? '$(loading~spin)' : '$(debug-disconnect)';
      const rtt = this.rtt.get(c.id);
      let host = c.options.url;
      try {
        host = new URL(c.options.url).host;
      } catch {
        // keep
      }
      this.conn.text = `${icon} ${host} ${c.state}${rtt !== undefined && c.state === 'open' ? ` ${formatRtt(rtt)}` : ''}`;
      this.conn.tooltip = `WebSocket ${c.state}: ${c.options.url}${rtt !== undefined ? `\nRound trip: ${formatRtt(rtt)}` : ''}\nClick for actions`;
      this.conn.backgroundColor = c.state === 'closed' ? undefined : undefined;
      this.conn.show();
    } else {
      this.conn.hide();
    }
    const recs = this.src.recordings?.() ?? [];
    if (recs.length) {
      // Words, not only a red dot: "REC" says it in every theme.
      this.rec.text = `$(record) REC${recs.length > 1 ? ` ×${recs.length}` : ''}`;
      this.rec.tooltip = `Recording to ${recs.map((r) => vscode.workspace.asRelativePath(r.file)).join(', ')}\nClick to stop recording`;
      this.rec.show();
    } else {
      this.rec.hide();
    }
    const env = this.src.environment();
    if (this.src.hasEnvironments() || env) {
      this.env.text = `$(symbol-namespace) ${env ?? 'No Environment'}`;
      this.env.tooltip = 'WebSocket environment: click to select';
      this.env.show();
    } else {
      this.env.hide();
    }
    const running = this.src.mocks.list();
    if (running.length) {
      // Labelled as a mock: next to the connection item it must not read as a second connection.
      this.mocks.text = `$(server) ${running.length === 1 ? `Mock ${running[0]!.url}` : `${running.length} mocks running`}`;
      this.mocks.tooltip = (running.length === 1 ? 'WebSocket mock server ' : 'WebSocket mock servers\n') + running.map((m) => `${m.name}\n${mockUrlChoices(m).map((c) => `  ${c.label}: ${c.url}`).join('\n')}`).join('\n') + '\nClick for actions';
      this.mocks.show();
    } else {
      this.mocks.hide();
    }
  }

  /** The texts shown (for tests). */
  snapshot(): { connection?: string; environment?: string; mocks?: string; recording?: string } {
    const out: { connection?: string; environment?: string; mocks?: string; recording?: string } = {};
    if (this.src.activeConnectionId()) out.connection = this.conn.text;
    if (this.src.recordings?.().length) out.recording = this.rec.text;
    out.environment = this.env.text;
    if (this.src.mocks.list().length) out.mocks = this.mocks.text;
    return out;
  }
}
