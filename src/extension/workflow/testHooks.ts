/**
 * What only the integration and end-to-end suites reach, through the public API's `_`-prefixed
 * members: answer prompts, read the tree views as text, find this extension's storage folders.
 * Nothing in the extension calls these.
 */
import type * as vscode from 'vscode';
import type { WorkflowApi } from './api';
import type { WorkflowContext } from './context';
import type { WorkflowViews } from './ui';

export type TestHooks = Pick<WorkflowApi, '_setPrompter' | '_treeSnapshot' | '_storagePaths'>;

export function testHooks(ctx: WorkflowContext, views: WorkflowViews): TestHooks {
  return {
    _setPrompter: (p) => ctx.prompts.set(p),
    _treeSnapshot: () => treeSnapshot(ctx, views),
    _storagePaths: () => {
      const ext = ctx.services.context;
      return { globalStorage: ext.globalStorageUri.fsPath, ...(ext.storageUri ? { workspaceStorage: ext.storageUri.fsPath } : {}), logs: ext.logUri.fsPath };
    },
  };
}

/** Labels and descriptions the four tree views show now, indented by depth (collections expanded to messages). */
async function treeSnapshot(ctx: WorkflowContext, views: WorkflowViews): Promise<Record<'collections' | 'connections' | 'mocks' | 'sessions', string[]>> {
  await ctx.index.settled();
  const label = (i: vscode.TreeItem) => `${typeof i.label === 'string' ? i.label : (i.label?.label ?? '')}${i.description ? ` — ${String(i.description)}` : ''}`;
  const walk = async <T>(p: vscode.TreeDataProvider<T>, node: T | undefined, depth: number, out: string[]): Promise<string[]> => {
    for (const child of (await p.getChildren(node)) ?? []) {
      out.push('  '.repeat(depth) + label(await p.getTreeItem(child)));
      await walk(p, child, depth + 1, out);
    }
    return out;
  };
  const { trees } = views;
  return {
    collections: await walk(trees.collections, undefined, 0, []),
    connections: await walk(trees.connections, undefined, 0, []),
    mocks: await walk(trees.mocks, undefined, 0, []),
    sessions: await walk(trees.sessions, undefined, 0, []),
  };
}
