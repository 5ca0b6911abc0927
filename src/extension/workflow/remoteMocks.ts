/**
 * Mocks in remote windows, for VS Code: each running mock gets the URL a browser on the user's
 * machine can use (`vscode.env.asExternalUri`, which also forwards the port), and a refused browser
 * (Origin or Host check) raises one notification per mock, origin and host, whose Allow writes the
 * origin/host into the mock's collection file (collections core: atomic, formatting kept) and lets
 * it in at once. Restricted Mode never offers Allow, and refuses it if asked anyway.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MockRegistry, RunningMock } from './mockRegistry';
import { browserWsUrl, forwardableUri, mockUrlChoices, type MockUrlChoice } from './mockUrls';
import { ALLOW_ACTION, MOCK_REFUSED_BROWSER, OPEN_COLLECTION_ACTION, RefusalMemory, refusalNotice } from './mockRefusals';
import { MANAGE_TRUST_ACTION, MANAGE_TRUST_COMMAND } from './trust';
import { loadCollectionEdit } from '../../core/lazy';
import { editCollectionFile } from '../../core/collections/fsio';
import type { MockRefusal } from '../../core/engine/mock/gate';

/** Warning code: Allow was chosen but could not be carried out (file dirty, invalid, changed, untrusted). */
export const MOCK_ALLOW_FAILED = 'WSWB_MOCK_ALLOW_FAILED';

export interface RemoteMocksDeps {
  registry: MockRegistry;
  log: vscode.LogOutputChannel;
  notify: (message: string, actions: string[], code: string) => Promise<string | undefined>;
  /** Reloads a collection file in the index after an edit. */
  reload: (file: string) => Promise<void>;
}

export class RemoteMocks implements vscode.Disposable {
  private readonly memory = new RefusalMemory();
  private readonly offs = new Map<string, () => void>();

  constructor(private readonly deps: RemoteMocksDeps) {}

  attached(m: RunningMock): boolean {
    return this.offs.has(m.id);
  }

  /** Called once a mock listens: watches its refusals and resolves its browser URL (settles within `waitMs`, the URL may come later). */
  attach(m: RunningMock, waitMs = 3000): Promise<void> {
    this.offs.set(m.id, m.server.onRefusal((r) => this.onRefusal(m, r)));
    const off = this.deps.registry.onDidChange(() => {
      if (this.deps.registry.get(m.id)) return;
      off();
      this.offs.get(m.id)?.();
      this.offs.delete(m.id);
      this.memory.forget(m.id);
    });
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([this.resolveBrowserUrl(m), new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]).finally(() => clearTimeout(timer));
  }

  private async resolveBrowserUrl(m: RunningMock): Promise<void> {
    const http = forwardableUri(m.url);
    if (!http) return;
    try {
      const external = await vscode.env.asExternalUri(vscode.Uri.parse(http));
      // Uri.toString(true): no percent-encoding of the path a browser would not expect.
      const url = browserWsUrl(external.toString(true));
      if (!url || !this.deps.registry.get(m.id)) return;
      m.browserUrl = url;
      if (url !== m.url) this.deps.log.info(`mock "${m.name}": browsers on your machine use ${url} (forwarded to ${m.url})`);
      this.deps.registry.changed();
    } catch (err) {
      this.deps.log.warn(`mock "${m.name}": no external URL for ${m.url}: ${(err as Error).message}`);
    }
  }

  private onRefusal(m: RunningMock, r: MockRefusal): void {
    if (!this.memory.first(m.id, r)) return;
    const trusted = vscode.workspace.isTrusted;
    const notice = refusalNotice(m.name, r, { trusted, ...(m.file ? { file: path.basename(m.file) } : {}) });
    this.deps.log.warn(`${MOCK_REFUSED_BROWSER} ${notice.message}`);
    const actions = notice.allow ? [ALLOW_ACTION, ...(m.file ? [OPEN_COLLECTION_ACTION] : [])] : notice.withheld === 'untrusted' ? [MANAGE_TRUST_ACTION] : m.file ? [OPEN_COLLECTION_ACTION] : [];
    void this.deps.notify(notice.message, actions, MOCK_REFUSED_BROWSER).then(async (a) => {
      if (a === ALLOW_ACTION && notice.allow) await this.allow(m, notice.allow);
      else if (a === OPEN_COLLECTION_ACTION && m.file) await vscode.window.showTextDocument(vscode.Uri.file(m.file), { preview: false });
      else if (a === MANAGE_TRUST_ACTION) await vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
    });
  }

  /** Allow: file first (so a restart keeps it), then the running mock. Returns false when refused. */
  async allow(m: RunningMock, add: { origins: string[]; hosts: string[] }): Promise<boolean> {
    const fail = (why: string) => {
      this.deps.log.warn(`${MOCK_ALLOW_FAILED} mock "${m.name}": ${why}`);
      void this.deps.notify(`Mock "${m.name}": not allowed: ${why}`, [], MOCK_ALLOW_FAILED);
      return false;
    };
    if (!vscode.workspace.isTrusted) return fail('Restricted Mode never widens a mock');
    if (m.file) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.resolve(m.file!));
      if (doc?.isDirty) return fail(`${path.basename(m.file)} has unsaved changes in an editor; save or revert it, then connect again`);
      try {
        await editCollectionFile(m.file, (t) => loadCollectionEdit().allowInMock(t, m.name, add));
      } catch (err) {
        return fail((err as Error).message);
      }
      await this.deps.reload(m.file).catch(() => undefined);
    }
    const added = m.server.allow(add);
    this.deps.log.info(`mock "${m.name}": allowed ${[...added.origins, ...added.hosts].join(', ') || 'nothing new'}${m.file ? ` (written to ${path.basename(m.file)})` : ' (until it stops)'}`);
    return true;
  }

  /**
   * WebSocket: Copy Mock URL. `arg`: a Mock Servers view node (`{ type: 'runningMock', id }` or a URL
   * row `{ type: 'mockUrl', id, which }`), `{ id }` or an id; else picks a running mock. Offers the
   * browser URL next to the local one when they differ. Returns the URL copied.
   */
  async copyMockUrl(arg: unknown, pick: <T extends vscode.QuickPickItem>(items: T[], o: vscode.QuickPickOptions) => Promise<T | undefined>): Promise<string | undefined> {
    const a = typeof arg === 'string' ? { id: arg } : typeof arg === 'object' && arg !== null ? (arg as { id?: unknown; which?: unknown }) : {};
    let m = typeof a.id === 'string' ? this.deps.registry.get(a.id) : undefined;
    if (!m) {
      const running = this.deps.registry.list();
      if (!running.length) {
        void vscode.window.showInformationMessage('No mock server is running.');
        return undefined;
      }
      m = running.length === 1 ? running[0]! : (await pick(running.map((r) => ({ label: `$(server) ${r.name}`, description: r.browserUrl ?? r.url, r })), { title: 'WebSocket: Copy Mock URL' }))?.r;
      if (!m) return undefined;
    }
    const choices = mockUrlChoices(m);
    const which = a.which === 'browser' || a.which === 'local' ? a.which : undefined;
    const chosen: MockUrlChoice | undefined = which
      ? (choices.find((c) => c.which === which) ?? choices[0])
      : choices.length === 1
        ? choices[0]
        : (await pick(choices.map((c) => ({ label: c.label, description: c.url, detail: c.detail, c })), { title: `Copy URL of mock "${m.name}"` }))?.c;
    if (!chosen) return undefined;
    await vscode.env.clipboard.writeText(chosen.url);
    void vscode.window.showInformationMessage(`Copied ${chosen.url} (${chosen.label.toLowerCase()})`);
    return chosen.url;
  }

  dispose(): void {
    for (const off of this.offs.values()) off();
    this.offs.clear();
  }
}
