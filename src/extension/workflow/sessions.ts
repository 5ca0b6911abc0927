import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../dispose';
import { redact } from '../../core/collections/variables';
import type { Connection } from '../../core/engine/connection';
import type { TimelineEvent } from '../../core/engine/events';
import { settings } from './config';
import { isInside, type SessionsFolderDecision } from './trust';
import { CodedError } from '../../core/errors';
import { loadTranscripts } from '../../core/lazy';

/** Transcript files end in `.ndjson` (docs/transcript-format.md). */
export const TRANSCRIPT_EXT = '.ndjson';

/**
 * The sessions folder of the first workspace folder (setting `websocketWorkbench.sessions.folder`).
 * In a restricted workspace a workspace value outside the workspace is ignored (trust.ts).
 */
export function sessionsFolder(): string | undefined {
  return sessionsDecision()?.folder;
}

function sessionsDecision(): (SessionsFolderDecision & { root: string }) | undefined {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!root || root.scheme !== 'file') return undefined;
  return { ...settings.sessionsFolder(root.fsPath), root: root.fsPath };
}

/**
 * The sessions folder, to write into. In a restricted workspace a folder the user did not choose must
 * really be inside the workspace: a symlink in a cloned repository (`.websocket/sessions -> ~/…`)
 * cannot send writes elsewhere. Throws WSWB_UNTRUSTED_SESSIONS_FOLDER when it would.
 */
export async function writableSessionsFolder(log?: vscode.LogOutputChannel): Promise<string> {
  const d = sessionsDecision();
  if (!d) throw new CodedError('WSWB_NO_WORKSPACE', 'Recording needs a workspace folder on disk');
  if (d.ignored !== undefined) log?.warn(`Restricted Mode: ignoring the workspace's sessions.folder "${d.ignored}" (outside the workspace); using ${d.folder}`);
  if (!vscode.workspace.isTrusted && !d.userChosen && !isInside(await realpathOfNearest(d.root), await realpathOfNearest(d.folder))) {
    throw new CodedError('WSWB_UNTRUSTED_SESSIONS_FOLDER', `Restricted Mode: the sessions folder ${d.folder} leads outside the workspace (a symbolic link); not writing there. Trust the workspace or set websocketWorkbench.sessions.folder in your user settings.`);
  }
  return d.folder;
}

/** realpath of `p`, or of its nearest existing ancestor joined with the rest. */
async function realpathOfNearest(p: string): Promise<string> {
  const rest: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(await fs.realpath(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return path.resolve(p);
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

/** Transcript files in the sessions folder, kept fresh by a watcher. */
export class SessionIndex extends Disposable {
  private files: string[] = [];
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private watcher: vscode.Disposable | undefined;

  constructor() {
    super();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('websocketWorkbench.sessions.folder')) this.rewatch();
    }));
    this._register(toDisposable(() => this.watcher?.dispose()));
    this.rewatch();
  }

  private rewatch(): void {
    this.watcher?.dispose();
    const folder = sessionsFolder();
    if (folder) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), `**/*${TRANSCRIPT_EXT}`));
      const d = [w, w.onDidCreate(() => void this.refresh()), w.onDidDelete(() => void this.refresh())];
      this.watcher = vscode.Disposable.from(...d);
    }
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const folder = sessionsFolder();
    const out: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory() && depth < 3) await walk(full, depth + 1);
        else if (e.isFile() && e.name.endsWith(TRANSCRIPT_EXT)) out.push(full);
      }
    };
    if (folder) await walk(folder, 0);
    out.sort().reverse();
    this.files = out;
    this.changed.fire();
  }

  list(): string[] {
    return this.files;
  }
}

/** One recording in progress: every event of a connection streamed to a transcript, secrets masked. */
export interface Recording {
  connectionId: string;
  file: string;
  stop(): Promise<void>;
}

/** Starts and stops recordings of client connections. */
export class Recorder implements vscode.Disposable {
  private readonly active = new Map<string, Recording>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly saved = new vscode.EventEmitter<{ connectionId: string; file: string }>();
  /** A recording stopped and its transcript is complete on disk. */
  readonly onDidSave = this.saved.event;

  constructor(private readonly log: vscode.LogOutputChannel, private readonly state: vscode.Memento, private readonly sessions: SessionIndex, private readonly version: string) {}

  isRecording(connectionId: string): boolean {
    return this.active.has(connectionId);
  }

  /** The transcript a connection is being recorded into, if it is. */
  fileOf(connectionId: string): string | undefined {
    return this.active.get(connectionId)?.file;
  }

  list(): Recording[] {
    return [...this.active.values()];
  }

  /** Starts recording `c` (what happened so far included) into a new transcript under the sessions folder. */
  async start(c: Connection, opts: { request?: Record<string, unknown>; secrets: readonly string[]; name?: string; offerGitignore?: (folder: string) => Promise<void> }): Promise<Recording> {
    const existing = this.active.get(c.id);
    if (existing) return existing;
    const folder = await writableSessionsFolder(this.log);
    await fs.mkdir(folder, { recursive: true });
    await opts.offerGitignore?.(folder);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const base = (opts.name ?? hostOf(c.options.url)).replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 60) || 'session';
    const file = path.join(folder, `${stamp}-${base}${TRANSCRIPT_EXT}`);
    const request = redact(opts.request ?? { url: c.options.url }, opts.secrets);
    const { TranscriptWriter, makeHeader, withPayloads } = loadTranscripts();
    const writer = await TranscriptWriter.create(file, makeHeader({ request, tool: { name: 'websocket-workbench', version: this.version } }));
    // Payloads too: a token sent in a message (an auth frame) must not reach the transcript either.
    const mask = (e: TimelineEvent): TimelineEvent => (opts.secrets.length ? redact(e, opts.secrets) : e);
    // What happened before recording started (the handshake, usually) comes first, payloads read back from disk if spilled.
    const before = c.store.slice(0, c.store.length).filter((e) => e.connection === c.id);
    for (const e of await withPayloads(before, (id) => c.store.readPayload(id))) writer.append(mask(e));
    const off = c.onEvent((e) => {
      if (e.connection === c.id) writer.append(mask(e));
    });
    let stopping: Promise<void> | undefined;
    const rec: Recording = {
      connectionId: c.id,
      file,
      stop: () =>
        (stopping ??= (async () => {
          off();
          this.active.delete(c.id);
          this.changed.fire();
          let ok = true;
          try {
            await writer.close();
          } catch (err) {
            ok = false;
            this.log.error(`recording ${file}: ${(err as Error).message}`);
          }
          await this.sessions.refresh();
          if (ok) this.saved.fire({ connectionId: c.id, file });
        })()),
    };
    this.active.set(c.id, rec);
    this.changed.fire();
    void this.sessions.refresh();
    this.log.info(`recording ${c.id} to ${file}`);
    return rec;
  }

  async stop(connectionId: string): Promise<boolean> {
    const r = this.active.get(connectionId);
    if (!r) return false;
    await r.stop();
    return true;
  }

  dispose(): void {
    for (const r of this.active.values()) void r.stop();
    this.changed.dispose();
    this.saved.dispose();
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'session';
  }
}
