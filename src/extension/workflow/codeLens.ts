import * as vscode from 'vscode';
import { settings } from './config';

/** ws:// and wss:// URLs in source text (stops at quotes, whitespace, brackets and template holes). */
const WS_URL = /\bwss?:\/\/[^\s'"`<>(){}\[\]\\]+/g;
const MAX_LENSES = 200;
const MAX_TEXT = 2 * 1024 * 1024;

/** The URLs a document mentions, with their offsets (pure: used by the CodeLens and its tests). */
export function findWsUrls(text: string): Array<{ url: string; offset: number }> {
  if (text.length > MAX_TEXT) return [];
  const out: Array<{ url: string; offset: number }> = [];
  for (const m of text.matchAll(WS_URL)) {
    const url = m[0].replace(/[.,;:]+$/, '');
    // `ws://${host}` style templates are not connectable as written.
    if (url.includes('$') && /\$$|\$\{/.test(text.slice(m.index!, m.index! + m[0].length + 2))) continue;
    try {
      const u = new URL(url);
      if (!u.hostname) continue;
    } catch {
      continue;
    }
    out.push({ url, offset: m.index! });
    if (out.length >= MAX_LENSES) break;
  }
  return out;
}

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
