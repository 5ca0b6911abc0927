import * as vscode from 'vscode';
import { MockRegistry, type RunningMock } from './mockRegistry';
import type { MockDefinition } from '../../core/engine/mock/definition';
import type { CollectionIndex } from './collectionIndex';
import { settings } from './config';
import { TimelineStore } from '../../core/engine/timelineStore';
import { CodedError } from '../../core/errors';

/** Starts and stops mocks for VS Code: bind address from settings and Workspace Trust, warnings, logs. */
export class MockHost implements vscode.Disposable {
  readonly registry = new MockRegistry();
  /** One timeline for every mock of this window (server-side view of each client). */
  readonly store: TimelineStore;

  constructor(private readonly index: CollectionIndex, private readonly log: vscode.LogOutputChannel) {
    this.store = new TimelineStore({ memoryBudgetBytes: Math.min(settings.memoryBudgetBytes(), 32 * 1024 * 1024) });
  }

  /** Starts a definition from a collection file (by name) or a definition object. */
  async start(fileOrDef: string | MockDefinition, name?: string, opts: { quiet?: boolean } = {}): Promise<RunningMock> {
    let def: MockDefinition;
    let file: string | undefined;
    if (typeof fileOrDef === 'string') {
      await this.index.settled();
      const entry = this.index.get(fileOrDef);
      if (!entry) throw new CodedError('WSWB_MOCK_NOT_FOUND', `no collection file ${fileOrDef}`);
      if (!entry.ok) throw new CodedError('WSWB_COLLECTION_INVALID', `${fileOrDef} has ${entry.errors.length} problem(s); fix them before starting a mock`);
      const mocks = entry.collection?.mocks ?? [];
      const found = name === undefined ? mocks[0] : mocks.find((m) => m.name === name);
      if (!found) throw new CodedError('WSWB_MOCK_NOT_FOUND', `no mock named "${name ?? '(first)'}" in ${fileOrDef}`);
      def = found;
      file = entry.file;
    } else {
      def = fileOrDef;
    }
    const bind = settings.bindAddress(def.host);
    if (bind.warning && !opts.quiet) void vscode.window.showWarningMessage(bind.warning);
    if (bind.warning) this.log.warn(`mock "${def.name}": ${bind.warning}`);
    const m = await this.registry.start(def, {
      host: bind.host,
      ...(file ? { file } : {}),
      deps: { store: this.store, payloadPreviewBytes: settings.payloadPreviewBytes(), log: (l) => this.log.debug(`mock "${def.name}": ${l}`) },
    });
    this.log.info(`mock "${m.name}" listening on ${m.url}`);
    return m;
  }

  async stop(id: string): Promise<boolean> {
    const m = this.registry.get(id);
    const ok = await this.registry.stop(id);
    if (ok && m) this.log.info(`mock "${m.name}" stopped`);
    return ok;
  }

  dispose(): void {
    // The store outlives the mocks: a stopping mock still records its last events.
    void this.registry.stopAll().finally(() => this.store.dispose());
  }
}

