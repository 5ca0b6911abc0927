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
import { isCodecKind } from '../../core/codecs/types';
import type { PanelBinding } from './binding';
import { DEFAULT_PREVIEW, readFullPayload } from './rows';
import { exportTimeline, savePayload } from './export';
import { readSavedRequest, saveNamedMessage, saveRequestDraft } from './savedRequest';
import { checkExpectations } from './expectRows';
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
  // What was written can be opened from the panel's confirmation (and only that).
  const produced = (r: { saved: boolean; target?: string }) => {
    if (r.saved && r.target && r.target !== 'clipboard') b.results.add(r.target);
    return r.saved && r.target && r.target !== 'clipboard' ? { ...r, label: b.host.labelFor?.(r.target) ?? r.target } : r;
  };
  handle('export', async ({ format, ids }) => produced(await exportTimeline(b.store, format, ids, b.host, { secrets: await b.secretValues(), request: b.headerRequest() })));
  handle('savePayload', async ({ id }) => produced(await savePayload(b.store, id, b.host)));
  handle('record', async ({ on }) => {
    const recorder = b.host.recorder?.();
    if (!recorder) throw unsupported('Recording needs the WebSocket workflow (a workspace folder on disk)');
    const c = b.requireConn();
    if (!on) {
      const file = await recorder.stop(c);
      b.markSummary();
      return file ? { recording: false, file, label: b.host.labelFor?.(file) ?? file } : { recording: false };
    }
    if (b.transcript) throw new CodedError('WSWB_PANEL_READ_ONLY', 'This panel shows a transcript: it cannot be recorded again');
    const file = await recorder.start(c, b.headerRequest());
    b.results.add(file);
    b.markSummary();
    return { recording: true, file, label: b.host.labelFor?.(file) ?? file };
  });
  handle('openResult', async ({ target }) => {
    if (!b.results.has(target)) throw new CodedError('WSWB_PANEL_NO_RESULT', 'This panel did not write that file');
    if (!b.host.openResult) throw unsupported('Cannot open files here');
    await b.host.openResult(target);
  });
  handle('transcriptAction', async ({ action }) => {
    const t = b.transcript;
    if (!t) throw new CodedError('WSWB_PANEL_NO_TRANSCRIPT', 'This panel shows no transcript');
    if (!b.host.transcriptAction) throw unsupported('Cannot replay here');
    await b.host.transcriptAction(action, t.file);
  });
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
    // Codec messages encode with the connection's codecs rules (a protobuf type from their .proto).
    const p = messagePayload(m, { values: await b.vars() }, isCodecKind(m.kind) ? await b.codecsFor(b.requestDraft ?? { url: b.requireConn().options.url }) : undefined);
    const sent = await b.sendOne(p.binary ? { data: p.data } : { text: p.text, substitute: false }, {});
    // Its `expect` rules answer in the timeline: one row per rule, passed or failed.
    if (m.expect?.length) checkExpectations(b.requireConn(), m.name, m.expect);
    return { sent };
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
