import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CollectionIndex } from './collectionIndex';
import type { RunningMock } from './mockRegistry';

/** `tasks.json` type of a mock server task. */
export const MOCK_TASK_TYPE = 'websocket-mock';

/** `{ "type": "websocket-mock", "file": "api.websocket.json", "name": "echo" }` */
export interface MockTaskDefinition extends vscode.TaskDefinition {
  type: typeof MOCK_TASK_TYPE;
  /** Collection file, relative to the workspace folder (or absolute). */
  file?: string;
  /** Mock name in that file (default: its first mock). */
  name?: string;
}

/** How a task starts and stops a mock (the workflow's mock commands). */
export interface MockControl {
  start(file: string, name: string | undefined, opts: { quiet?: boolean }): Promise<RunningMock>;
  stop(id: string): Promise<boolean>;
}

/**
 * Provides a background task per mock definition; running it starts the mock in this window (so it
 * shows in the tree and status bar), prints its URL, and stops it (terminating clients) when the
 * task is terminated. The `$websocket-mock` problem matcher ends the task's "begin" phase at the
 * "listening on" line, so the task works as a `preLaunchTask`.
 */
export class MockTaskProvider implements vscode.TaskProvider {
  constructor(private readonly index: CollectionIndex, private readonly mocks: MockControl) {}

  async provideTasks(): Promise<vscode.Task[]> {
    await this.index.settled();
    return this.index.mocks().map((m) => {
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(m.file));
      const file = folder ? path.relative(folder.uri.fsPath, m.file).split(path.sep).join('/') : m.file;
      return this.build({ type: MOCK_TASK_TYPE, file, name: m.mock.name }, folder ?? vscode.TaskScope.Workspace);
    });
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as MockTaskDefinition;
    if (def.type !== MOCK_TASK_TYPE) return undefined;
    const scope = task.scope ?? vscode.TaskScope.Workspace;
    return this.build(def, scope);
  }

  private build(def: MockTaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope): vscode.Task {
    const label = `mock: ${def.name ?? path.basename(def.file ?? 'collection')}`;
    const folder = typeof scope === 'object' ? scope : undefined;
    const task = new vscode.Task(
      def,
      scope,
      label,
      'websocket-workbench',
      new vscode.CustomExecution(async (resolved) => new MockPty(this.index, this.mocks, resolved as MockTaskDefinition, folder)),
      ['$websocket-mock'],
    );
    task.isBackground = true;
    task.detail = def.file ? `${def.file}${def.name ? ` → ${def.name}` : ''}` : undefined;
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, panel: vscode.TaskPanelKind.Dedicated };
    return task;
  }
}

/** The pseudo-terminal of a running mock task. */
class MockPty implements vscode.Pseudoterminal {
  private readonly write = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.write.event;
  readonly onDidClose = this.closeEmitter.event;
  private mockId: string | undefined;
  private offEvents: (() => void) | undefined;
  private closed = false;

  constructor(private readonly index: CollectionIndex, private readonly mocks: MockControl, private readonly def: MockTaskDefinition, private readonly folder: vscode.WorkspaceFolder | undefined) {}

  open(): void {
    void this.start();
  }

  private line(s: string): void {
    this.write.fire(s.replace(/\r?\n/g, '\r\n') + '\r\n');
  }

  private async start(): Promise<void> {
    const root = this.folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    let file = this.def.file ? (path.isAbsolute(this.def.file) ? this.def.file : path.join(root, this.def.file)) : undefined;
    this.line(`Starting mock server ${this.def.name ?? ''}${file ? ` from ${path.relative(root, file) || file}` : ''}…`);
    try {
      await this.index.settled();
      if (!file) {
        const first = this.index.mocks().find((m) => this.def.name === undefined || m.mock.name === this.def.name);
        if (!first) throw Object.assign(new Error(`no mock named "${this.def.name ?? ''}" in the workspace`), { code: 'WSWB_MOCK_NOT_FOUND' });
        file = first.file;
      } else if (!this.index.get(file)) {
        await this.index.load(vscode.Uri.file(file));
      }
      const m = await this.mocks.start(file, this.def.name, { quiet: true });
      if (this.closed) {
        await this.mocks.stop(m.id);
        return;
      }
      this.mockId = m.id;
      this.offEvents = m.server.onEvent((e) => {
        if (e.kind === 'state' && e.state === 'open') this.line(`client ${e.connection} connected`);
        else if (e.kind === 'close') this.line(`client ${e.connection} closed ${e.code}${e.reason ? ` ${e.reason}` : ''}`);
        else if (e.kind === 'error') this.line(`client ${e.connection}: ${e.code} ${e.message}`);
      });
      this.line(`Mock "${m.name}" listening on ${m.url}`);
      if (m.browserUrl && m.browserUrl !== m.url) this.line(`Browsers on your machine: ${m.browserUrl}`);
      this.line('Terminate the task to stop it (clients are disconnected).');
    } catch (err) {
      const e = err as Error & { code?: string };
      this.line(`ERROR ${file ?? this.def.file ?? 'collection'}: ${e.code ? `${e.code}: ` : ''}${e.message}`);
      this.closeEmitter.fire(1);
    }
  }

  close(): void {
    this.closed = true;
    this.offEvents?.();
    if (this.mockId) void this.mocks.stop(this.mockId);
    this.closeEmitter.fire(0);
  }
}
