/**
 * What the workflow shows: the four tree views (Collections, Connections, Mock Servers, Sessions)
 * and the status bar, kept current from the collection index, the running mocks and the workflow
 * state; plus the `hasActiveConnection` context key the menus use.
 */
import * as vscode from 'vscode';
import { DisposableStore } from '../dispose';
import type { WorkflowContext } from './context';
import { WorkflowStatusBar } from './statusBar';
import { CollectionsTree, ConnectionsTree, MocksTree, SessionsTree } from './views';

const CTX_ACTIVE = 'websocketWorkbench.hasActiveConnection';

/** The views and status bar, for the public API's status bar texts and the tree snapshot test hook. */
export interface WorkflowViews extends vscode.Disposable {
  readonly statusBar: WorkflowStatusBar;
  readonly trees: { collections: CollectionsTree; connections: ConnectionsTree; mocks: MocksTree; sessions: SessionsTree };
}

export function register(ctx: WorkflowContext): WorkflowViews {
  const store = new DisposableStore();
  const trees = {
    collections: store.add(new CollectionsTree(ctx.index, ctx.mocks, () => ctx.state.environment())),
    connections: store.add(new ConnectionsTree(ctx.services.connections, () => ctx.state.activeConnectionId(), (id) => ctx.recorder.isRecording(id))),
    mocks: store.add(new MocksTree(ctx.mocks)),
    sessions: store.add(new SessionsTree(ctx.sessions)),
  };
  const collectionsView = store.add(vscode.window.createTreeView('websocketWorkbench.collections', { treeDataProvider: trees.collections, showCollapseAll: true }));
  // Redrawn whenever it comes into view (cheap): CI once showed every expanded file with none of its
  // children drawn, soon after a collection file changed; the cause is not known.
  store.add(collectionsView.onDidChangeVisibility((e) => {
    if (e.visible) trees.collections.refresh();
  }));
  store.add(vscode.window.createTreeView('websocketWorkbench.connections', { treeDataProvider: trees.connections }));
  store.add(vscode.window.createTreeView('websocketWorkbench.mocks', { treeDataProvider: trees.mocks }));
  store.add(vscode.window.createTreeView('websocketWorkbench.sessions', { treeDataProvider: trees.sessions }));

  const statusBar = store.add(new WorkflowStatusBar({
    connections: ctx.services.connections,
    activeConnectionId: () => ctx.state.activeConnectionId(),
    environment: () => ctx.state.environment(),
    hasEnvironments: () => ctx.index.environments().length > 0,
    mocks: ctx.mocks,
    recordings: () => ctx.recorder.list().map((r) => ({ connectionId: r.connectionId, file: r.file })),
  }));
  store.add(ctx.recorder.onDidChange(() => {
    trees.connections.refresh();
    statusBar.update();
  }));
  store.add(ctx.index.onDidChange(() => statusBar.update()));
  store.add(ctx.state.onDidChange(() => {
    void vscode.commands.executeCommand('setContext', CTX_ACTIVE, ctx.state.activeConnection()?.state === 'open');
    trees.connections.refresh();
    trees.collections.refresh();
    statusBar.update();
  }));
  return { statusBar, trees, dispose: () => store.dispose() };
}
