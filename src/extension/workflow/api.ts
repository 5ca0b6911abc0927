import type { MockDefinition } from '../../core/engine/mock/definition';
import type { Prompter } from './prompter';
import type { TrustPolicy } from './trust';

/** What registerWorkflow() adds to the extension's public API (merged into WorkbenchApi). */
export interface WorkflowApi {
  /** Starts a mock from a collection file (by name; default its first mock) or a definition object. */
  startMock(fileOrDef: string | MockDefinition, name?: string): Promise<{ id: string; url: string; name: string }>;
  /** Stops a running mock and terminates its clients; false when it was not running. */
  stopMock(id: string): Promise<boolean>;
  /** Running mocks. `url`: where the mock listens (extension host); `browserUrl`: what a browser on the user's machine uses (asExternalUri), once known. */
  listMocks(): Array<{ id: string; name: string; url: string; browserUrl?: string; file?: string; clients: number }>;
  /** Parsed collection files with their problem counts. */
  collections(): Array<{ file: string; name?: string; ok: boolean; diagnostics: number; requests: string[]; mocks: string[] }>;
  /** The active environment of this workspace. */
  activeEnvironment(): string | undefined;
  /** Resolves once the workspace scan and pending reloads finished. */
  collectionsReady(): Promise<void>;
  /** Texts shown in the status bar. */
  statusBar(): { connection?: string; environment?: string; mocks?: string };
  /** The Workspace Trust policy for a trusted / restricted workspace. */
  trustPolicy(isTrusted: boolean): TrustPolicy;
  /** Runs the mock auto-start as it would run with this trust state; returns the started mock ids. */
  autoStartMocks(isTrusted: boolean): Promise<string[]>;
  /** Test hook: labels and descriptions the four tree views show now (collections expanded to messages). */
  _treeSnapshot(): Promise<Record<'collections' | 'connections' | 'mocks' | 'sessions', string[]>>;
  /** Test hook: where this extension's VS Code storage lives (to prove secrets never reach disk). */
  _storagePaths(): { globalStorage: string; workspaceStorage?: string; logs: string };
  /** Test hook: answer quick picks, input boxes and confirmations (undefined restores the real prompts). */
  _setPrompter(p: Partial<Prompter> | undefined): void;
}
