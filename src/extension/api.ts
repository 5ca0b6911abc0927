import type { Snapshot } from '../shared/contract';
import type { WorkflowApi } from './workflow/api';
import type { ConnectionOptions } from '../core/engine/connection';
import type { ConnectionState, TimelineEvent } from '../core/engine/events';
import type { TestingApi } from './testing';

/**
 * The API `activate()` returns, for other extensions and for the integration tests:
 * `vscode.extensions.getExtension('websocket-workbench.websocket-workbench').activate()`.
 * It grows with the engine; everything here is also reachable as a command.
 */
export interface WorkbenchApi extends Partial<WorkflowApi> {
  /** Extension version. */
  readonly version: string;
  /**
   * How long activation took, measured in the host: bundle evaluation + activate() (wall time), and
   * the CPU time the host process spent during activate() (not inflated by a busy machine).
   */
  readonly activation: { loadMs: number; activateMs: number; activateCpuMs: number; totalMs: number };
  /** Opens a workbench panel; resolves with a promise of its first ready-handshake snapshot. */
  openWorkbench(): Promise<{ ready: Promise<Snapshot> }>;
  /** Number of open workbench panels, and how many completed the ready handshake. */
  panels(): Array<{ readyCount: number; visible: boolean }>;
  /** Opens a client connection (VS Code's proxy settings apply unless `proxy` is given); resolves with its id once open. */
  connect(url: string, options?: Omit<ConnectionOptions, 'url'>): Promise<string>;
  /** Sends a text (string) or binary (bytes) message on an open connection. */
  send(connectionId: string, data: string | Uint8Array | ArrayBuffer): void;
  /** Closes with a code and reason; resolves with what the server answered. */
  close(connectionId: string, code?: number, reason?: string): Promise<{ code: number; reason: string }>;
  /** Every recorded event of a connection (handshake, frames, messages, state, close, errors). */
  timeline(connectionId: string): TimelineEvent[];
  /** The full payload of a frame or message event of a connection's timeline, read back from disk if it was spilled. */
  readPayload(connectionId: string, eventId: number): Promise<Uint8Array>;
  /** The connection's timeline counters: recorded, in memory, on disk (spilled past the memory budget). */
  counters(connectionId: string): { recorded: number; inMemory: number; onDisk: number; bytesInMemory: number; bytesOnDisk: number };
  /** Live connections. */
  connections(): Array<{ id: string; url: string; state: ConnectionState }>;
  /** The Test Explorer's scenarios and requests with expectations (src/extension/testing). */
  testing?: TestingApi;
}
