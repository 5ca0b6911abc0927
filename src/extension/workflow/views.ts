import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../dispose';
import type { CollectionIndex, IndexedCollection } from './collectionIndex';
import { mockUrlChoices } from './mockUrls';
import type { MockRegistry, RunningMock } from './mockRegistry';
import type { ConnectionManager } from '../../core/engine/connectionManager';
import type { Connection } from '../../core/engine/connection';
import { isProtocolMessage, type Collection, type MessageDef, type RequestDef } from '../../core/collections/types';
import { replaceReferences } from '../../core/collections/template';
import type { MockDefinition } from '../../core/engine/mock/definition';
import type { SessionIndex } from './sessions';
import { childNodes, fileRow, shownCollection, type CollectionNode } from './collectionTree';

export type { CollectionNode } from './collectionTree';

/** Node of the Connections view. */
export interface ConnectionNode {
  type: 'connection';
  id: string;
}

/** Node of the Mock Servers view. */
export interface RunningMockNode {
  type: 'runningMock';
  id: string;
}

/** A URL row under a running mock: where it listens, and what a browser on the user's machine uses. */
export interface MockUrlNode {
  type: 'mockUrl';
  id: string;
  which: 'browser' | 'local';
}

/** Node of the Sessions view. */
export interface SessionNode {
  type: 'session';
  file: string;
}

function rel(file: string): string {
  return vscode.workspace.asRelativePath(file, true);
}

/** Collections: file → requests → messages, and the file's mocks. */
export class CollectionsTree extends Disposable implements vscode.TreeDataProvider<CollectionNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<CollectionNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly index: CollectionIndex, private readonly mocks: MockRegistry, private readonly environment: () => string | undefined = () => undefined) {
    super();
    this._register(index.onDidChange(() => this.emitter.fire(undefined)));
    this._register(toDisposable(mocks.onDidChange(() => this.emitter.fire(undefined))));
  }

  /** Redraws (the active environment changed: URLs resolve differently). */
  refresh(): void {
    this.emitter.fire(undefined);
  }

  getChildren(node?: CollectionNode): CollectionNode[] {
    if (!node) return this.index.list().map((c) => ({ type: 'file', file: c.file }));
    // An invalid file keeps showing its last valid tree (the file row says what is wrong).
    return childNodes(this.index.get(node.file), node);
  }

  getTreeItem(node: CollectionNode): vscode.TreeItem {
    const entry = this.index.get(node.file);
    const collection = shownCollection(entry);
    switch (node.type) {
      case 'file':
        return fileItem(node, entry);
      case 'request': {
        const r = collection?.requests?.find((x) => x.name === node.request);
        const item = new vscode.TreeItem(node.request, r?.messages?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `req:${node.file}#${node.request}`;
        // The URL it connects to, with the active environment (secrets stay as written).
        const resolved = r && collection ? resolvedUrl(collection, r, this.environment()) : undefined;
        item.description = resolved;
        item.tooltip = requestTooltip(r, resolved);
        item.iconPath = new vscode.ThemeIcon('plug');
        item.contextValue = 'request';
        item.command = { command: 'websocketWorkbench.revealInFile', title: 'Reveal in File', arguments: [node] };
        return item;
      }
      case 'message': {
        const r = collection?.requests?.find((x) => x.name === node.request);
        const m = r?.messages?.find((x) => x.name === node.message);
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.id = `msg:${node.file}#${node.request}#${node.message}`;
        item.description = m ? messagePreview(m) : '';
        item.iconPath = new vscode.ThemeIcon(m?.kind === 'binary' ? 'file-binary' : m?.kind === 'json' ? 'json' : 'comment');
        item.contextValue = 'message';
        item.command = { command: 'websocketWorkbench.revealInFile', title: 'Reveal in File', arguments: [node] };
        return item;
      }
      case 'mock': {
        const def = collection?.mocks?.find((x) => x.name === node.mock);
        const running = this.mocks.find(node.mock, node.file);
        const item = new vscode.TreeItem(node.mock, vscode.TreeItemCollapsibleState.None);
        item.id = `mock:${node.file}#${node.mock}`;
        item.description = running ? running.url : mockSummary(def);
        item.tooltip = def?.description ?? `Mock server ${node.mock}`;
        item.iconPath = new vscode.ThemeIcon(running ? 'vm-running' : 'server', running ? new vscode.ThemeColor('testing.iconPassed') : undefined);
        item.contextValue = running ? 'mockDefRunning' : 'mockDef';
        item.command = { command: 'websocketWorkbench.revealInFile', title: 'Reveal in File', arguments: [node] };
        return item;
      }
    }
  }

  getParent(node: CollectionNode): CollectionNode | undefined {
    if (node.type === 'file') return undefined;
    if (node.type === 'message') return { type: 'request', file: node.file, request: node.request };
    return { type: 'file', file: node.file };
  }
}

function fileItem(node: { file: string }, entry: IndexedCollection | undefined): vscode.TreeItem {
  const row = fileRow(entry, path.basename(node.file), rel(node.file));
  const item = new vscode.TreeItem(row.label, row.expandable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  item.id = `file:${node.file}`;
  item.resourceUri = vscode.Uri.file(node.file);
  item.description = row.description;
  if (entry && row.invalid) {
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    item.tooltip = entry.errors.slice(0, 5).map((e) => `${e.line}:${e.column} ${e.message}`).join('\n');
    item.contextValue = 'collectionFileInvalid';
  } else {
    item.iconPath = new vscode.ThemeIcon('json');
    item.tooltip = entry?.collection?.description ?? rel(node.file);
    item.contextValue = 'collectionFile';
  }
  item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
  return item;
}

/** A request's URL with `{{variables}}` replaced: request, then collection, then the active environment's (unknown ones and secrets stay as written). */
export function resolvedUrl(c: Collection, r: RequestDef, environment: string | undefined): string {
  const env = environment !== undefined && c.environments && Object.hasOwn(c.environments, environment) ? c.environments[environment] : undefined;
  const layers = [r.variables, c.variables, env];
  return replaceReferences(r.url, (k) => {
    if (k.startsWith('secret:')) return undefined;
    for (const l of layers) if (l && Object.hasOwn(l, k)) return l[k];
    return undefined;
  });
}

function requestTooltip(r: RequestDef | undefined, resolved?: string): vscode.MarkdownString | undefined {
  if (!r) return undefined;
  const md = new vscode.MarkdownString();
  md.appendText(`${r.name}\n`);
  md.appendCodeblock(resolved && resolved !== r.url ? `${resolved}\n(written ${r.url})` : r.url, 'text');
  if (r.description) md.appendText(r.description);
  return md;
}

function messagePreview(m: MessageDef): string {
  if (isProtocolMessage(m)) {
    const { name: _n, description: _d, expect: _e, ...fields } = m;
    const raw = JSON.stringify(fields);
    return raw.length > 60 ? raw.slice(0, 59) + '…' : raw;
  }
  const raw = m.kind === 'binary' ? (m.hex ?? m.base64 ?? '') : typeof m.data === 'string' ? m.data : JSON.stringify(m.data ?? null);
  return raw.length > 60 ? raw.slice(0, 59) + '…' : raw;
}

function mockSummary(def: MockDefinition | undefined): string {
  if (!def) return '';
  const parts = [def.port ? `port ${def.port}` : 'free port'];
  if (def.rules?.length) parts.push(`${def.rules.length} rule${def.rules.length === 1 ? '' : 's'}`);
  if (def.tls) parts.push('wss');
  return parts.join(' · ');
}

const STATE_ICONS: Record<string, [string, string?]> = {
  idle: ['circle-outline'],
  connecting: ['loading~spin'],
  open: ['pass-filled', 'testing.iconPassed'],
  closing: ['loading~spin'],
  closed: ['circle-slash', 'disabledForeground'],
};

/** Connections: every client connection with its state. */
export class ConnectionsTree extends Disposable implements vscode.TreeDataProvider<ConnectionNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<ConnectionNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly connections: ConnectionManager, private readonly activeId: () => string | undefined, private readonly recording: (id: string) => boolean = () => false) {
    super();
    this._register(toDisposable(connections.onDidChange(() => this.emitter.fire(undefined))));
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getChildren(node?: ConnectionNode): ConnectionNode[] {
    if (node) return [];
    return this.connections.list().map((c) => ({ type: 'connection', id: c.id }));
  }

  getTreeItem(node: ConnectionNode): vscode.TreeItem {
    const c = this.connections.get(node.id);
    const item = new vscode.TreeItem(c ? displayUrl(c) : node.id, vscode.TreeItemCollapsibleState.None);
    item.id = `conn:${node.id}`;
    const state = c?.state ?? 'closed';
    const rec = this.recording(node.id);
    item.description = `${state}${rec ? ' · REC' : ''}${this.activeId() === node.id ? ' · active' : ''}`;
    const [icon, color] = STATE_ICONS[state] ?? ['circle-outline'];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    // "…Recording": the menus offer Stop Recording only then, Record Session only otherwise.
    item.contextValue = (state === 'open' ? 'connectionOpen' : 'connection') + (rec ? 'Recording' : '');
    item.tooltip = `${node.id}\n${c?.options.url ?? ''}\n${state}`;
    item.command = { command: 'websocketWorkbench.focusConnection', title: 'Make Active', arguments: [node] };
    return item;
  }
}

function displayUrl(c: Connection): string {
  try {
    const u = new URL(c.options.url);
    // Never show credentials embedded in a URL.
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return c.options.url;
  }
}

/** Mock Servers: running mocks with their URLs. */
export class MocksTree extends Disposable implements vscode.TreeDataProvider<RunningMockNode | MockUrlNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<RunningMockNode | MockUrlNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  private readonly watched = new Map<string, () => void>();
  private pending: NodeJS.Timeout | undefined;

  constructor(private readonly registry: MockRegistry) {
    super();
    this._register(toDisposable(registry.onDidChange(() => this.sync())));
    this._register(toDisposable(() => {
      clearTimeout(this.pending);
      for (const off of this.watched.values()) off();
    }));
  }

  /** Follows each running mock's clients so the count stays current (coalesced: a flood of clients is one refresh). */
  private sync(): void {
    const live = new Set(this.registry.list().map((m) => m.id));
    for (const [id, off] of this.watched) {
      if (live.has(id)) continue;
      off();
      this.watched.delete(id);
    }
    for (const m of this.registry.list()) {
      if (this.watched.has(m.id)) continue;
      this.watched.set(m.id, m.server.onEvent((e) => {
        if (e.kind === 'close' || e.kind === 'message' || (e.kind === 'state' && (e.state === 'open' || e.state === 'closed'))) this.refreshSoon();
      }));
    }
    this.emitter.fire(undefined);
  }

  private refreshSoon(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.emitter.fire(undefined);
    }, 250);
  }

  getChildren(node?: RunningMockNode | MockUrlNode): Array<RunningMockNode | MockUrlNode> {
    if (node?.type === 'mockUrl') return [];
    if (node) {
      const m = this.registry.get(node.id);
      return m ? mockUrlChoices(m).map((c) => ({ type: 'mockUrl', id: node.id, which: c.which })) : [];
    }
    return this.registry.list().map((m) => ({ type: 'runningMock', id: m.id }));
  }

  getTreeItem(node: RunningMockNode | MockUrlNode): vscode.TreeItem {
    const m: RunningMock | undefined = this.registry.get(node.id);
    if (node.type === 'mockUrl') {
      const c = m ? mockUrlChoices(m).find((x) => x.which === node.which) : undefined;
      const row = new vscode.TreeItem(c?.label ?? node.which, vscode.TreeItemCollapsibleState.None);
      row.id = `running:${node.id}:${node.which}`;
      row.description = c?.url ?? '';
      row.tooltip = c ? `${c.url}\n${c.detail}\nClick to copy` : undefined;
      row.iconPath = new vscode.ThemeIcon(node.which === 'browser' ? 'globe' : 'vm');
      row.contextValue = 'mockUrl';
      row.command = { command: 'websocketWorkbench.copyMockUrl', title: 'Copy Mock URL', arguments: [node] };
      return row;
    }
    const item = new vscode.TreeItem(m?.name ?? node.id, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `running:${node.id}`;
    const clients = m ? m.server.clients().length : 0;
    const st = m?.server.stats();
    item.description = m && st ? `${m.url} · ${clients} client${clients === 1 ? '' : 's'} · ${st.messagesIn} in, ${st.messagesOut} out` : '';
    item.tooltip = m ? `${m.name}\n${mockUrlChoices(m).map((c) => `${c.label}: ${c.url}`).join('\n')}${m.file ? `\n${rel(m.file)}` : ''}` : undefined;
    item.iconPath = new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'));
    item.contextValue = 'runningMock';
    return item;
  }
}

/** Sessions: transcript files under the sessions folder. */
export class SessionsTree extends Disposable implements vscode.TreeDataProvider<SessionNode> {
  private readonly emitter = this._register(new vscode.EventEmitter<SessionNode | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly sessions: SessionIndex) {
    super();
    this._register(sessions.onDidChange(() => this.emitter.fire(undefined)));
  }

  getChildren(node?: SessionNode): SessionNode[] {
    if (node) return [];
    return this.sessions.list().map((file) => ({ type: 'session', file }));
  }

  getTreeItem(node: SessionNode): vscode.TreeItem {
    const item = new vscode.TreeItem(path.basename(node.file), vscode.TreeItemCollapsibleState.None);
    item.id = `session:${node.file}`;
    item.resourceUri = vscode.Uri.file(node.file);
    item.description = path.dirname(rel(node.file));
    item.iconPath = new vscode.ThemeIcon('history');
    item.contextValue = 'session';
    item.command = { command: 'websocketWorkbench.openSession', title: 'Open Session', arguments: [node] };
    return item;
  }
}
