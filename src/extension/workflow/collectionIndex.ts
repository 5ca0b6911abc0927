import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../dispose';
import { createLimiter, readCollectionFile } from '../../core/collections/fsio';
import { settings } from './config';
import { nextState, type CollectionState } from './collectionTree';
import { LineIndex } from '../../core/collections/parse';
import type { Collection, CollectionDiagnostic, MessageDef, RequestDef } from '../../core/collections/types';
import type { MockDefinition } from '../../core/engine/mock/definition';

/** Collection files read at once when the workspace is scanned. */
export const READ_CONCURRENCY = 8;

/** Glob of collection files. */
export const COLLECTION_GLOB = '**/*.websocket.json';

/** One collection file as last read from disk. */
export interface IndexedCollection extends CollectionState {
  uri: vscode.Uri;
  /** Absolute path. */
  file: string;
  /** Text as read (for edits that must not clobber external changes). */
  text?: string;
}

/** A saved request with where it lives. */
export interface RequestRef {
  file: string;
  collection: Collection;
  request: RequestDef;
}

/** A mock definition with where it lives. */
export interface MockRef {
  file: string;
  collection: Collection;
  mock: MockDefinition;
}

/** A saved message with its request. */
export interface MessageRef extends RequestRef {
  message: MessageDef;
}

/**
 * Every `*.websocket.json` in the workspace (not node_modules, files.exclude or search.exclude),
 * parsed by the collections core, kept fresh by a file watcher. Invalid files show in the Problems
 * panel with line and column and are never rewritten.
 */
export class CollectionIndex extends Disposable {
  private readonly files = new Map<string, IndexedCollection>();
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('websocket-collections'));
  /** What was last set per file, so a diagnostics change that alters nothing sets nothing. */
  private readonly shown = new Map<string, string>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private pendingFire: NodeJS.Timeout | undefined;
  private loading = new Map<string, Promise<void>>();
  /** Scans, watcher bursts (a checkout) and saves share it: a few files are read at a time, not 2,000 at once. */
  private readonly readLimit = createLimiter(READ_CONCURRENCY);
  /** Resolves when the first scan finished. */
  readonly ready: Promise<void>;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(COLLECTION_GLOB));
    this._register(watcher.onDidCreate((u) => void this.load(u)));
    this._register(watcher.onDidChange((u) => void this.load(u)));
    this._register(watcher.onDidDelete((u) => this.remove(u)));
    // Saves from the editor reach us at once, even where the watcher is slow (remote file systems).
    this._register(vscode.workspace.onDidSaveTextDocument((d) => {
      if (d.uri.scheme === 'file' && d.fileName.endsWith('.websocket.json')) void this.load(d.uri);
    }));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => void this.refresh()));
    // VS Code's JSON validation reporting (or clearing) the same errors: ours step aside (or back).
    this._register(vscode.languages.onDidChangeDiagnostics((e) => {
      for (const uri of e.uris) {
        const entry = uri.scheme === 'file' ? this.files.get(uri.fsPath) : undefined;
        if (entry) this.showDiagnostics(entry);
      }
    }));
    this._register(toDisposable(() => clearTimeout(this.pendingFire)));
    this.ready = this.refresh();
  }

  /** Rescans the workspace. */
  async refresh(): Promise<void> {
    let uris: vscode.Uri[] = [];
    try {
      uris = await vscode.workspace.findFiles(COLLECTION_GLOB, excludeGlob(), 2000);
    } catch (err) {
      this.log.warn(`collections: scan failed: ${String(err)}`);
    }
    const seen = new Set(uris.map((u) => u.fsPath));
    for (const f of [...this.files.keys()]) if (!seen.has(f)) this.remove(vscode.Uri.file(f));
    await Promise.all(uris.map((u) => this.load(u)));
    this.fire();
  }

  /** (Re)reads one file; never throws. */
  load(uri: vscode.Uri): Promise<void> {
    if (uri.scheme !== 'file' || isExcludedPath(uri.fsPath)) return Promise.resolve();
    const prev = this.loading.get(uri.fsPath) ?? Promise.resolve();
    const next = prev.then(() => this.doLoad(uri));
    this.loading.set(uri.fsPath, next);
    void next.finally(() => {
      if (this.loading.get(uri.fsPath) === next) this.loading.delete(uri.fsPath);
    });
    return next;
  }

  private async doLoad(uri: vscode.Uri): Promise<void> {
    if (this._isDisposed) return;
    const r = await this.readLimit(() => readCollectionFile(uri.fsPath, { maxBytes: settings.maxCollectionBytes() }));
    if (this._isDisposed) return;
    if (r.text === undefined && r.errors[0]?.code === 'WSWB_FILE_READ' && /ENOENT/.test(r.errors[0].message)) {
      this.remove(uri);
      return;
    }
    // An invalid read keeps the last valid collection (the tree shows it, marked); a valid one replaces it.
    const entry: IndexedCollection = nextState({ uri, file: uri.fsPath }, this.files.get(uri.fsPath), r);
    this.files.set(uri.fsPath, entry);
    this.showDiagnostics(entry);
    this.fire();
  }

  /**
   * Our problems for a file, said once: where VS Code's JSON validation already reports a syntax or
   * schema error on the same line (an open file, the schema contributed through `jsonValidation`
   * or named by `$schema`), ours is left out. Closed files, and files whose schema VS Code cannot
   * load, keep ours; what the schema cannot know (duplicate names, mock definitions) always stays.
   */
  private showDiagnostics(entry: IndexedCollection): void {
    const theirs = new Set(vscode.languages.getDiagnostics(entry.uri)
      // JSON validation reports schema violations as warnings, syntax errors as errors.
      .filter((d) => d.source !== SOURCE && d.severity <= vscode.DiagnosticSeverity.Warning)
      .map((d) => d.range.start.line));
    const ours = toDiagnostics(entry.errors, entry.text ?? '').filter((d) => !(JSON_VALIDATED.has(String(d.code)) && theirs.has(d.range.start.line)));
    const key = JSON.stringify(ours.map((d) => [d.range.start.line, d.range.start.character, d.message]));
    if (this.shown.get(entry.file) === key) return; // unchanged: setting it again would only fire another change
    this.shown.set(entry.file, key);
    this.diagnostics.set(entry.uri, ours);
  }

  private remove(uri: vscode.Uri): void {
    if (this.files.delete(uri.fsPath)) this.fire();
    this.shown.delete(uri.fsPath);
    this.diagnostics.delete(uri);
  }

  private fire(): void {
    // Coalesce bursts (a git checkout touching many files) into one tree refresh.
    clearTimeout(this.pendingFire);
    this.pendingFire = setTimeout(() => this.changed.fire(), 30);
  }

  /** Waits until no file is being (re)loaded. */
  async settled(): Promise<void> {
    await this.ready;
    while (this.loading.size) await Promise.all([...this.loading.values()]);
  }

  list(): IndexedCollection[] {
    return [...this.files.values()].sort((a, b) => a.file.localeCompare(b.file));
  }

  get(file: string): IndexedCollection | undefined {
    return this.files.get(path.resolve(file));
  }

  requests(): RequestRef[] {
    return this.list().flatMap((c) => (c.collection?.requests ?? []).map((request) => ({ file: c.file, collection: c.collection!, request })));
  }

  mocks(): MockRef[] {
    return this.list().flatMap((c) => (c.collection?.mocks ?? []).map((mock) => ({ file: c.file, collection: c.collection!, mock })));
  }

  findRequest(file: string, name: string): RequestRef | undefined {
    const c = this.get(file)?.collection;
    const request = c?.requests?.find((r) => r.name === name);
    return c && request ? { file: path.resolve(file), collection: c, request } : undefined;
  }

  findMock(file: string | undefined, name: string): MockRef | undefined {
    return this.mocks().find((m) => m.mock.name === name && (file === undefined || m.file === path.resolve(file)));
  }

  /** Environment names across all collections, sorted. */
  environments(): string[] {
    const names = new Set<string>();
    for (const c of this.list()) for (const n of Object.keys(c.collection?.environments ?? {})) names.add(n);
    return [...names].sort();
  }
}

/** Problems VS Code's JSON validation also reports for an open collection (syntax, and the contributed schema). */
const JSON_VALIDATED = new Set(['WSWB_COLLECTION_SYNTAX', 'WSWB_COLLECTION_SCHEMA']);
const SOURCE = 'WebSocket Workbench';

/** node_modules, files.exclude and search.exclude as one findFiles exclude glob. */
export function excludeGlob(): string {
  const globs = new Set<string>(['**/node_modules/**']);
  for (const section of ['files.exclude', 'search.exclude']) {
    const [s, key] = section.split('.') as [string, string];
    const v = vscode.workspace.getConfiguration(s).get<Record<string, unknown>>(key) ?? {};
    for (const [g, on] of Object.entries(v)) if (on === true) globs.add(g);
  }
  return `{${[...globs].join(',')}}`;
}

function isExcludedPath(file: string): boolean {
  return file.split(/[\\/]/).includes('node_modules');
}

/** Core diagnostics → VS Code diagnostics (1-based line/column → 0-based positions). */
export function toDiagnostics(errors: CollectionDiagnostic[], text: string): vscode.Diagnostic[] {
  const lines = new LineIndex(text);
  return errors.map((e) => {
    const start = new vscode.Position(Math.max(0, e.line - 1), Math.max(0, e.column - 1));
    let end = start.translate(0, 1);
    if (e.length > 0 && text) {
      const p = lines.position(e.offset + e.length);
      end = new vscode.Position(p.line - 1, p.column - 1);
    }
    const d = new vscode.Diagnostic(new vscode.Range(start, end), e.message, vscode.DiagnosticSeverity.Error);
    d.source = SOURCE;
    d.code = e.code;
    return d;
  });
}
