import * as vscode from 'vscode';
import { ConnectionManager } from '../../core/engine/connectionManager';
import type { Services } from '../services';
import { CodedError } from '../../core/errors';

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
    vscode.commands.registerCommand('websocketWorkbench.panel.openUrl', async (url: unknown, extra?: unknown) => {
      if (typeof url !== 'string') return undefined;
      const src = (extra as { source?: { file?: unknown; request?: unknown } } | undefined)?.source;
      const source = src && typeof src.file === 'string' && typeof src.request === 'string' ? { file: src.file, request: src.request } : undefined;
      const wp = await panels.openForUrl(url, {}, source ? { source } : {});
      return wp.binding.connection?.id;
    }),
    /** Runs a panel request (the webview contract: send, sendRepeat, control, disconnect, setView, …) on the panel showing a connection. */
    vscode.commands.registerCommand('websocketWorkbench.panel.run', async (connectionId: unknown, method: unknown, params: unknown) => {
      const panel = panels.list().find((p) => p.binding.connection?.id === connectionId);
      if (!panel) throw new CodedError('WSWB_PANEL_NOT_FOUND', `No panel shows connection ${String(connectionId)}`);
      if (typeof method !== 'string') throw new CodedError('WSWB_RPC_INVALID_PARAMS', 'method must be a string');
      return panel.binding.invoke(method, params ?? {});
    }),
    /** Read-only facts about open panels, for tests: posts made, rows in view, last snapshot. */
    vscode.commands.registerCommand('websocketWorkbench.panel.inspect', () =>
      panels.list().map((p) => ({
        readyCount: p.readyCount,
        visible: p.panel.visible,
        posts: p.binding.posts,
        rowsServed: p.binding.rowsServed,
        viewTotal: p.binding.viewTotal,
        connectionId: p.binding.connection?.id,
        state: p.binding.connection?.state,
        storeTotal: p.binding.connection?.store.length ?? 0,
        summary: p.binding.summary(),
        source: p.binding.sourceInfo,
      })),
    ),
  );
}
