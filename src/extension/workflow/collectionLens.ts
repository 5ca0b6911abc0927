/**
 * CodeLenses in collection files (`*.websocket.json`): "Connect" on each request's `url`, "Send" on
 * each of its messages (to the open connection). They name the request and message as the file on
 * disk has them; an unsaved rename gets its lens after the save.
 */
import * as vscode from 'vscode';
import { findNodeAtLocation, parseTree, type Node } from '../../core/collections/jsonc';
import { settings } from './config';

/** The string value of `node`'s property `key`, if any. */
function stringAt(node: Node, key: string): Node | undefined {
  const n = findNodeAtLocation(node, [key]);
  return n?.type === 'string' ? n : undefined;
}

export class CollectionCodeLensProvider implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  refresh(): void {
    this.emitter.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!settings.codeLens() || !document.fileName.endsWith('.websocket.json')) return [];
    const root = parseTree(document.getText(), [], { allowTrailingComma: true, disallowComments: false });
    const requests = root && findNodeAtLocation(root, ['requests']);
    if (requests?.type !== 'array') return [];
    const file = document.uri.fsPath;
    const at = (n: Node) => new vscode.Range(document.positionAt(n.offset), document.positionAt(n.offset + n.length));
    const lenses: vscode.CodeLens[] = [];
    for (const r of requests.children ?? []) {
      const name = stringAt(r, 'name')?.value as string | undefined;
      if (r.type !== 'object' || !name) continue;
      const url = findNodeAtLocation(r, ['url']);
      lenses.push(new vscode.CodeLens(at(url?.parent ?? r), { title: '$(plug) Connect', tooltip: `Connect to "${name}" (with the active environment)`, command: 'websocketWorkbench.connectRequest', arguments: [{ file, request: name }] }));
      const messages = findNodeAtLocation(r, ['messages']);
      for (const m of messages?.type === 'array' ? messages.children ?? [] : []) {
        const message = stringAt(m, 'name')?.value as string | undefined;
        if (m.type !== 'object' || !message) continue;
        lenses.push(new vscode.CodeLens(at(m), { title: '$(send) Send', tooltip: `Send "${message}" on the open connection (connects to "${name}" first when none is open)`, command: 'websocketWorkbench.sendMessage', arguments: [{ file, request: name, message, connect: true }] }));
      }
    }
    return lenses;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
