/**
 * Session commands: Record Session / Stop Recording, Open Session (a transcript in a panel, never
 * connected), Replay Session, Session to Mock, Session to Scenario, Import HAR (into transcripts) and Export Session (a
 * transcript or a live connection as HAR, secrets masked).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CodedError } from '../../core/errors';
import { atomicWriteFile } from '../../core/collections/fsio';
import type { Collection } from '../../core/collections/types';
import type { Connection } from '../../core/engine/connection';
import type { TimelineEvent } from '../../core/engine/events';
import type { SessionExpectMode } from '../../core/scenario/fromSession';
import { loadCollectionEdit, loadSessionTools, loadTranscripts } from '../../core/lazy';
import { toDisposable } from '../dispose';
import { edit, fresh, newCollection } from './collectionCommands';
import { settings } from './config';
import { isWsUrl, openConnection, safeUrl } from './connect';
import { exists, isObj, registerCommand, str, uniqueName, type WorkflowContext } from './context';
import { TRANSCRIPT_EXT, writableSessionsFolder, type Recording } from './sessions';

const GITIGNORE_ASKED = 'websocketWorkbench.sessionsGitignoreAsked';
/** Context key: some connection is being recorded ("Stop Recording" is offered only then). */
const CTX_RECORDING = 'websocketWorkbench.recording';

export function register(ctx: WorkflowContext): vscode.Disposable[] {
  // The panels' record toggle records through the same recorder as the command.
  const refreshPanels = ctx.services.panels.useRecorder({
    start: async (c, request) => (await startRecording(ctx, c, request)).file,
    stop: async (c) => {
      const file = ctx.recorder.fileOf(c.id);
      return (await ctx.recorder.stop(c.id)) ? file : undefined;
    },
    fileOf: (id) => ctx.recorder.fileOf(id),
  });
  const recordingKey = () => void vscode.commands.executeCommand('setContext', CTX_RECORDING, ctx.recorder.list().length > 0);
  return [
    toDisposable(() => ctx.services.panels.useRecorder(undefined)),
    ctx.recorder.onDidChange(() => {
      refreshPanels();
      recordingKey();
    }),
    // Where the recording went, with the way to it.
    ctx.recorder.onDidSave(({ file }) => confirmSaved(ctx, `Recording saved: ${vscode.workspace.asRelativePath(file)}`, file)),
    registerCommand(ctx, 'recordSession', (arg) => recordSession(ctx, arg)),
    registerCommand(ctx, 'stopRecording', (arg) => stopRecording(ctx, arg)),
    registerCommand(ctx, 'openSession', (arg) => openSession(ctx, arg)),
    registerCommand(ctx, 'replaySession', (arg, opts) => replaySession(ctx, arg, opts)),
    registerCommand(ctx, 'sessionToMock', (arg, target) => sessionToMock(ctx, arg, target)),
    registerCommand(ctx, 'sessionToScenario', (arg, target) => sessionToScenarioCommand(ctx, arg, target)),
    registerCommand(ctx, 'importHar', (arg) => importHarCommand(ctx, arg)),
    registerCommand(ctx, 'exportSession', (arg) => exportSession(ctx, arg)),
    // A connection that goes away stops being recorded (its transcript is closed).
    toDisposable(ctx.services.connections.onDidChange((ch) => {
      if (ch.type === 'removed') void ctx.recorder.stop(ch.connection.id);
    })),
  ];
}

/** Starts recording a connection into a transcript under the sessions folder. Returns the file. */
export async function recordSession(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  const c = ctx.state.connectionFrom(arg);
  if (!c) throw new CodedError('WSWB_NO_ACTIVE_CONNECTION', 'No connection to record');
  return (await startRecording(ctx, c)).file;
}

/** Records `c` (its saved request's, or `request`, in the header); stops when it closes for good. */
async function startRecording(ctx: WorkflowContext, c: Connection, request?: Record<string, unknown>): Promise<Recording> {
  const saved = ctx.state.requestOf(c.id) ?? request;
  const rec = await ctx.recorder.start(c, {
    secrets: [...ctx.state.secretsOf(c.id), ...ctx.secrets.knownValues()],
    ...(saved ? { request: saved } : {}),
    offerGitignore: (folder) => offerGitignore(ctx, folder),
  });
  const off = c.onEvent((e) => {
    if (e.kind === 'state' && e.state === 'closed' && !c.options.reconnect?.enabled) {
      off();
      void rec.stop();
    }
  });
  return rec;
}

/** Says where a file went, with "Open" (a transcript opens in a panel, anything else in an editor). */
function confirmSaved(ctx: WorkflowContext, message: string, file: string): void {
  void vscode.window.showInformationMessage(message, 'Open').then(async (a) => {
    if (a !== 'Open') return;
    if (file.endsWith(TRANSCRIPT_EXT)) await vscode.commands.executeCommand('websocketWorkbench.openSession', file);
    else await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
  });
  ctx.services.log.info(message);
}

export async function stopRecording(ctx: WorkflowContext, arg?: unknown): Promise<boolean> {
  const c = ctx.state.connectionFrom(arg);
  if (c) return ctx.recorder.stop(c.id);
  const first = ctx.recorder.list()[0];
  return first ? ctx.recorder.stop(first.connectionId) : false;
}

/** Offers (once per workspace) a .gitignore in the sessions folder: recordings may hold private data. */
async function offerGitignore(ctx: WorkflowContext, folder: string): Promise<void> {
  const ignore = path.join(folder, '.gitignore');
  if (await exists(ignore)) return;
  const state = ctx.services.context.workspaceState;
  if (state.get(GITIGNORE_ASKED)) return;
  await state.update(GITIGNORE_ASKED, true);
  void vscode.window.showInformationMessage(`Session recordings go to ${vscode.workspace.asRelativePath(folder)}. Keep them out of git?`, 'Add .gitignore').then(async (a) => {
    if (a) await atomicWriteFile(ignore, '# WebSocket Workbench session transcripts\n*\n!.gitignore\n');
  });
}

/** A transcript named by the argument (path, `{ file }`, Uri, Sessions view node), or picked by the user. */
async function pickSession(ctx: WorkflowContext, arg: unknown, title: string): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (isObj(arg) && typeof arg.file === 'string') return arg.file;
  if (arg instanceof vscode.Uri) return arg.fsPath;
  await ctx.sessions.refresh();
  const picked = await ctx.prompts.pick(ctx.sessions.list().map((file) => ({ label: path.basename(file), description: vscode.workspace.asRelativePath(path.dirname(file)), file })), { title });
  return picked?.file;
}

/** Opens a transcript read-only in a workbench panel, never connected (its text when it holds no events). */
async function openSession(ctx: WorkflowContext, arg?: unknown): Promise<{ events: number } | undefined> {
  const file = await pickSession(ctx, arg, 'Open Session');
  if (!file) return undefined;
  const wp = await ctx.services.panels.openTranscript(file);
  if (!wp) {
    // Nothing a panel can show (empty or header-only): the text is the truth.
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: true });
    return undefined;
  }
  return { events: wp.binding.transcript?.events ?? 0 };
}

/** Replays a transcript as a client: same URL, same outgoing messages, original or compressed timing. Returns the connection id. */
async function replaySession(ctx: WorkflowContext, arg?: unknown, opts?: unknown): Promise<string | undefined> {
  const file = await pickSession(ctx, arg, 'Replay Session');
  if (!file) return undefined;
  const { readTranscript, transcriptUrl } = loadTranscripts();
  const t = await readTranscript(file);
  const url = (isObj(opts) && typeof opts.url === 'string' ? opts.url : undefined) ?? transcriptUrl(t);
  if (!url || !isWsUrl(url)) throw new CodedError('WSWB_TRANSCRIPT_NO_URL', 'The transcript does not say which URL it connected to');
  let timing = isObj(opts) ? str(opts.timing) : undefined;
  if (!timing) {
    const picked = await ctx.prompts.pick([{ label: 'Original timing', value: 'original' }, { label: 'Compressed (no waiting)', value: 'compressed' }], { title: `Replay to ${safeUrl(url)}` });
    if (!picked) return undefined;
    timing = picked.value;
  }
  const out = t.events.filter((e): e is Extract<TimelineEvent, { kind: 'message' }> => e.kind === 'message' && e.dir === 'out');
  const c = await openConnection(ctx.services, { ...settings.defaultConnectionOptions(), url });
  if (!c || c.state !== 'open') return c?.id;
  const t0 = out[0]?.time ?? 0;
  const start = Date.now();
  void (async () => {
    for (const m of out) {
      if (timing === 'original') {
        const wait = m.time - t0 - (Date.now() - start);
        if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 60_000)));
      }
      if (c.state !== 'open') return;
      if (m.binary) c.sendBinary(m.data);
      else c.sendText(Buffer.from(m.data).toString('utf8'));
    }
  })();
  return c.id;
}

/** The collection a Session to Mock/Scenario result is added to: the `target` argument, or the user's pick (or a new one). */
async function targetCollection(ctx: WorkflowContext, target: unknown, what: string): Promise<{ file: string; text: string | undefined; collection: Collection } | undefined> {
  await ctx.index.settled();
  let collectionFile = typeof target === 'string' ? target : isObj(target) ? str(target.file) : undefined;
  if (!collectionFile) {
    const valid = ctx.index.list().filter((c) => c.ok);
    const picked = await ctx.prompts.pick([...valid.map((c) => ({ label: c.collection!.name, description: vscode.workspace.asRelativePath(c.file), file: c.file as string | undefined })), { label: '$(new-file) New Collection…', file: undefined }], { title: `Add the ${what} to which collection?` });
    if (!picked) return undefined;
    collectionFile = picked.file ?? (await newCollection(ctx, { open: false }));
    if (!collectionFile) return undefined;
  }
  const entry = await fresh(ctx.index, collectionFile);
  if (!entry?.collection) throw new CodedError('WSWB_COLLECTION_INVALID', `${path.basename(collectionFile)} has problems; fix them first`);
  return { file: collectionFile, text: entry.text, collection: entry.collection };
}

/** A transcript's file name without its time stamp: the default name of what is made from it. */
const sessionBaseName = (file: string) => path.basename(file, TRANSCRIPT_EXT).replace(/^[0-9TZ-]+-/, '') || 'recorded';

/** Turns a transcript into a mock definition appended to a collection. Returns { file, name }. */
async function sessionToMock(ctx: WorkflowContext, arg?: unknown, target?: unknown): Promise<{ file: string; name: string } | undefined> {
  const file = await pickSession(ctx, arg, 'Session to Mock');
  if (!file) return undefined;
  const t = await loadTranscripts().readTranscript(file);
  const into = await targetCollection(ctx, target, 'mock');
  if (!into) return undefined;
  const name = uniqueName(sessionBaseName(file), (into.collection.mocks ?? []).map((m) => m.name));
  const def = loadSessionTools().recordingToMock(t.events, { name });
  const next: Collection = structuredClone(into.collection);
  next.mocks = [...(next.mocks ?? []), def];
  await edit(ctx.index, into.file, (text) => loadCollectionEdit().updateCollection(text, next), into.text);
  return { file: into.file, name };
}

/**
 * Turns a transcript into a scenario (its sends as steps, its replies as expectations, exact or by
 * shape as the user chooses) plus the request it connects with, appended to a collection. `arg` may
 * carry `mode` ('exact' | 'shape') to skip the question. Returns { file, scenario, request }.
 */
async function sessionToScenarioCommand(ctx: WorkflowContext, arg?: unknown, target?: unknown): Promise<{ file: string; scenario: string; request: string } | undefined> {
  const file = await pickSession(ctx, arg, 'Session to Scenario');
  if (!file) return undefined;
  let mode = isObj(arg) && (arg.mode === 'exact' || arg.mode === 'shape') ? (arg.mode as SessionExpectMode) : undefined;
  if (!mode) {
    const picked = await ctx.prompts.pick(
      [
        { label: 'Exact replies', detail: 'Each reply must be the same text, JSON value or bytes as recorded.', mode: 'exact' as const },
        { label: 'Replies by shape', detail: 'JSON replies must have the same paths with the same value types (for values that change from run to run).', mode: 'shape' as const },
      ],
      { title: 'How should the scenario check the replies?' },
    );
    if (!picked) return undefined;
    mode = picked.mode;
  }
  const t = await loadTranscripts().readTranscript(file);
  const into = await targetCollection(ctx, target, 'scenario');
  if (!into) return undefined;
  const base = sessionBaseName(file);
  const requestName = uniqueName(base, (into.collection.requests ?? []).map((r) => r.name));
  const scenarioName = uniqueName(base, (into.collection.scenarios ?? []).map((s) => s.name));
  const made = loadSessionTools().sessionToScenario(t.events, { mode, name: scenarioName, requestName });
  const next: Collection = structuredClone(into.collection);
  next.requests = [...(next.requests ?? []), made.request];
  next.scenarios = [...(next.scenarios ?? []), made.scenario];
  await edit(ctx.index, into.file, (text) => loadCollectionEdit().updateCollection(text, next), into.text);
  void vscode.window.showInformationMessage(`Added scenario "${scenarioName}" (${made.scenario.steps.length} steps) to ${path.basename(into.file)}`, 'Open').then((a) => {
    if (a === 'Open') void vscode.window.showTextDocument(vscode.Uri.file(into.file));
  });
  return { file: into.file, scenario: scenarioName, request: requestName };
}

function toolVersion(ctx: WorkflowContext): string {
  return String(ctx.services.context.extension.packageJSON.version);
}

/** Import HAR: each WebSocket entry becomes a transcript in the sessions folder. Returns the files. */
async function importHarCommand(ctx: WorkflowContext, arg?: unknown): Promise<string[]> {
  let file = isObj(arg) ? str(arg.file) : str(arg);
  if (!file) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { HAR: ['har', 'json'] }, openLabel: 'Import HAR' });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return [];
  const r = loadSessionTools().importHar(await fs.readFile(file, 'utf8'), { tool: { name: 'websocket-workbench', version: toolVersion(ctx) } });
  if (!r.transcripts.length) throw new CodedError(r.errors[0]?.code ?? 'WSWB_HAR_INVALID', `No WebSocket entries imported from ${path.basename(file)}${r.errors[0] ? `: ${r.errors[0].message}` : ''}`);
  const folder = await writableSessionsFolder(ctx.services.log);
  await fs.mkdir(folder, { recursive: true });
  const out: string[] = [];
  for (const [i, t] of r.transcripts.entries()) {
    const target = path.join(folder, `${path.basename(file).replace(/\.[^.]+$/, '')}-${i + 1}${TRANSCRIPT_EXT}`);
    await atomicWriteFile(target, loadTranscripts().serializeTranscript(t));
    out.push(target);
  }
  await ctx.sessions.refresh();
  void vscode.window.showInformationMessage(`Imported ${out.length} WebSocket session${out.length === 1 ? '' : 's'}${r.errors.length ? ` (${r.errors.length} problem(s) skipped)` : ''}`);
  return out;
}

/** Export Session: a transcript or a live connection as HAR (secrets masked). Returns the written file. */
async function exportSession(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  let events: TimelineEvent[] | undefined;
  let secrets = ctx.secrets.knownValues();
  let base = 'session';
  const c = isObj(arg) && (typeof arg.connectionId === 'string' || arg.type === 'connection') ? ctx.state.connectionFrom(arg) : undefined;
  if (c) {
    events = await Promise.all(c.store.slice(0, c.store.length).filter((e) => e.connection === c.id).map(async (e) => (e.kind === 'message' && e.spilled ? { ...e, data: await c.store.readPayload(e.id) } : e)));
    secrets = [...secrets, ...ctx.state.secretsOf(c.id)];
  } else {
    const file = await pickSession(ctx, arg, 'Export Session as HAR');
    if (!file) return undefined;
    events = (await loadTranscripts().readTranscript(file)).events;
    base = path.basename(file, TRANSCRIPT_EXT);
  }
  const har = loadSessionTools().exportHar(events, { creator: { name: 'WebSocket Workbench', version: toolVersion(ctx) }, secrets });
  let target = isObj(arg) ? str(arg.target) : undefined;
  if (!target) {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({ ...(root ? { defaultUri: vscode.Uri.joinPath(root, `${base}.har`) } : {}), filters: { HAR: ['har'] } });
    target = uri?.fsPath;
  }
  if (!target) return undefined;
  await atomicWriteFile(target, JSON.stringify(har, null, 2) + '\n');
  confirmSaved(ctx, `HAR exported: ${vscode.workspace.asRelativePath(target)}`, target);
  return target;
}
