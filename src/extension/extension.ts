import * as vscode from 'vscode';
import type { WorkbenchApi } from './api';
import { PanelManager } from './panel/panelManager';
import { registerPanelFeatures } from './panel';
import { registerWorkflow } from './workflow';
import type { Services } from './services';
import type { Snapshot } from '../shared/contract';

/** Activation: only on contributions (commands, views, the panel serializer). Keep it cheap. */
export function activate(context: vscode.ExtensionContext): WorkbenchApi {
  const log = vscode.window.createOutputChannel('WebSocket Workbench', { log: true });
  context.subscriptions.push(log);
  const panels = new PanelManager(context, log);
  context.subscriptions.push(panels);

  const services: Services = {
    context,
    log,
    // Set once the engine's ConnectionManager lands (see src/core/engine).
    connections: undefined as unknown as Services['connections'],
    panels,
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('websocketWorkbench.openWorkbench', () => {
      panels.open();
    }),
  );
  registerPanelFeatures(services);
  const workflowApi = registerWorkflow(services);

  const version: string = context.extension.packageJSON.version;
  return {
    ...workflowApi,
    version,
    async openWorkbench() {
      const panel = panels.open();
      const ready = new Promise<Snapshot>((resolve) => {
        const sub = panel.onDidBecomeReady((s) => {
          sub.dispose();
          resolve(s);
        });
      });
      return { ready };
    },
    panels: () => panels.list().map((p) => ({ readyCount: p.readyCount, visible: p.panel.visible })),
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
