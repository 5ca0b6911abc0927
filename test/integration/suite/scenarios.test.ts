import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../../src/extension/api';
import type { ScenarioOutcome, TestingApi } from '../../../src/extension/testing';
import { hostLog } from '../log';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const FILE = () => path.join(root(), 'it-scenarios.websocket.json');

/** A self-contained file: its scenarios start their own mock on a free port. */
function collection(extraScenario?: unknown): string {
  const start = [{ startMock: 'room' }, { connect: 'client', as: 'alice' }];
  return (
    JSON.stringify(
      {
        version: 1,
        name: 'Scenario tests',
        requests: [{ name: 'client', url: 'ws://127.0.0.1:{{mock.room.port}}/', messages: [{ name: 'hello', kind: 'text', data: 'hello' }] }],
        mocks: [{ name: 'room', echo: true }],
        scenarios: [
          { name: 'echo passes', steps: [...start, { send: 'hello', on: 'alice' }, { expect: { regex: '^hello$' }, on: 'alice', within: 3000 }] },
          { name: 'echo fails', steps: [...start, { send: 'hello', on: 'alice' }, { expect: { description: 'a goodbye', regex: '^goodbye$' }, on: 'alice', within: 300 }] },
          ...(extraScenario ? [extraScenario] : []),
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

async function waitFor<T>(get: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scenarios in the Test Explorer (real VS Code)', function () {
  this.timeout(60_000);
  let testing: TestingApi;

  before(async () => {
    const api = await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate();
    assert.ok(api.testing, 'the extension API exposes the Test Explorer');
    testing = api.testing;
    await fs.writeFile(FILE(), collection());
    // As opening the Test Explorer does.
    await vscode.commands.executeCommand('workbench.view.testing.focus');
    await testing.discover();
  });

  after(async () => {
    await fs.rm(FILE(), { force: true });
  });

  const fileItem = () => testing.items().find((f) => f.file === FILE());

  it("discovers a file's scenarios as test items at their lines, and the example chat scenario", async () => {
    const item = await waitFor(() => { const f = fileItem(); return f && f.children.length === 2 && f; }, 15_000, 'the file and its two scenarios');
    hostLog(`      items: ${testing.items().map((f) => `${path.basename(f.file)} [${f.children.map((c) => `${c.label}@${c.line + 1}`).join(', ')}]`).join('; ')}`);
    assert.equal(item.label, 'Scenario tests');
    const lines = collection().split('\n');
    for (const c of item.children) {
      assert.match(lines[c.line + 1]!, new RegExp(`"name": "${c.label}"`), `${c.label} starts at its own line`);
    }
    const chat = testing.items().find((f) => path.basename(f.file) === 'chat.websocket.json');
    assert.ok(chat?.children.some((c) => c.label === 'two users chat'), 'examples/chat.websocket.json is discovered');
  });

  it('runs a passing scenario and a failing one: the failure has expected, actual and the failing step as location', async () => {
    const outcomes = (await vscode.commands.executeCommand('websocketWorkbench.runScenario', { file: FILE() })) as ScenarioOutcome[];
    hostLog(`      outcomes: ${outcomes.map((o) => `${o.name}=${o.state}${o.message ? ` (${o.message})` : ''}`).join('; ')}`);
    const pass = outcomes.find((o) => o.name === 'echo passes');
    const fail = outcomes.find((o) => o.name === 'echo fails');
    assert.equal(pass?.state, 'passed');
    assert.equal(fail?.state, 'failed');
    assert.match(fail.message!, /^expect on alice: a goodbye: no message matching a goodbye arrived on "alice" within 300 ms$/);
    assert.equal(fail.expected, 'a goodbye');
    assert.equal(fail.actual, 'hello');
    // The failing step is the third step of the second scenario: its object starts one line above "expect".
    const lines = collection().split('\n');
    const expectLine = lines.findIndex((l) => l.includes('"description": "a goodbye"'));
    assert.equal(fail.location?.file, FILE());
    assert.equal(fail.location?.line, expectLine - 2);
    assert.equal(lines[fail.location.line]![fail.location.character], '{');
    // Each run's session is kept as a transcript (secrets masked), outside the workspace.
    for (const o of [pass, fail]) {
      assert.ok(o.transcript && !o.transcript.startsWith(root()), `transcript of ${o.name}: ${o.transcript}`);
      const text = await fs.readFile(o.transcript, 'utf8');
      assert.match(text.split('\n')[0]!, /websocket-workbench-transcript/);
      assert.ok(text.includes('"connection":"alice"'), 'holds the connection\'s events');
    }
    // And it opens in the panel.
    const opened = (await vscode.commands.executeCommand('websocketWorkbench.openSession', fail.transcript)) as { events: number } | undefined;
    assert.ok(opened && opened.events > 0, JSON.stringify(opened));
  });

  it('a continuous run re-runs its test when the file is saved, with the saved text, until it is turned off', async () => {
    const item = await waitFor(() => fileItem()?.children.find((c) => c.label === 'echo passes'), 15_000, 'the scenario');
    const runs: ScenarioOutcome[][] = [];
    const sub = testing.onDidContinuousRun((o) => runs.push(o));
    const stop = testing.startContinuous([item.id]);
    try {
      // Nothing runs until a save.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(runs.length, 0, 'turning continuous run on runs nothing by itself');
      // Save the file with the scenario now expecting something else: the re-run fails.
      const broken = collection().replace('"regex": "^hello$"', '"regex": "^hola$"');
      assert.notEqual(broken, collection());
      const doc = await vscode.workspace.openTextDocument(FILE());
      await vscode.window.showTextDocument(doc);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), broken);
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(await doc.save());
      const first = await waitFor(() => runs[0], 20_000, 'a run after the save');
      assert.deepEqual(first.map((o) => o.name), ['echo passes'], 'only the item of the continuous run');
      assert.equal(first[0]!.state, 'failed', first[0]!.message);
      // Saved back: passes again.
      const edit2 = new vscode.WorkspaceEdit();
      edit2.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), collection());
      assert.ok(await vscode.workspace.applyEdit(edit2));
      assert.ok(await doc.save());
      const second = await waitFor(() => runs[1], 20_000, 'a run after the second save');
      assert.equal(second[0]!.state, 'passed', second[0]!.message);
      // Turned off: a save runs nothing.
      stop();
      const edit3 = new vscode.WorkspaceEdit();
      edit3.insert(doc.uri, new vscode.Position(doc.lineCount, 0), '\n');
      assert.ok(await vscode.workspace.applyEdit(edit3));
      assert.ok(await doc.save());
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(runs.length, 2, 'no run after continuous run was turned off');
    } finally {
      stop();
      sub.dispose();
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await fs.writeFile(FILE(), collection());
    }
  });

  it('updates the items as the file is edited (before saving), and a run uses the edited text', async () => {
    const doc = await vscode.workspace.openTextDocument(FILE());
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), collection({ name: 'added while typing', steps: [{ startMock: 'room' }, { wait: 10 }] }));
    assert.ok(await vscode.workspace.applyEdit(edit));
    const item = await waitFor(() => { const f = fileItem(); return f && f.children.length === 3 && f; }, 15_000, 'the new scenario to appear');
    const added = item.children.find((c) => c.label === 'added while typing')!;
    const [outcome] = await testing.run([added.id]);
    assert.equal(outcome?.state, 'passed');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
