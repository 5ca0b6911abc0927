import * as vscode from 'vscode';
import type { Transport } from '../../shared/rpc';

/** The RPC transport over a webview's postMessage channel. */
export function webviewTransport(webview: vscode.Webview): Transport & vscode.Disposable {
  const listeners = new Set<(m: unknown) => void>();
  const sub = webview.onDidReceiveMessage((m) => listeners.forEach((l) => l(m)));
  return {
    post: (m) => void webview.postMessage(m).then(undefined, () => undefined),
    onMessage: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    dispose: () => {
      sub.dispose();
      listeners.clear();
    },
  };
}
