/**
 * `.proto` problems in the Problems panel: the `codecs` rules of every indexed collection are
 * checked as `websocket-workbench validate` checks them (src/core/codecs/collection.ts), and each
 * problem goes to the file it is in: a `.proto` syntax error at its line and column in the
 * `.proto`, a rule's own problem (bad prefixHex, unknown type) in the collection. Checked again when
 * a collection is (re)read and when a `.proto` is opened, saved or changed on disk; a file's problems
 * go when they are fixed. A `.proto` no collection names is checked on its own (syntax only).
 * Workspace Trust: `.proto` files are read as a mock started from VS Code reads them (mockCodecs.ts).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadCodecLayer } from '../../core/lazy';
import type { CollectionDiagnostic } from '../../core/collections/types';
import { Disposable, toDisposable } from '../dispose';
import type { CollectionIndex } from './collectionIndex';
import { toDiagnostics } from './collectionIndex';
import { protoReader } from './mockCodecs';

/** The Problems panel's `.proto` and codecs-rule problems. */
export class ProtoDiagnostics extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('websocket-protos'));
  /** Files that have problems shown now (to clear the ones fixed). */
  private shown = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  /** Resolves once the check scheduled last has run (tests). */
  idle: Promise<void> = Promise.resolve();

  constructor(private readonly index: CollectionIndex, private readonly log: vscode.LogOutputChannel) {
    super();
    this._register(index.onDidChange(() => this.schedule()));
    const isProto = (d: vscode.TextDocument) => d.uri.scheme === 'file' && d.fileName.endsWith('.proto');
    this._register(vscode.workspace.onDidOpenTextDocument((d) => isProto(d) && this.schedule()));
    this._register(vscode.workspace.onDidSaveTextDocument((d) => isProto(d) && this.schedule()));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*.proto'));
    this._register(watcher.onDidChange(() => this.schedule()));
    this._register(watcher.onDidCreate(() => this.schedule()));
    this._register(watcher.onDidDelete(() => this.schedule()));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule()));
    this._register(toDisposable(() => clearTimeout(this.timer)));
    void index.ready.then(() => this.schedule());
  }

  /** Checks again shortly (bursts of saves and index changes coalesce). */
  schedule(): void {
    clearTimeout(this.timer);
    let done!: () => void;
    this.idle = new Promise<void>((r) => (done = r));
    this.timer = setTimeout(() => {
      this.running = this.running.then(() => this.check()).catch((err) => this.log.warn(`proto diagnostics: ${String(err)}`)).finally(done);
    }, 100);
  }

  private async check(): Promise<void> {
    if (this._isDisposed) return;
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const isTrusted = vscode.workspace.isTrusted;
    const byFile = new Map<string, { diags: CollectionDiagnostic[]; text: string }>();
    const seen = new Set<string>();
    const add = (d: CollectionDiagnostic, text: string) => {
      const key = `${d.file}\0${d.line}\0${d.column}\0${d.message}`;
      if (seen.has(key)) return;
      seen.add(key);
      const f = path.resolve(d.file);
      const e = byFile.get(f) ?? { diags: [], text };
      e.diags.push(d);
      byFile.set(f, e);
    };
    const named = new Set<string>();
    for (const c of this.index.list()) {
      if (!c.ok || !c.collection || c.text === undefined) continue;
      const rules = [...(c.collection.codecs ?? []), ...(c.collection.requests ?? []).flatMap((r) => r.codecs ?? [])];
      if (!rules.length) continue;
      for (const r of rules) for (const p of r.proto === undefined ? [] : Array.isArray(r.proto) ? r.proto : [r.proto]) named.add(path.resolve(path.dirname(c.file), p));
      const read = protoReader(c.file, { isTrusted, workspaceRoots: roots });
      for (const d of await loadCodecLayer().codecDiagnostics(c.collection, c.text, c.file, read)) add(d, path.resolve(d.file) === c.file ? c.text : '');
    }
    // Open .proto files no collection names: their own syntax, read from the editor.
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== 'file' || !doc.fileName.endsWith('.proto') || named.has(doc.fileName)) continue;
      const text = doc.getText();
      const { diagnostics } = await loadCodecLayer().loadProtoFiles([doc.fileName], (f) => (f === doc.fileName ? Promise.resolve(text) : Promise.reject(new Error('not read'))));
      for (const d of diagnostics) if (d.code === 'WSWB_CODEC_PROTO_SYNTAX') add({ ...d, offset: 0, length: 0, path: '' }, '');
    }
    if (this._isDisposed) return;
    const now = new Set<string>();
    for (const [file, e] of byFile) {
      now.add(file);
      this.collection.set(vscode.Uri.file(file), toDiagnostics(e.diags, e.text));
    }
    for (const file of this.shown) if (!now.has(file)) this.collection.delete(vscode.Uri.file(file));
    this.shown = now;
  }
}
