import type * as vscode from 'vscode';
import type { ConnectionManager } from '../core/engine/connectionManager';
import type { PanelManager } from './panel/panelManager';

/**
 * The extension host's root services, created once in activate() and handed to each feature's
 * register function. Features add what they own to `context.subscriptions` themselves.
 */
export interface Services {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  /** Every live client connection (engine); each has its own timeline store. */
  connections: ConnectionManager;
  /** Workbench panels. */
  panels: PanelManager;
}
