/**
 * Collection commands: New Collection, Select Environment, Refresh, Copy as websocat / wscat, and
 * the Collections view's item editing (duplicate, rename, delete, reveal in file). Every write goes
 * through the core's read-modify-write (atomic; refuses invalid or externally changed files).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CodedError } from '../../core/errors';
import { loadCollectionEdit, loadSessionTools } from '../../core/lazy';
import { atomicWriteFile, editCollectionFile } from '../../core/collections/fsio';
import { findNodeAtLocation, parseTree } from '../../core/collections/jsonc';
import { parseCollection } from '../../core/collections/parse';
import type { Collection } from '../../core/collections/types';
import type { MockDefinition } from '../../core/engine/mock/definition';
import type { CollectionIndex, RequestRef } from './collectionIndex';
import { exists, isObj, registerCommand, resolveReferences, uniqueName, type WorkflowContext } from './context';
import type { CollectionNode } from './views';

const SCHEMA_URL = 'https://raw.githubusercontent.com/websocket-workbench/websocket-workbench/main/schemas/websocket-collection.schema.json';

export function register(ctx: WorkflowContext): vscode.Disposable[] {
  return [
    registerCommand(ctx, 'selectEnvironment', (arg) => selectEnvironment(ctx, arg)),
    registerCommand(ctx, 'newCollection', (arg) => newCollection(ctx, arg)),
    registerCommand(ctx, 'refreshCollections', () => ctx.index.refresh()),
    registerCommand(ctx, 'copyAsWebsocat', (arg) => copyAs(ctx, 'websocat', arg)),
    registerCommand(ctx, 'copyAsWscat', (arg) => copyAs(ctx, 'wscat', arg)),
    registerCommand(ctx, 'duplicate', (arg) => duplicate(ctx, arg)),
    registerCommand(ctx, 'rename', (arg, to) => rename(ctx, arg, to)),
    registerCommand(ctx, 'delete', (arg) => deleteItem(ctx, arg)),
    registerCommand(ctx, 'revealInFile', (arg) => revealInFile(ctx, arg)),
  ];
}

/** Select Environment: one active per workspace (workspaceState). Returns the new one. */
async function selectEnvironment(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  await ctx.index.settled();
  let name: string | undefined | null = typeof arg === 'string' ? arg : isObj(arg) && 'name' in arg ? (arg.name as string | null) : undefined;
  if (name === undefined) {
    const current = ctx.state.environment();
    const items: Array<vscode.QuickPickItem & { value: string | null }> = [
      { label: '$(circle-slash) No Environment', value: null },
      ...ctx.index.environments().map((e) => ({ label: `${e === current ? '$(check)' : '$(symbol-namespace)'} ${e}`, value: e as string | null })),
    ];
    const picked = await ctx.prompts.pick(items, { title: 'WebSocket: Select Environment', placeHolder: current ? `Active: ${current}` : 'No environment is active' });
    if (!picked) return ctx.state.environment();
    name = picked.value;
  }
  await ctx.state.setEnvironment(name ?? undefined);
  return ctx.state.environment();
}

/** New Collection: writes `<name>.websocket.json` (atomically) and opens it. Returns its path. */
export async function newCollection(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  const folder = (isObj(arg) && typeof arg.folder === 'string' ? arg.folder : undefined) ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new CodedError('WSWB_NO_WORKSPACE', 'Open a folder first: collections live in the workspace');
  const name = (isObj(arg) && typeof arg.name === 'string' ? arg.name : undefined) ?? (await ctx.prompts.input({ title: 'WebSocket: New Collection', prompt: 'Collection name', value: 'My API', validateInput: (v) => (v.trim() ? undefined : 'Enter a name') }));
  if (!name) return undefined;
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'collection';
  let file = path.join(folder, `${slug}.websocket.json`);
  for (let i = 2; await exists(file); i++) file = path.join(folder, `${slug}-${i}.websocket.json`);
  const text = loadCollectionEdit().newCollectionText(name.trim());
  const withSchema = text.replace('{\n', `{\n  "$schema": "${SCHEMA_URL}",\n`);
  await atomicWriteFile(file, parseCollection(withSchema, file).ok ? withSchema : text);
  await ctx.index.load(vscode.Uri.file(file));
  if (!(isObj(arg) && arg.open === false)) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  return file;
}

/** A saved request from `{ file, request }`, or picked by the user. */
async function requestFrom(ctx: WorkflowContext, arg: unknown, title: string): Promise<RequestRef | undefined> {
  await ctx.index.settled();
  if (isObj(arg) && typeof arg.file === 'string' && typeof arg.request === 'string') {
    const ref = ctx.index.findRequest(arg.file, arg.request);
    if (!ref) throw new CodedError('WSWB_REQUEST_NOT_FOUND', `no request "${arg.request}" in ${arg.file}`);
    return ref;
  }
  const picked = await ctx.prompts.pick(
    ctx.index.requests().map((r) => ({ label: r.request.name, description: r.request.url, detail: vscode.workspace.asRelativePath(r.file), r })),
    { title, placeHolder: 'Pick a saved request' },
  );
  return picked?.r;
}

/** Copy as websocat / wscat (secrets masked). Returns the command line. */
async function copyAs(ctx: WorkflowContext, tool: 'websocat' | 'wscat', arg?: unknown): Promise<string | undefined> {
  const ref = await requestFrom(ctx, arg, `Copy as ${tool}`);
  if (!ref) return undefined;
  const resolved = await resolveReferences(ctx, ref.collection, ref.request, `"${ref.request.name}"`);
  if (!resolved.ok) throw new CodedError('WSWB_UNRESOLVED_VARIABLE', `Cannot build the command: ${resolved.errors.map((e) => e.message).join('; ')}`);
  const tools = loadSessionTools();
  const line = tool === 'websocat' ? tools.toWebsocatCommand(ref.request, resolved) : tools.toWscatCommand(ref.request, resolved);
  await vscode.env.clipboard.writeText(line);
  void vscode.window.setStatusBarMessage(`Copied ${tool} command${resolved.secretValues.length ? ' (secrets masked)' : ''}`, 3000);
  return line;
}

// ------------------------------------------------------------ tree item editing

function node(arg: unknown): CollectionNode {
  if (isObj(arg) && typeof arg.file === 'string' && typeof arg.type === 'string') return arg as unknown as CollectionNode;
  throw new CodedError('WSWB_NO_SELECTION', 'Run this from an item of the Collections view');
}

/** Duplicates a request, message or mock ("name copy"). Returns the new name. */
async function duplicate(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  const n = node(arg);
  const entry = await fresh(ctx.index, n.file);
  const c = entry?.collection;
  if (!c) throw new CodedError('WSWB_COLLECTION_INVALID', 'Fix the file\'s problems first');
  if (n.type === 'request') {
    const r = c.requests?.find((x) => x.name === n.request);
    if (!r) return undefined;
    const name = uniqueName(`${r.name} copy`, (c.requests ?? []).map((x) => x.name));
    await edit(ctx.index, n.file, (t) => loadCollectionEdit().addRequest(t, { ...structuredClone(r), name }), entry.text);
    return name;
  }
  if (n.type === 'message') {
    const r = c.requests?.find((x) => x.name === n.request);
    const m = r?.messages?.find((x) => x.name === n.message);
    if (!r || !m) return undefined;
    const name = uniqueName(`${m.name} copy`, (r.messages ?? []).map((x) => x.name));
    const next: Collection = structuredClone(c);
    const nr = next.requests!.find((x) => x.name === n.request)!;
    const idx = nr.messages!.findIndex((x) => x.name === n.message);
    nr.messages!.splice(idx + 1, 0, { ...structuredClone(m), name });
    await edit(ctx.index, n.file, (t) => loadCollectionEdit().updateCollection(t, next), entry.text);
    return name;
  }
  if (n.type === 'mock') {
    const m = c.mocks?.find((x) => x.name === n.mock);
    if (!m) return undefined;
    const name = uniqueName(`${m.name} copy`, (c.mocks ?? []).map((x) => x.name));
    const next: Collection = structuredClone(c);
    const copy: MockDefinition = { ...structuredClone(m), name };
    // Two mocks on one fixed port cannot both run.
    if (copy.port) delete copy.port;
    next.mocks!.push(copy);
    await edit(ctx.index, n.file, (t) => loadCollectionEdit().updateCollection(t, next), entry.text);
    return name;
  }
  return undefined;
}

/** Renames a request, message, mock or the collection itself. Returns the new name. */
async function rename(ctx: WorkflowContext, arg?: unknown, to?: unknown): Promise<string | undefined> {
  const n = node(arg);
  const entry = await fresh(ctx.index, n.file);
  const c = entry?.collection;
  if (!c) throw new CodedError('WSWB_COLLECTION_INVALID', 'Fix the file\'s problems first');
  const current = n.type === 'request' ? n.request : n.type === 'message' ? n.message : n.type === 'mock' ? n.mock : c.name;
  const siblings = n.type === 'request' ? (c.requests ?? []).map((x) => x.name) : n.type === 'message' ? (c.requests?.find((x) => x.name === n.request)?.messages ?? []).map((x) => x.name) : n.type === 'mock' ? (c.mocks ?? []).map((x) => x.name) : [];
  const name = typeof to === 'string' ? to : await ctx.prompts.input({ title: `Rename "${current}"`, value: current, validateInput: (v) => (!v.trim() ? 'Enter a name' : v !== current && siblings.includes(v) ? 'That name is taken' : undefined) });
  if (!name || name === current) return undefined;
  if (siblings.includes(name)) throw new CodedError('WSWB_NAME_TAKEN', `"${name}" already exists`);
  if (n.type === 'request') await edit(ctx.index, n.file, (t) => loadCollectionEdit().renameRequest(t, n.request, name), entry.text);
  else if (n.type === 'message') await edit(ctx.index, n.file, (t) => loadCollectionEdit().renameMessage(t, n.request, n.message, name), entry.text);
  else {
    const next: Collection = structuredClone(c);
    if (n.type === 'mock') next.mocks!.find((x) => x.name === n.mock)!.name = name;
    else next.name = name;
    await edit(ctx.index, n.file, (t) => loadCollectionEdit().updateCollection(t, next), entry.text);
  }
  return name;
}

/** Deletes a request, message or mock after a modal confirmation. */
async function deleteItem(ctx: WorkflowContext, arg?: unknown): Promise<boolean> {
  const n = node(arg);
  const entry = await fresh(ctx.index, n.file);
  const c = entry?.collection;
  if (!c || n.type === 'file') throw new CodedError('WSWB_COLLECTION_INVALID', 'Only requests, messages and mocks of a valid file can be deleted here');
  const what = n.type === 'request' ? `request "${n.request}"` : n.type === 'message' ? `message "${n.message}" of "${n.request}"` : `mock "${n.mock}"`;
  if (!(await ctx.prompts.confirm(`Delete ${what} from ${path.basename(n.file)}?`, 'Delete'))) return false;
  if (n.type === 'request') await edit(ctx.index, n.file, (t) => loadCollectionEdit().removeRequest(t, n.request), entry.text);
  else if (n.type === 'message') await edit(ctx.index, n.file, (t) => loadCollectionEdit().removeMessage(t, n.request, n.message), entry.text);
  else {
    const next: Collection = structuredClone(c);
    next.mocks = next.mocks!.filter((x) => x.name !== n.mock);
    await edit(ctx.index, n.file, (t) => loadCollectionEdit().updateCollection(t, next), entry.text);
  }
  return true;
}

/** Opens the file with the item selected. */
async function revealInFile(ctx: WorkflowContext, arg?: unknown): Promise<void> {
  const n = node(arg);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(n.file));
  const tree = parseTree(doc.getText());
  let jsonPath: Array<string | number> = [];
  const c = ctx.index.get(n.file)?.collection;
  if (c && n.type !== 'file') {
    if (n.type === 'mock') jsonPath = ['mocks', (c.mocks ?? []).findIndex((m) => m.name === n.mock)];
    else {
      const ri = (c.requests ?? []).findIndex((r) => r.name === n.request);
      jsonPath = ['requests', ri];
      if (n.type === 'message') jsonPath.push('messages', (c.requests?.[ri]?.messages ?? []).findIndex((m) => m.name === n.message));
    }
  }
  const found = tree && jsonPath.length ? findNodeAtLocation(tree, jsonPath) : undefined;
  const range = found ? new vscode.Range(doc.positionAt(found.offset), doc.positionAt(found.offset + found.length)) : new vscode.Range(0, 0, 0, 0);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(range.start, range.start), preview: true, preserveFocus: true });
  vscode.window.activeTextEditor?.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

// ------------------------------------------------------------------ file edits

/** Re-reads a file before an edit, so the edit starts from what is on disk now (the watcher may lag). */
export async function fresh(index: CollectionIndex, file: string): Promise<ReturnType<CollectionIndex['get']>> {
  await index.settled();
  await index.load(vscode.Uri.file(file));
  return index.get(file);
}

/** Read-modify-write through the core (atomic; refuses invalid or externally changed files), then re-indexes. */
export async function edit(index: CollectionIndex, file: string, fn: (text: string) => string, expectedText?: string): Promise<void> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.resolve(file));
  if (doc?.isDirty) throw new CodedError('WSWB_FILE_DIRTY', `${path.basename(file)} has unsaved changes in an editor; save or revert it first`);
  await editCollectionFile(file, fn, expectedText !== undefined ? { expectedText } : {});
  await index.load(vscode.Uri.file(file));
}
