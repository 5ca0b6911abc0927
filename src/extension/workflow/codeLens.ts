import * as vscode from 'vscode';
import { settings } from './config';
import { findWsUrls } from './wsUrls';

/** "Connect" above every ws:// / wss:// URL in source files: opens a panel connected to it (an explicit action). */
export class WsUrlCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!settings.codeLens()) return [];
    // Collection files have their own tree and commands.
    if (document.fileName.endsWith('.websocket.json')) return [];
    return findWsUrls(document.getText()).map(({ url, offset }) => {
      const start = document.positionAt(offset);
      const range = new vscode.Range(start, document.positionAt(offset + url.length));
      return new vscode.CodeLens(range, { title: '$(plug) Connect', tooltip: `Open a WebSocket Workbench panel connected to ${url}`, command: 'websocketWorkbench.connectUrl', arguments: [url] });
    });
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
