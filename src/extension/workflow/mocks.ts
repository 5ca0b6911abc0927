import * as path from 'node:path';
import * as vscode from 'vscode';
import { MockRegistry, type RunningMock } from './mockRegistry';
import type { MockDefinition } from '../../core/engine/mock/definition';
import type { CollectionIndex } from './collectionIndex';
import { settings } from './config';
import { MANAGE_TRUST_ACTION, MANAGE_TRUST_COMMAND, restrictMockExposure } from './trust';
import { TimelineStore } from '../../core/engine/timelineStore';
import { RemoteMocks } from './remoteMocks';

/** Warning code: a restricted workspace ran a mock with safer settings than its definition asked for. */
export const UNTRUSTED_MOCK_DOWNGRADED = 'WSWB_UNTRUSTED_MOCK_DOWNGRADED';

/** Starts and stops mocks for VS Code: bind address from settings and Workspace Trust, warnings, logs. */
export class MockHost implements vscode.Disposable {
  readonly registry = new MockRegistry();
  /** One timeline for every mock of this window (server-side view of each client). */
  readonly store: TimelineStore;
  /** Browser URLs (asExternalUri) and refusal notifications with Allow. */
  readonly remote: RemoteMocks;

  constructor(
    private readonly index: CollectionIndex,
    private readonly log: vscode.LogOutputChannel,
    /** Shows a warning notification with actions (the workflow's prompter, so tests can see it). */
    private readonly notify: (message: string, actions: string[], code: string) => Promise<string | undefined>,
  ) {
    this.store = new TimelineStore({ memoryBudgetBytes: Math.min(settings.memoryBudgetBytes(), 32 * 1024 * 1024) });
    this.remote = new RemoteMocks({ registry: this.registry, log, notify, reload: (f) => index.load(vscode.Uri.file(f)) });
  }

  /** Starts a definition from a collection file (by name) or a definition object. */
  async start(fileOrDef: string | MockDefinition, name?: string, opts: { quiet?: boolean } = {}): Promise<RunningMock> {
    let def: MockDefinition;
    let file: string | undefined;
    if (typeof fileOrDef === 'string') {
      await this.index.settled();
      const entry = this.index.get(fileOrDef);
      if (!entry) throw coded('WSWB_MOCK_NOT_FOUND', `no collection file ${fileOrDef}`);
      if (!entry.ok) throw coded('WSWB_COLLECTION_INVALID', `${fileOrDef} has ${entry.errors.length} problem(s); fix them before starting a mock`);
      const mocks = entry.collection?.mocks ?? [];
      const found = name === undefined ? mocks[0] : mocks.find((m) => m.name === name);
      if (!found) throw coded('WSWB_MOCK_NOT_FOUND', `no mock named "${name ?? '(first)'}" in ${fileOrDef}`);
      def = found;
      file = entry.file;
    } else {
      def = fileOrDef;
    }
    const isTrusted = vscode.workspace.isTrusted;
    const bind = settings.bindAddress(def.host, isTrusted);
    // Restricted Mode: the definition cannot widen its own exposure; say so whatever `quiet` asks.
    const exposure = restrictMockExposure(def, isTrusted);
    const downgrades = [...(bind.code === 'WSWB_UNTRUSTED_BIND_IGNORED' ? [`bind address ${def.host !== undefined ? JSON.stringify(def.host) : 'from the workspace settings'} ignored (listens on ${bind.host})`] : []), ...exposure.downgrades];
    if (downgrades.length) {
      const notice = `Restricted Mode: mock "${def.name}"${file ? ` from ${path.basename(file)}` : ''} runs with safe defaults: ${downgrades.join('; ')}.`;
      this.log.warn(`${UNTRUSTED_MOCK_DOWNGRADED} ${notice}`);
      void this.notify(notice, [MANAGE_TRUST_ACTION], UNTRUSTED_MOCK_DOWNGRADED).then((a) => {
        if (a === MANAGE_TRUST_ACTION) void vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
      });
    } else if (bind.warning) {
      if (!opts.quiet) void vscode.window.showWarningMessage(bind.warning);
      this.log.warn(`mock "${def.name}": ${bind.warning}`);
    }
    const m = await this.registry.start(exposure.definition, {
      host: bind.host,
      ...(file ? { file } : {}),
      deps: { store: this.store, payloadPreviewBytes: settings.payloadPreviewBytes(), log: (l) => this.log.debug(`mock "${def.name}": ${l}`) },
    });
    this.log.info(`mock "${m.name}" listening on ${m.url}`);
    if (!this.remote.attached(m)) await this.remote.attach(m);
    return m;
  }

  async stop(id: string): Promise<boolean> {
    const m = this.registry.get(id);
    const ok = await this.registry.stop(id);
    if (ok && m) this.log.info(`mock "${m.name}" stopped`);
    return ok;
  }

  dispose(): void {
    this.remote.dispose();
    // The store outlives the mocks: a stopping mock still records its last events.
    void this.registry.stopAll().finally(() => this.store.dispose());
  }
}

function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
