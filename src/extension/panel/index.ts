import * as vscode from 'vscode';
import { ConnectionManager } from '../../core/engine/connectionManager';
import type { Services } from '../services';

/**
 * Registers the panel's features: panels create connections through services.connections, and two
 * internal (uncontributed) commands serve other features and the tests.
 */
export function registerPanelFeatures(services: Services): void {
  const { context, panels } = services;
  if (!services.connections) {
    // The engine's manager landed before the lead wired it: create it here, once per window.
    const manager = new ConnectionManager();
    services.connections = manager;
    context.subscriptions.push({ dispose: () => void manager.disposeAll() });
  }
  panels.useConnections(() => services.connections);
  context.subscriptions.push(
    /** Opens a panel connected to a URL (used by links and tests). */
    vscode.commands.registerCommand('websocketWorkbench.panel.openUrl', async (url: unknown) => {
      if (typeof url !== 'string') return undefined;
      const wp = await panels.openForUrl(url);
      return wp.binding.connection?.id;
    }),
    /** Read-only facts about open panels, for tests: posts made, rows in view, last snapshot. */
    vscode.commands.registerCommand('websocketWorkbench.panel.inspect', () =>
      panels.list().map((p) => ({
        readyCount: p.readyCount,
        visible: p.panel.visible,
        posts: p.binding.posts,
        viewTotal: p.binding.viewTotal,
        connectionId: p.binding.connection?.id,
        state: p.binding.connection?.state,
        storeTotal: p.binding.connection?.store.length ?? 0,
        summary: p.binding.summary(),
      })),
    ),
  );
}
