import type { MockDefinition } from '../../core/engine/mock/definition';
import type { WorkflowContext } from './context';
import { autoStart, startMock, stopMock } from './mockCommands';
import type { Prompter } from './prompter';
import { testHooks } from './testHooks';
import { trustPolicy, type TrustPolicy } from './trust';
import type { WorkflowViews } from './ui';

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
  statusBar(): { connection?: string; environment?: string; mocks?: string; recording?: string };
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

/** The API over the workflow's context and views (the `_` members come from testHooks.ts). */
export function workflowApi(ctx: WorkflowContext, views: WorkflowViews): WorkflowApi {
  return {
    startMock: async (fileOrDef, name) => {
      const m = await startMock(ctx, fileOrDef, name, { quiet: true });
      return { id: m.id, url: m.url, name: m.name };
    },
    stopMock: (id) => stopMock(ctx, id),
    listMocks: () => ctx.mocks.list().map((m) => ({ id: m.id, name: m.name, url: m.url, ...(m.browserUrl ? { browserUrl: m.browserUrl } : {}), ...(m.file ? { file: m.file } : {}), clients: m.server.clients().length })),
    collections: () =>
      ctx.index.list().map((c) => ({
        file: c.file,
        ok: c.ok,
        diagnostics: c.errors.length,
        ...(c.collection ? { name: c.collection.name } : {}),
        requests: (c.collection?.requests ?? []).map((r) => r.name),
        mocks: (c.collection?.mocks ?? []).map((m) => m.name),
      })),
    activeEnvironment: () => ctx.state.environment(),
    collectionsReady: () => ctx.index.settled(),
    statusBar: () => views.statusBar.snapshot(),
    trustPolicy: (isTrusted) => trustPolicy(isTrusted),
    autoStartMocks: (isTrusted) => autoStart(ctx, isTrusted),
    ...testHooks(ctx, views),
  };
}
