/**
 * Connection commands: Connect… (saved request, typed URL, recent URL), Send Message…, Disconnect,
 * focus a connection, the status bar's connection actions; and the CodeLens on ws:// URLs in code.
 */
import * as vscode from 'vscode';
import { CodedError } from '../../core/errors';
import { messagePayload, redact, referencesIn, substitute } from '../../core/collections/variables';
import type { Connection } from '../../core/engine/connection';
import { isProtocolSetting } from '../../core/protocols/types';
import type { OpenPanelOptions } from '../panel/panelManager';
import { toDisposable } from '../dispose';
import type { RequestRef } from './collectionIndex';
import { WsUrlCodeLensProvider } from './codeLens';
import { CollectionCodeLensProvider } from './collectionLens';
import { checkExpectations } from '../panel/expectRows';
import { settings } from './config';
import { isWsUrl, openConnection, prepareRequest, safeUrl } from './connect';
import { isObj, panelVariables, registerCommand, resolveReferences, type WorkflowContext } from './context';
import { setSecret } from './secretCommands';
import { UNTRUSTED_SECRET } from './trust';
import { recordSession, stopRecording } from './sessionCommands';

export function register(ctx: WorkflowContext): vscode.Disposable[] {
  // The panel resolves `{{name}}` with the active environment.
  ctx.services.panels.variableProvider = (file) => panelVariables(ctx, file);
  const lens = new WsUrlCodeLensProvider();
  const collectionLens = new CollectionCodeLensProvider();
  return [
    collectionLens,
    vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/*.websocket.json' }, collectionLens),
    toDisposable(() => (ctx.services.panels.variableProvider = undefined)),
    registerCommand(ctx, 'connect', (arg) => connect(ctx, arg)),
    registerCommand(ctx, 'connectUrl', (url) => connect(ctx, typeof url === 'string' ? { url } : url)),
    registerCommand(ctx, 'connectRequest', (arg) => connect(ctx, arg)),
    registerCommand(ctx, 'sendMessage', (arg) => sendMessage(ctx, arg)),
    registerCommand(ctx, 'disconnect', (arg) => disconnect(ctx, arg)),
    registerCommand(ctx, 'focusConnection', (arg) => focusConnection(ctx, arg)),
    registerCommand(ctx, 'connectionActions', () => connectionActions(ctx)),
    lens,
    vscode.languages.registerCodeLensProvider([{ scheme: 'file' }, { scheme: 'untitled' }], lens),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('websocketWorkbench.codeLens')) {
        lens.refresh();
        collectionLens.refresh();
      }
    }),
  ];
}

/** Connect…: saved requests, "Enter URL…", recent URLs. Returns the connection id. */
export async function connect(ctx: WorkflowContext, arg?: unknown): Promise<string | undefined> {
  let ref: RequestRef | undefined;
  let url: string | undefined;
  // A protocol mock's Connect (mockConnect.ts): the protocol, its options and sub-protocols come along.
  let draft: OpenPanelOptions['draft'];
  if (isObj(arg) && typeof arg.file === 'string' && typeof arg.request === 'string') {
    await ctx.index.settled();
    ref = ctx.index.findRequest(arg.file, arg.request);
    if (!ref) throw new CodedError('WSWB_REQUEST_NOT_FOUND', `no request "${arg.request}" in ${arg.file}`);
  } else if (isObj(arg) && typeof arg.url === 'string') {
    url = arg.url;
    if (typeof arg.protocol === 'string' && isProtocolSetting(arg.protocol)) {
      draft = { protocol: arg.protocol, ...(isObj(arg.protocolOptions) ? { protocolOptions: arg.protocolOptions } : {}) };
      if (Array.isArray(arg.subprotocols)) draft.subprotocols = arg.subprotocols.filter((s): s is string => typeof s === 'string');
    }
  } else {
    await ctx.index.settled();
    type Item = vscode.QuickPickItem & { ref?: RequestRef; url?: string; enter?: boolean };
    // "Enter URL…" first: with a few collections open the saved requests fill the list, and it
    // must not scroll out of sight.
    const items: Item[] = [{ label: '$(edit) Enter URL…', alwaysShow: true, enter: true }];
    const reqs = ctx.index.requests();
    if (reqs.length) items.push({ label: 'Saved requests', kind: vscode.QuickPickItemKind.Separator });
    for (const r of reqs) items.push({ label: `$(plug) ${r.request.name}`, description: r.request.url, detail: vscode.workspace.asRelativePath(r.file), ref: r });
    const recent = ctx.recent.list();
    if (recent.length) items.push({ label: 'Recent', kind: vscode.QuickPickItemKind.Separator });
    for (const u of recent) items.push({ label: `$(history) ${u}`, url: u });
    // What the user types is kept: a URL becomes the first item, and "Enter URL…" starts from it.
    const typedItem = (value: string): Item | undefined => {
      const v = value.trim();
      return isWsUrl(v) ? { label: `$(plug) Connect to ${v}`, alwaysShow: true, url: v } : undefined;
    };
    const { picked, value } = await ctx.prompts.pickTyped(items, { title: 'WebSocket: Connect', placeHolder: 'Type a ws:// or wss:// URL, or pick a saved request', matchOnDescription: true }, typedItem);
    if (!picked) return undefined;
    if (picked.ref) ref = picked.ref;
    else if (picked.url) url = picked.url;
    else {
      url = await ctx.prompts.input({
        title: 'WebSocket: Connect',
        prompt: 'ws:// or wss:// URL',
        placeHolder: 'wss://echo.example.com/socket',
        // The text typed in the pick, else the last URL used; never a guess.
        value: value.trim() || recent[0] || '',
        validateInput: (v) => (isWsUrl(v) ? undefined : 'Enter a ws:// or wss:// URL'),
      });
      if (!url) return undefined;
    }
  }
  if (ref) return connectSaved(ctx, ref);
  url = url!.trim();
  if (!isWsUrl(url)) throw new CodedError('WSWB_BAD_URL', `Not a ws:// or wss:// URL: ${safeUrl(url)}`);
  await ctx.recent.add(safeUrl(url, ctx.secrets.knownValues()));
  const c = await openConnection(ctx.services, { ...settings.defaultConnectionOptions(), url, ...(draft?.subprotocols ? { subprotocols: draft.subprotocols } : {}) }, draft ? { draft } : {});
  if (c) ctx.state.setActive(c.id);
  return c?.id;
}

async function connectSaved(ctx: WorkflowContext, ref: RequestRef): Promise<string | undefined> {
  const prepared = await prepareRequest(ref, ctx.state.environment(), ctx.secrets);
  if (!prepared.ok && prepared.code === UNTRUSTED_SECRET) throw new CodedError(prepared.code, prepared.message);
  if (!prepared.ok) {
    // Reported before connecting; nothing is sent with a literal {{name}}.
    const secret = prepared.unresolved.find((n) => n.startsWith('secret:'));
    ctx.services.log.warn(`connect: ${prepared.code} ${prepared.message}`);
    void vscode.window.showErrorMessage(prepared.message, ...(secret ? ['Set Secret…'] : [])).then((choice) => {
      if (choice && secret) void setSecret(ctx, { name: secret.slice(7) });
    });
    return undefined;
  }
  const secrets = prepared.resolved.secretValues;
  const c = await openConnection(ctx.services, prepared.options, { source: { file: ref.file, request: ref.request.name }, secrets });
  if (c) {
    ctx.state.rememberOpenedFrom(c.id, { secrets, request: redact({ ...ref.request }, secrets) as unknown as Record<string, unknown> });
    ctx.state.setActive(c.id);
  }
  return c?.id;
}

/** Send Message…: to the active connection, a saved message or typed text. */
export async function sendMessage(ctx: WorkflowContext, arg?: unknown): Promise<boolean> {
  let c = ctx.state.connectionFrom(arg);
  // A message's "Send" lens in a collection file: nothing open yet, so connect to its request first.
  if ((!c || c.state !== 'open') && isObj(arg) && arg.connect === true && typeof arg.file === 'string' && typeof arg.request === 'string') {
    const id = await connect(ctx, { file: arg.file, request: arg.request });
    c = id ? ctx.services.connections.get(id) : undefined;
  }
  if (!c || c.state !== 'open') throw new CodedError('WSWB_NO_ACTIVE_CONNECTION', 'No open WebSocket connection: use "WebSocket: Connect…" first');
  // A message node from the tree, or { file, request, message }.
  if (isObj(arg) && typeof arg.file === 'string' && typeof arg.request === 'string' && typeof arg.message === 'string') {
    return sendSaved(ctx, c, arg.file, arg.request, arg.message);
  }
  if (isObj(arg) && typeof arg.text === 'string') {
    c.sendText(arg.text);
    return true;
  }
  await ctx.index.settled();
  type Item = vscode.QuickPickItem & { send?: () => Promise<boolean>; typed?: boolean };
  const items: Item[] = [{ label: '$(edit) Type a message…', typed: true, alwaysShow: true }];
  for (const r of ctx.index.requests()) {
    for (const m of r.request.messages ?? []) {
      items.push({ label: `$(comment) ${m.name}`, description: `${r.request.name} · ${m.kind}`, detail: vscode.workspace.asRelativePath(r.file), send: () => sendSaved(ctx, c, r.file, r.request.name, m.name) });
    }
  }
  const picked = await ctx.prompts.pick(items, { title: `Send to ${safeUrl(c.options.url)}`, placeHolder: 'Pick a saved message or type one', matchOnDescription: true });
  if (!picked) return false;
  if (picked.send) return picked.send();
  const text = await ctx.prompts.input({ title: `Send to ${safeUrl(c.options.url)}`, prompt: 'Text message ({{variables}} are resolved)' });
  if (text === undefined) return false;
  const values = await panelVariables(ctx);
  const missing = [...new Set(referencesIn(text))].filter((k) => values[k] === undefined);
  if (missing.length) throw new CodedError('WSWB_UNRESOLVED_VARIABLE', `Not sent: unresolved ${missing.join(', ')}`);
  c.sendText(substitute(text, { values }));
  return true;
}

async function sendSaved(ctx: WorkflowContext, c: Connection, file: string, requestName: string, messageName: string): Promise<boolean> {
  await ctx.index.settled();
  const ref = ctx.index.findRequest(file, requestName);
  const m = ref?.request.messages?.find((x) => x.name === messageName);
  if (!ref || !m) throw new CodedError('WSWB_MESSAGE_NOT_FOUND', `no message "${messageName}" in request "${requestName}"`);
  // Only the message's own references matter here (the URL and auth were resolved when connecting).
  const onlyMessage = { name: ref.request.name, url: '', messages: [m], ...(ref.request.variables ? { variables: ref.request.variables } : {}) };
  const resolved = await resolveReferences(ctx, ref.collection, onlyMessage, `Message "${m.name}"`);
  if (!resolved.ok) throw new CodedError('WSWB_UNRESOLVED_VARIABLE', `"${m.name}" not sent: ${resolved.errors.map((e) => e.message).join('; ')}`);
  const p = messagePayload(m, resolved);
  if (p.binary) c.sendBinary(p.data);
  else c.sendText(p.text);
  // Its `expect` rules answer in the connection's timeline, as when sent from the panel.
  if (m.expect?.length) checkExpectations(c, m.name, m.expect);
  return true;
}

export async function disconnect(ctx: WorkflowContext, arg?: unknown): Promise<boolean> {
  const c = ctx.state.connectionFrom(arg);
  if (!c) throw new CodedError('WSWB_NO_ACTIVE_CONNECTION', 'No active WebSocket connection');
  if (c.state === 'open' || c.state === 'connecting') await Promise.race([c.close(1000, ''), new Promise((r) => setTimeout(r, 3000))]);
  return true;
}

function focusConnection(ctx: WorkflowContext, arg?: unknown): void {
  const c = ctx.state.connectionFrom(arg);
  if (!c) return;
  ctx.state.setActive(c.id);
  ctx.services.panels.openForConnection(c);
}

/** The status bar's connection item: show, send, ping, record, disconnect, switch, connect. */
async function connectionActions(ctx: WorkflowContext): Promise<void> {
  const c = ctx.state.activeConnection();
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const items: Item[] = [];
  if (c) {
    items.push({ label: '$(window) Show Panel', run: () => ctx.services.panels.openForConnection(c) });
    if (c.state === 'open') {
      items.push({ label: '$(send) Send Message…', run: () => sendMessage(ctx) });
      items.push({ label: '$(pulse) Ping', run: () => c.ping() });
      items.push(ctx.recorder.isRecording(c.id) ? { label: '$(debug-stop) Stop Recording', run: () => stopRecording(ctx) } : { label: '$(record) Record Session', run: () => recordSession(ctx) });
      items.push({ label: '$(debug-disconnect) Disconnect', run: () => disconnect(ctx) });
    }
  }
  for (const o of ctx.services.connections.list().filter((x) => x.id !== c?.id)) {
    items.push({ label: `$(arrow-swap) Switch to ${safeUrl(o.options.url)}`, description: o.state, run: () => focusConnection(ctx, { connectionId: o.id }) });
  }
  items.push({ label: '$(plug) Connect…', run: () => connect(ctx) });
  const picked = await ctx.prompts.pick(items, { title: 'WebSocket connection' });
  await picked?.run();
}
