/**
 * `.proto` problems in the Problems panel (src/extension/workflow/protoDiagnostics.ts), in real VS
 * Code: a syntax error in a `.proto` named by a collection's codecs rule shows at its line and
 * column in the `.proto`; an unknown type shows in the collection; both go when fixed and saved.
 * An open `.proto` that no collection names gets its syntax checked on open.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WorkbenchApi } from '../../../src/extension/api';
import { until } from '../until';

const EXTENSION_ID = 'websocket-workbench.websocket-workbench';
const BROKEN = 'syntax = "proto3";\npackage it;\nmessage X {\n  string = 1;\n}\n';
const FIXED = 'syntax = "proto3";\npackage it;\nmessage X {\n  string id = 1;\n}\n';


const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => String(d.code).startsWith('WSWB_CODEC'));

describe('proto diagnostics in VS Code: .proto problems in the Problems panel, cleared when fixed', function () {
  this.timeout(60_000);
  const root = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const created: string[] = [];

  before(async () => {
    await ((await vscode.extensions.getExtension<WorkbenchApi>(EXTENSION_ID)!.activate()) as Required<WorkbenchApi>).collectionsReady();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const f of created) fs.rmSync(f, { force: true });
  });

  function write(rel: string, text: string): vscode.Uri {
    const f = path.join(root(), rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
    if (!created.includes(f)) created.push(f);
    return vscode.Uri.file(f);
  }

  it('a .proto syntax error at file:line:column, a rule problem in the collection; both cleared when fixed and saved', async () => {
    const proto = write('protos/it-broken.proto', BROKEN);
    const coll = write('it-proto.websocket.json', JSON.stringify({ version: 1, name: 'proto problems', codecs: [{ match: { path: '/it' }, codec: 'protobuf', proto: 'protos/it-broken.proto', type: 'it.X' }] }, null, 2));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(coll));
    const [d] = await until(() => ours(proto), (ds) => ds.length > 0, 'the .proto syntax error');
    assert.equal(d!.code, 'WSWB_CODEC_PROTO_SYNTAX');
    assert.equal(d!.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual([d!.range.start.line, d!.range.start.character], [3, 9], 'line 4, column 10 (the `=`)');
    assert.match(d!.message, /illegal name '='/);

    // Fixed in the editor and saved: the problem goes.
    const doc = await vscode.workspace.openTextDocument(proto);
    await vscode.window.showTextDocument(doc);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(proto, new vscode.Range(0, 0, doc.lineCount, 0), FIXED);
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save());
    await until(() => ours(proto), (ds) => ds.length === 0, 'the .proto problem cleared');

    // A type the .proto does not have: a problem in the collection, at the rule's "type"; gone when renamed back.
    fs.writeFileSync(coll.fsPath, fs.readFileSync(coll.fsPath, 'utf8').replace('"it.X"', '"it.Nope"'));
    const [t] = await until(() => ours(coll), (ds) => ds.length > 0, 'the unknown type in the collection');
    assert.equal(t!.code, 'WSWB_CODEC_PROTO_TYPE');
    assert.match((await vscode.workspace.openTextDocument(coll)).lineAt(t!.range.start.line).text, /"type": "it\.Nope"/);
    fs.writeFileSync(coll.fsPath, fs.readFileSync(coll.fsPath, 'utf8').replace('"it.Nope"', '"it.X"'));
    await until(() => ours(coll), (ds) => ds.length === 0, 'the collection problem cleared');
  });

  it('an open .proto no collection names gets its syntax checked on open', async () => {
    const lone = write('protos/it-lone.proto', BROKEN.replace('package it;', 'package lone;'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(lone));
    const [d] = await until(() => ours(lone), (ds) => ds.length > 0, 'the lone .proto syntax error');
    assert.equal(d!.range.start.line, 3);
    assert.equal(d!.code, 'WSWB_CODEC_PROTO_SYNTAX');
  });
});
