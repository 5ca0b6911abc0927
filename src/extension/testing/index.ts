/**
 * VS Code's Test Explorer for collection files: a TestController whose items are the scenarios and
 * the saved requests with expectations of every `*.websocket.json` (under one item per file), kept
 * in step with the editor (edits update the items before saving). Runs from the Test Explorer, the
 * gutter, or `WebSocket: Run Scenario`; continuous runs re-run a file's tests when it is saved.
 * A failed expectation is a TestMessage with expected and actual, at the failing step's line.
 *
 * Activation only creates the controller and registers listeners; files are scanned when VS Code
 * asks (resolveHandler: the Test Explorer opened, a run) or an editor shows one, and the scenario
 * runner is loaded on the first run.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services';
import { discoverTests } from '../../core/scenario/discover';
import type { DiscoveredFile } from '../../core/scenario/discover';
import { planRequest, planTests } from '../../core/scenario/plan';
import { loadScenarioRunner, loadTranscripts } from '../../core/lazy';
import { SecretManager } from '../workflow/secrets';
import { restrictMockExposure, TrustGatedSecrets } from '../workflow/trust';
import { settings } from '../workflow/config';
import type { TranscriptWriter } from '../../core/collections/transcript';

const GLOB = '**/*.websocket.json';
/** Sessions of test runs kept (the oldest are deleted past this). */
const KEEP_RUN_SESSIONS = 50;
const EXCLUDE = '**/node_modules/**';

/** A test's outcome, as the Run Scenario command and the extension API report it. */
export interface ScenarioOutcome {
  id: string;
  file: string;
  name: string;
  state: 'passed' | 'failed' | 'errored' | 'skipped';
  durationMs?: number;
  message?: string;
  expected?: string;
  actual?: string;
  /** 0-based, as vscode.Position. */
  location?: { file: string; line: number; character: number };
  /** The session of the run (every connection's and mock's events, secrets masked): a transcript that opens in the panel. */
  transcript?: string;
}

/** What the extension API exposes of the Test Explorer (integration tests use it). */
export interface TestingApi {
  /** Scans the workspace (as opening the Test Explorer does) and resolves when done. */
  discover(): Promise<void>;
  /** The test tree: one entry per file, its tests with their 0-based start lines. */
  items(): Array<{ id: string; label: string; file: string; error?: string; children: Array<{ id: string; label: string; line: number; endLine: number }> }>;
  /** Runs tests by item id through the controller (results show in the Test Explorer too). */
  run(ids: string[]): Promise<ScenarioOutcome[]>;
  /**
   * Starts a continuous run of these items through the run profile, as the Test Explorer's
   * "Turn on continuous run" does; returns what stops it (as the user turning it off does).
   */
  startContinuous(ids: string[]): () => void;
  /** Fires with the outcomes of each run a saved file started for a continuous run. */
  readonly onDidContinuousRun: vscode.Event<ScenarioOutcome[]>;
}

const isCollection = (uri: vscode.Uri) => uri.path.endsWith('.websocket.json') && !uri.path.includes('/node_modules/');

/** `activeEnvironment`: the environment selected with WebSocket: Select Environment, used where a file defines it and a scenario names none. */
export function registerTesting(services: Services, activeEnvironment: () => string | undefined = () => undefined): TestingApi {
  const { context, log } = services;
  const ctrl = vscode.tests.createTestController('websocketWorkbench.tests', 'WebSocket Workbench');
  context.subscriptions.push(ctrl);
  const secrets = new SecretManager(context.secrets, context.globalState);
  const gatedSecrets = new TrustGatedSecrets(secrets, () => vscode.workspace.isTrusted);
  /** Parsed files by item id (uri string). */
  const parsed = new Map<string, { uri: vscode.Uri; text: string; found: DiscoveredFile }>();
  const continuous = new Set<{ request: vscode.TestRunRequest; token: vscode.CancellationToken }>();
  const continuousRan = new vscode.EventEmitter<ScenarioOutcome[]>();
  context.subscriptions.push(continuousRan);
  let discovery: Promise<void> | undefined;

  const update = (uri: vscode.Uri, text: string) => {
    const id = uri.toString();
    const found = discoverTests(text, uri.fsPath);
    let file = ctrl.items.get(id);
    if (!file) {
      file = ctrl.createTestItem(id, path.basename(uri.fsPath), uri);
      ctrl.items.add(file);
    }
    file.canResolveChildren = false;
    if (!found.ok) {
      // Keep the last good children while the file is being edited; say why nothing can run.
      const first = found.errors[0];
      file.error = first ? `${found.errors.length} problem(s); first: ${first.line}:${first.column} ${first.message}` : 'invalid collection file';
      parsed.set(id, { uri, text, found });
      return;
    }
    file.error = undefined;
    file.label = found.name ?? path.basename(uri.fsPath);
    file.description = vscode.workspace.asRelativePath(uri, false);
    const children = found.tests.map((t) => {
      const item = file!.children.get(`${id}#${t.id}`) ?? ctrl.createTestItem(`${id}#${t.id}`, t.name, uri);
      item.label = t.name;
      item.description = t.kind === 'request' ? 'request' : undefined;
      if (t.description) item.description = t.kind === 'request' ? `request · ${t.description}` : t.description;
      item.range = new vscode.Range(t.range.start.line - 1, t.range.start.column - 1, t.range.end.line - 1, t.range.end.column - 1);
      return item;
    });
    file.children.replace(children);
    parsed.set(id, { uri, text, found });
    if (!found.tests.length) {
      ctrl.items.delete(id);
      parsed.delete(id);
    }
  };

  const loadUri = async (uri: vscode.Uri) => {
    if (!isCollection(uri)) return;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    try {
      const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      update(uri, text);
    } catch (err) {
      log.warn(`tests: cannot read ${uri.fsPath}: ${String(err)}`);
    }
  };

  const remove = (uri: vscode.Uri) => {
    ctrl.items.delete(uri.toString());
    parsed.delete(uri.toString());
  };

  const discover = (): Promise<void> => {
    discovery ??= (async () => {
      const watcher = vscode.workspace.createFileSystemWatcher(GLOB);
      context.subscriptions.push(
        watcher,
        watcher.onDidCreate((u) => void loadUri(u)),
        watcher.onDidChange((u) => {
          // An open document is the truth while it is open (its edits arrive as they are typed).
          if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === u.toString() && d.isDirty)) void loadUri(u);
        }),
        watcher.onDidDelete((u) => remove(u)),
      );
      const uris = await vscode.workspace.findFiles(GLOB, EXCLUDE, 2000);
      for (const u of uris) await loadUri(u);
    })();
    return discovery;
  };

  ctrl.resolveHandler = async (item) => {
    if (!item) await discover();
  };
  ctrl.refreshHandler = async () => {
    discovery = undefined;
    await discover();
  };

  // Edits update the items (and the gutter) as they are typed; saves re-run continuous runs.
  const pending = new Map<string, NodeJS.Timeout>();
  const onText = (doc: vscode.TextDocument) => {
    if (!isCollection(doc.uri)) return;
    const key = doc.uri.toString();
    clearTimeout(pending.get(key));
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      update(doc.uri, doc.getText());
    }, 150));
  };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(onText),
    vscode.workspace.onDidChangeTextDocument((e) => onText(e.document)),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (!isCollection(doc.uri)) return;
      update(doc.uri, doc.getText());
      rerunContinuous(doc.uri);
    }),
    { dispose: () => pending.forEach((t) => clearTimeout(t)) },
  );
  // Documents already open get their items (and gutter icons) after activation, not during it.
  setTimeout(() => vscode.workspace.textDocuments.forEach(onText), 0);

  const rerunContinuous = (uri: vscode.Uri) => {
    const fileId = uri.toString();
    for (const c of continuous) {
      if (c.token.isCancellationRequested) {
        continuous.delete(c);
        continue;
      }
      const file = ctrl.items.get(fileId);
      if (!file) continue;
      const wanted = c.request.include ? c.request.include.filter((i) => i.id === fileId || i.parent?.id === fileId) : [file];
      if (!wanted.length) continue;
      // Only what the run asked for, now in its new state (an item may have been replaced).
      const include = wanted.map((i) => (i.id === fileId ? file : file.children.get(i.id))).filter((i): i is vscode.TestItem => !!i);
      void runTests(new vscode.TestRunRequest(include, c.request.exclude, c.request.profile), c.token).then((o) => continuousRan.fire(o), () => undefined);
    }
  };

  /** A transcript for one test's run, in the extension's workspace storage (never in the repository). */
  const openTranscript = async (item: vscode.TestItem): Promise<TranscriptWriter | undefined> => {
    const dir = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'test-runs').fsPath;
    try {
      await fs.mkdir(dir, { recursive: true });
      const old = (await fs.readdir(dir)).filter((f) => f.endsWith('.ndjson')).sort();
      for (const f of old.slice(0, Math.max(0, old.length - KEEP_RUN_SESSIONS + 1))) await fs.rm(path.join(dir, f), { force: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const safe = item.label.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 60);
      const version = String((context.extension.packageJSON as { version?: unknown }).version ?? 'dev');
      const { TranscriptWriter, makeHeader } = loadTranscripts();
      return await TranscriptWriter.create(path.join(dir, `${stamp}-${safe}.ndjson`), makeHeader({ source: `test run: ${item.label}`, tool: { name: 'websocket-workbench', version } }));
    } catch (err) {
      log.warn(`tests: no session transcript for "${item.label}": ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  };

  /** The test items a request covers (files expand to their tests). */
  const collect = (request: vscode.TestRunRequest): vscode.TestItem[] => {
    const out: vscode.TestItem[] = [];
    const excluded = new Set((request.exclude ?? []).map((i) => i.id));
    const add = (i: vscode.TestItem) => {
      if (excluded.has(i.id)) return;
      if (i.parent) out.push(i);
      else i.children.forEach(add);
    };
    if (request.include) request.include.forEach(add);
    else ctrl.items.forEach(add);
    return out;
  };

  const runTests = async (request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<ScenarioOutcome[]> => {
    await discover();
    const items = collect(request);
    const run = ctrl.createTestRun(request, undefined, true);
    const outcomes: ScenarioOutcome[] = [];
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      const { runTest } = loadScenarioRunner();
      items.forEach((i) => run.enqueued(i));
      for (const item of items) {
        const fileId = item.parent!.id;
        const entry = parsed.get(fileId);
        const testId = item.id.slice(fileId.length + 1);
        const outcome: ScenarioOutcome = { id: item.id, file: entry?.uri.fsPath ?? '', name: item.label, state: 'skipped' };
        outcomes.push(outcome);
        if (abort.signal.aborted) {
          run.skipped(item);
          continue;
        }
        const found = entry?.found;
        const collection = found?.collection;
        if (!entry || !found || !found.ok || !collection) {
          outcome.state = 'errored';
          outcome.message = item.parent?.error ? String(item.parent.error) : 'the collection file does not validate';
          run.errored(item, new vscode.TestMessage(outcome.message), 0);
          continue;
        }
        const planned = planTests(collection).find((t) => t.id === testId) ?? (testId.startsWith('request:') ? (() => {
          const i = (collection.requests ?? []).findIndex((r) => `request:${r.name}` === testId);
          return i >= 0 ? planRequest(collection.requests![i]!, i) : undefined;
        })() : undefined);
        if (!planned) {
          outcome.state = 'errored';
          outcome.message = `"${item.label}" is no longer in the file`;
          run.errored(item, new vscode.TestMessage(outcome.message));
          continue;
        }
        run.started(item);
        const transcript = await openTranscript(item);
        const toLocation = (p: Array<string | number>) => {
          const at = found.locator.locate(p);
          return new vscode.Location(entry.uri, new vscode.Position(at.line - 1, at.column - 1));
        };
        const result = await runTest(planned, {
          collection,
          baseDir: path.dirname(entry.uri.fsPath),
          secrets: gatedSecrets,
          defaultEnvironment: (() => {
            const env = activeEnvironment();
            return env !== undefined && collection.environments && Object.prototype.hasOwnProperty.call(collection.environments, env) ? env : undefined;
          })(),
          signal: abort.signal,
          // As for mocks started from the palette: in Restricted Mode, loopback only, Origin and Host checks on.
          prepareMock: (def) => {
            const trusted = vscode.workspace.isTrusted;
            const { definition, downgrades } = restrictMockExposure(def, trusted);
            const bind = settings.bindAddress(definition.host, trusted);
            const notes = downgrades.map((d) => `Restricted Mode: mock "${def.name}": ${d}`);
            if (bind.warning) notes.push(bind.warning);
            for (const n of notes) run.appendOutput(`${n}\r\n`, undefined, item);
            return { definition: { ...definition, host: bind.host }, notes };
          },
          onEvent: (e) => transcript?.append(e),
          onStep: (s) => {
            const detail = s.ok ? '' : ` — ${s.message ?? 'failed'}`;
            run.appendOutput(`${s.ok ? '✔' : '✖'} ${s.label} (${s.elapsedMs} ms)${detail}\r\n`, toLocation(s.path), item);
          },
        });
        outcome.durationMs = result.durationMs;
        const sessionLink: vscode.TestMessage[] = [];
        if (transcript) {
          await transcript.close().catch((err: Error) => log.warn(`tests: session transcript: ${err.message}`));
          outcome.transcript = transcript.file;
          run.appendOutput(`session: ${transcript.file}\r\n`, undefined, item);
          const link = new vscode.MarkdownString(`[Open this run's session in the panel](command:websocketWorkbench.openSession?${encodeURIComponent(JSON.stringify([transcript.file]))})`);
          link.isTrusted = { enabledCommands: ['websocketWorkbench.openSession'] };
          sessionLink.push(new vscode.TestMessage(link));
        }
        if (result.ok) {
          outcome.state = 'passed';
          run.passed(item, result.durationMs);
          continue;
        }
        const f = result.failure!;
        const text = `${f.label}: ${f.message ?? 'failed'}`;
        const msg = f.expected !== undefined && f.actual !== undefined ? vscode.TestMessage.diff(text, f.expected, f.actual) : new vscode.TestMessage(text);
        msg.location = toLocation(f.path);
        outcome.state = 'failed';
        outcome.message = text;
        if (f.expected !== undefined) outcome.expected = f.expected;
        if (f.actual !== undefined) outcome.actual = f.actual;
        outcome.location = { file: entry.uri.fsPath, line: msg.location.range.start.line, character: msg.location.range.start.character };
        run.failed(item, [msg, ...sessionLink], result.durationMs);
      }
    } catch (err) {
      log.error(`tests: run failed: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    } finally {
      sub.dispose();
      run.end();
    }
    return outcomes;
  };

  const profile = ctrl.createRunProfile(
    'Run',
    vscode.TestRunProfileKind.Run,
    async (request, token) => {
      if (request.continuous) {
        // Continuous run in a restricted workspace would connect on every save: not without trust.
        if (!vscode.workspace.isTrusted) {
          void vscode.window.showWarningMessage('WebSocket Workbench: continuous test runs need a trusted workspace.');
          return;
        }
        const entry = { request, token };
        continuous.add(entry);
        token.onCancellationRequested(() => continuous.delete(entry));
        return;
      }
      await runTests(request, token);
    },
    true,
    undefined,
    true,
  );
  context.subscriptions.push(profile);

  /** Finds a test item by file path and name, or asks the user to pick one. */
  const pickItems = async (arg?: unknown): Promise<vscode.TestItem[] | undefined> => {
    await discover();
    const all: vscode.TestItem[] = [];
    ctrl.items.forEach((f) => f.children.forEach((c) => all.push(c)));
    if (arg && typeof arg === 'object' && 'id' in arg && typeof (arg as { id: unknown }).id === 'string' && !('file' in arg)) {
      const id = (arg as { id: string }).id;
      const hit = all.filter((i) => i.id === id || i.parent?.id === id);
      if (hit.length) return hit;
    }
    if (arg && typeof arg === 'object' && 'file' in arg) {
      const { file, name } = arg as { file: string; name?: string };
      const hit = all.filter((i) => i.uri?.fsPath === path.resolve(file) && (name === undefined || i.label === name));
      return hit;
    }
    if (arg instanceof vscode.Uri) return all.filter((i) => i.uri?.toString() === arg.toString());
    const editor = vscode.window.activeTextEditor;
    const inEditor = editor && isCollection(editor.document.uri) ? all.filter((i) => i.uri?.toString() === editor.document.uri.toString()) : [];
    const candidates = inEditor.length ? inEditor : all;
    if (!candidates.length) {
      void vscode.window.showInformationMessage('WebSocket Workbench: no scenarios or requests with expectations in the workspace.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((i) => ({ label: i.label, description: i.parent?.label, detail: i.description, item: i })),
      { placeHolder: 'Scenario or request to run', matchOnDescription: true },
    );
    return picked ? [picked.item] : undefined;
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('websocketWorkbench.runScenario', async (arg?: unknown) => {
      const items = await pickItems(arg);
      if (!items?.length) return [];
      const cts = new vscode.CancellationTokenSource();
      try {
        return await runTests(new vscode.TestRunRequest(items, undefined, profile), cts.token);
      } finally {
        cts.dispose();
      }
    }),
  );

  const itemsById = (ids: string[]): vscode.TestItem[] => {
    const items: vscode.TestItem[] = [];
    ctrl.items.forEach((f) => f.children.forEach((c) => ids.includes(c.id) && items.push(c)));
    return items;
  };

  return {
    discover,
    items() {
      const out: ReturnType<TestingApi['items']> = [];
      ctrl.items.forEach((f) => {
        const children: Array<{ id: string; label: string; line: number; endLine: number }> = [];
        f.children.forEach((c) => children.push({ id: c.id, label: c.label, line: c.range?.start.line ?? -1, endLine: c.range?.end.line ?? -1 }));
        out.push({ id: f.id, label: f.label, file: f.uri?.fsPath ?? '', ...(f.error ? { error: String(f.error) } : {}), children });
      });
      return out;
    },
    async run(ids) {
      const cts = new vscode.CancellationTokenSource();
      try {
        return await runTests(new vscode.TestRunRequest(itemsById(ids), undefined, profile), cts.token);
      } finally {
        cts.dispose();
      }
    },
    startContinuous(ids) {
      const cts = new vscode.CancellationTokenSource();
      void profile.runHandler(new vscode.TestRunRequest(itemsById(ids), undefined, profile, true), cts.token);
      return () => {
        cts.cancel();
        cts.dispose();
      };
    },
    onDidContinuousRun: continuousRan.event,
  };
}
