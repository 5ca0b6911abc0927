/**
 * The Socket.IO half of the Artillery export (`engine: socketio`): where the engine connects, what
 * an emit looks like, and which expectations become `acknowledge` / `response`. Pure.
 */
import type { ExpectRule, MessageDef, RequestDef } from '../collections/types';
import type { InlineMessageDef } from '../collections/scenario';
import { ArtilleryExportError, requestUrl } from './artilleryCommon';

/**
 * Where Artillery's Socket.IO engine connects: the http(s) origin (the engine adds the namespace),
 * the namespace from protocolOptions or the URL's path (as the client and socket.io-client read
 * it), and the socket.io-client options: websocket transport only, Engine.IO path, auth payload,
 * query, headers.
 */
export function socketIoTarget(
  r: RequestDef,
  convert: (t: string) => string,
  convertDeep: (v: unknown) => unknown,
): { target: string; namespace: string; options: Record<string, unknown> } {
  const o = (r.protocolOptions ?? {}) as { namespace?: unknown; auth?: unknown; path?: unknown; eio?: unknown };
  if (o.eio === 3) throw new ArtilleryExportError(`request "${r.name}" talks to a Socket.IO 2 server (eio 3): Artillery's Socket.IO engine is socket.io-client 4`, 'WSWB_EXPORT_UNSUPPORTED');
  const url = convert(requestUrl(r));
  const m = /^(wss?|https?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) throw new ArtilleryExportError(`request "${r.name}": cannot read the URL ${url}`, 'WSWB_EXPORT_UNSUPPORTED');
  const scheme = m[1] === 'wss' || m[1] === 'https' ? 'https' : 'http';
  const pathPart = m[3] ?? '';
  const urlNamespace = pathPart && pathPart !== '/' && !pathPart.startsWith('/socket.io') ? pathPart.replace(/\/+$/, '') : '/';
  const namespace = typeof o.namespace === 'string' ? o.namespace : urlNamespace;
  const options: Record<string, unknown> = { transports: ['websocket'] };
  if (typeof o.path === 'string') options.path = o.path;
  if (o.auth !== undefined) options.auth = convertDeep(o.auth);
  const query = (m[4] ?? '').split('&').filter((kv) => kv && !/^(EIO|transport)=/.test(kv));
  if (query.length) options.query = query.join('&');
  if (r.headers && Object.keys(r.headers).length) options.extraHeaders = convertDeep(r.headers);
  return { target: `${scheme}://${m[2]}`, namespace, options };
}

/** The Socket.IO message a send step names (a Socket.IO request sends nothing else). */
export function socketIoMessage(r: RequestDef, send: string | InlineMessageDef): { event: string; args?: unknown[]; ack?: boolean; namespace?: string } {
  const m: MessageDef | InlineMessageDef | undefined = typeof send === 'string' ? (r.messages ?? []).find((x) => x.name === send) : send;
  if (!m) throw new ArtilleryExportError(`request "${r.name}" has no message named "${String(send)}"`, 'WSWB_SCENARIO_UNKNOWN_NAME');
  if (m.kind !== 'socket.io') throw new ArtilleryExportError(`message ${m.name ? `"${m.name}"` : '(inline)'} is ${m.kind}: a Socket.IO request exports socket.io messages only`, 'WSWB_EXPORT_UNSUPPORTED');
  if (JSON.stringify(m.args ?? []).includes('"$binary"')) throw new ArtilleryExportError(`message ${m.name ? `"${m.name}"` : '(inline)'} has binary arguments: not exported`, 'WSWB_EXPORT_UNSUPPORTED');
  return m;
}

/**
 * The `emit` of Artillery's Socket.IO engine: `{channel, data}` for one argument of any JSON type,
 * `[event, …strings]` for none or string arguments (its script schema allows nothing else).
 */
export function socketIoEmit(m: { event: string; args?: unknown[]; name?: string }, convertDeep: (v: unknown) => unknown): unknown {
  const args = m.args ?? [];
  if (args.length === 1) return { channel: convertDeep(m.event), data: convertDeep(args[0]) };
  if (args.every((a) => typeof a === 'string')) return convertDeep([m.event, ...args]);
  throw new ArtilleryExportError(
    `message ${m.name ? `"${m.name}"` : '(inline)'} has ${args.length} arguments that are not all strings: Artillery's Socket.IO engine emits one argument of any type, or strings`,
    'WSWB_EXPORT_UNSUPPORTED',
  );
}

/**
 * An expectation after a Socket.IO emit: `acknowledge` for `"ack": true` (the emit must ask for one),
 * `response` for `"event"`, each with match/capture on the argument array. Everything else is a gap.
 */
export function socketIoExpect(
  rule: ExpectRule,
  pending: { step: Record<string, unknown>; ack?: boolean } | undefined,
  expectSpec: (rule: ExpectRule) => { match?: Record<string, unknown>; capture?: Record<string, unknown>; gap?: string },
): { key: 'acknowledge' | 'response'; params: Record<string, unknown> } | { gap: string } {
  const what = JSON.stringify(rule);
  if (!pending) return { gap: `expectation ${what}: Artillery's Socket.IO engine checks replies to an emit only` };
  if (rule.type !== undefined || rule.count !== undefined || rule.regex !== undefined || rule.shape !== undefined) return { gap: `expectation ${what}: type, count, regex and shape have no Socket.IO equivalent in Artillery` };
  if (rule.ack && !pending.ack) return { gap: `expectation ${what}: the message before it asks for no ack` };
  if (!rule.ack && rule.event === undefined) return { gap: `expectation ${what}: name an event or expect the ack` };
  const params: Record<string, unknown> = {};
  if (rule.jsonPath !== undefined) {
    const spec = expectSpec({ jsonPath: rule.jsonPath, ...(rule.equals !== undefined ? { equals: rule.equals } : {}), ...(rule.exists !== undefined ? { exists: rule.exists } : {}) });
    if (spec.gap) return { gap: spec.gap };
    if (spec.match) params.match = [spec.match];
    if (spec.capture) params.capture = [spec.capture];
  }
  if (rule.ack) return { key: 'acknowledge', params };
  return { key: 'response', params: { on: rule.event, ...params } };
}
