/**
 * The panel's side of the webview contract: one handler per host request (src/shared/contract.ts),
 * each a thin adapter onto the binding's state (binding.ts), its view rows (rows.ts), its
 * repeat-send job (repeat.ts), exports (export.ts) and saved request (savedRequest.ts).
 * Parameters arrive validated by the RPC server. No `vscode` import.
 */
import type { RpcServer } from '../../shared/rpc';
import type { HostContract, WebviewEvents } from '../../shared/contract';
import { messagePayload, protocolMessageOf } from '../../core/collections/variables';
import { withPlaceholders } from '../../core/collections/template';
import { withoutSecrets } from '../../core/collections/request';
import { CodedError } from '../../core/errors';
import type { PanelBinding } from './binding';
import { DEFAULT_PREVIEW, readFullPayload } from './rows';
import { exportTimeline, savePayload } from './export';
import { readSavedRequest, saveNamedMessage, saveRequestDraft } from './savedRequest';
import { registerProtocolHandlers } from './protocolHandlers';
import { sendProtocol } from './protocolSession';
import { isProtocolMessage } from '../../core/collections/types';

/** A registered handler, its parameter type erased (the contract's validator checked it). */
/** Registers every host request on `server` (PanelBinding.invoke runs them through the same server). */
export function registerHandlers(b: PanelBinding, server: RpcServer<HostContract, WebviewEvents>): void {
  const handle = <M extends keyof HostContract & string>(name: M, fn: Parameters<typeof server.handle<M>>[1]) => {
    server.handle(name, fn);
  };
  const unsupported = (what: string) => new CodedError('WSWB_PANEL_UNSUPPORTED', what);

  handle('connect', async ({ request }) => ({ connectionId: (await b.connect(request)).id }));
  handle('disconnect', async ({ code, reason }) => {
    b.repeat.stop();
    return b.requireConn().close(code ?? 1000, reason ?? '');
  });
  handle('terminate', () => {
    b.repeat.stop();
    b.requireConn().terminate();
  });
  handle('send', async (m) => ({ sent: await b.sendOne(m, await b.vars()) }));
  handle('sendRepeat', async ({ message, count, everyMs }) => {
    b.repeat.stop();
    const vars = await b.vars();
    b.requireConn();
    return b.repeat.start(() => b.sendOne(message, vars), count, everyMs);
  });
  handle('stopRepeat', () => b.repeat.stop());
  handle('control', ({ type, payload }) => {
    const c = b.requireConn();
    if (c.state !== 'open') throw new CodedError('WSWB_PANEL_NOT_OPEN', `Cannot ${type}: the connection is ${c.state}`);
    if (type === 'ping') c.ping(payload);
    else c.pong(payload);
  });
  handle('setView', ({ filter }) => b.setView(filter));
  handle('getRows', ({ from, to, previewBytes }) => {
    b.rowsServed++;
    const store = b.store;
    if (!store) return { from, events: [], total: 0 };
    return { from, events: b.view.window(store, from, to, previewBytes ?? DEFAULT_PREVIEW), total: b.view.total };
  });
  handle('readPayload', async ({ id }) => ({ data: await readFullPayload(b.store, id) }));
  handle('clear', () => b.clear());
  handle('export', async ({ format, ids }) => exportTimeline(b.store, format, ids, b.host, { secrets: await b.secretValues(), request: b.headerRequest() }));
  handle('savePayload', ({ id }) => savePayload(b.store, id, b.host));
  handle('sendSaved', async ({ name }) => {
    const src = b.requireSource();
    b.requireConn();
    // Re-read: the file may have been edited since the panel showed it.
    const { def } = await readSavedRequest(src, src.request);
    const m = def?.messages?.find((x) => x.name === name);
    if (!m) throw new CodedError('WSWB_MESSAGE_NOT_FOUND', `no message "${name}" in request "${src.request}"`);
    if (isProtocolMessage(m)) {
      // Saved with its protocol kind: sent through the session (separators, terminators, ids).
      await sendProtocol(b, protocolMessageOf(m, { values: await b.vars() }), {});
      return { sent: 0 };
    }
    const p = messagePayload(m, { values: await b.vars() });
    return { sent: await b.sendOne(p.binary ? { data: p.data } : { text: p.text, substitute: false }, {}) };
  });
  handle('saveMessage', async ({ message, previousName }) => {
    const src = b.requireSource();
    await saveNamedMessage(src, message, previousName);
    return (await b.setSource(src))!;
  });
  handle('saveRequest', async ({ request, asNew }) => {
    let target = asNew ? undefined : b.source;
    if (!target) {
      if (!b.host.pickSaveTarget) throw unsupported('Cannot pick a collection here');
      let suggested = 'request';
      try {
        suggested = new URL(withPlaceholders(request.url, 'x')).host || suggested;
      } catch {
        // keep the default
      }
      target = await b.host.pickSaveTarget(suggested);
      if (!target) return { saved: false };
    }
    await saveRequestDraft(target, request, { create: true });
    b.restoreRequest(request);
    const source = await b.setSource(target);
    return source ? { saved: true, source } : { saved: true };
  });
  handle('loadRequest', async () => {
    if (!b.host.pickRequest) throw unsupported('Cannot pick a collection here');
    const target = await b.host.pickRequest();
    if (!target) return {};
    const source = await b.setSource(target, { loadOptions: true });
    if (source?.error) throw new CodedError(source.error.code, source.error.message);
    const request = b.requestDraft;
    return { ...(request ? { request: withoutSecrets(request) } : {}), ...(source ? { source } : {}) };
  });
  handle('copy', async ({ text }) => {
    if (!b.host.clipboard) throw unsupported('No clipboard here');
    await b.host.clipboard(text);
  });
  handle('pickFile', async () => (b.host.pickFile ? b.host.pickFile() : undefined));
  registerProtocolHandlers(b, server);
}
