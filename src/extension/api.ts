import type { Snapshot } from '../shared/contract';

/**
 * The API `activate()` returns, for other extensions and for the integration tests:
 * `vscode.extensions.getExtension('websocket-workbench.websocket-workbench').activate()`.
 * It grows with the engine; everything here is also reachable as a command.
 */
export interface WorkbenchApi {
  /** Extension version. */
  readonly version: string;
  /** Opens a workbench panel; resolves with a promise of its first ready-handshake snapshot. */
  openWorkbench(): Promise<{ ready: Promise<Snapshot> }>;
  /** Number of open workbench panels, and how many completed the ready handshake. */
  panels(): Array<{ readyCount: number; visible: boolean }>;
}
