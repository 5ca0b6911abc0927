/**
 * The protocol requests of the webview contract (src/shared/protocolContract.ts): a packet's
 * detail, the latency table, the view row of a pair's other side, and sending protocol messages
 * (typed in the composer, or saved in the collection with their `kind`). No `vscode` import.
 */
import { KIND_PROTOCOL, parseMessageDef, type ProtocolMessage as CoreMessage } from '../../core/protocols/messages';
import type { HostContract, SavedMessage, WebviewEvents } from '../../shared/contract';
import type { MessageDef } from '../../core/collections/types';
import type { RpcServer } from '../../shared/rpc';
import type { PanelBinding } from './binding';
import { sendProtocol } from './protocolSession';
import { CodedError } from '../../core/errors';
import { codecPayload } from '../../core/codecs/encode';


/** Whether a saved message's kind is a protocol message kind (`socket.io`, `graphql`, …). */
export function isProtocolKind(kind: string): kind is CoreMessage['kind'] {
  return Object.prototype.hasOwnProperty.call(KIND_PROTOCOL, kind);
}

/** A saved codec message as the composer shows it: `data` (and `type`) as fields, the data's JSON as preview text. */
export function savedCodecMessage(def: Record<string, unknown>): SavedMessage {
  const fields: Record<string, unknown> = { data: def.data ?? null };
  if (typeof def.type === 'string') fields.type = def.type;
  const s: SavedMessage = { name: String(def.name), kind: def.kind as SavedMessage['kind'], fields, text: `${typeof def.type === 'string' ? def.type + ' ' : ''}${JSON.stringify(def.data ?? null)}` };
  if (typeof def.description === 'string') s.description = def.description;
  return s;
}

/** The collection's message for a codec message the composer saves (over `existing`: its description and expectations survive). */
export function codecMessageDef(name: string, s: SavedMessage, existing?: MessageDef): MessageDef {
  const f = s.fields ?? {};
  if (s.kind === 'protobuf' && (typeof f.type !== 'string' || !f.type.trim())) throw new CodedError('WSWB_PANEL_BAD_MESSAGE', 'Not saved: a protobuf message needs its type (e.g. feed.Envelope)');
  const keep: Record<string, unknown> = {};
  if (existing?.description !== undefined) keep.description = existing.description;
  if (existing?.expect !== undefined) keep.expect = existing.expect;
  if (s.description !== undefined) keep.description = s.description;
  return { name, ...keep, kind: s.kind, ...(s.kind === 'protobuf' ? { type: String(f.type).trim() } : {}), data: f.data ?? null } as unknown as MessageDef;
}

/** A saved protocol message as the composer shows it: its fields, and their JSON as the list's preview text. */
export function savedProtocolMessage(def: Record<string, unknown>): SavedMessage {
  const fields: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(def)) if (k !== 'name' && k !== 'description' && k !== 'expect' && k !== 'kind') fields[k] = val;
  const s: SavedMessage = { name: String(def.name), kind: def.kind as SavedMessage['kind'], fields, text: JSON.stringify(fields) };
  if (typeof def.description === 'string') s.description = def.description;
  return s;
}

/** The collection's message for a protocol message the composer saves (over `existing`: its description and expectations survive). */
export function protocolMessageDef(name: string, s: SavedMessage, existing?: MessageDef): MessageDef {
  let m: CoreMessage;
  try {
    m = parseMessageDef({ ...(s.fields ?? {}), kind: s.kind });
  } catch (e) {
    throw new CodedError('WSWB_PANEL_BAD_MESSAGE', `Not saved: ${(e as Error).message}`);
  }
  const keep: Record<string, unknown> = {};
  if (existing?.description !== undefined) keep.description = existing.description;
  if (existing?.expect !== undefined) keep.expect = existing.expect;
  if (s.description !== undefined) keep.description = s.description;
  // In a collection a graphql message's operation id is the message's own name (variables.ts protocolMessageOf).
  const { name: _operationId, ...fields } = m as CoreMessage & { name?: string };
  return { name, ...keep, ...fields } as unknown as MessageDef;
}

/** Registers the protocol requests. */
export function registerProtocolHandlers(b: PanelBinding, server: RpcServer<HostContract, WebviewEvents>): void {
  const on: typeof server.handle = (name, fn) => server.handle(name, fn);
  on('protocolDetail', ({ id }) => {
    const d = b.protocols.detail(id);
    if (!d) return undefined;
    const peer = d.row.pair?.peer;
    const peerRow = peer !== undefined ? b.rowOfEvent(peer) : -1;
    return peerRow >= 0 ? { ...d, peerRow } : d;
  });
  on('protocolStats', () => ({ rows: b.protocols.latency(), unanswered: b.protocols.unansweredCount }));
  on('rowOfEvent', ({ id }) => ({ row: b.rowOfEvent(id) }));
  on('sendProtocol', async ({ message }) => {
    let m: CoreMessage;
    try {
      m = parseMessageDef(message);
    } catch (e) {
      throw new CodedError('WSWB_RPC_INVALID_PARAMS', `message: ${(e as Error).message}`);
    }
    await sendProtocol(b, m, await b.vars());
    return { sent: true as const };
  });
  on('sendCodec', async ({ message }) => {
    b.requireConn();
    const codecs = await b.codecsFor(b.requestDraft ?? { url: b.requireConn().options.url });
    // `{{references}}` in data strings are replaced from the panel's variables, as for saved messages.
    const data = codecPayload(message, { values: await b.vars() }, codecs);
    return { sent: await b.sendOne({ data }, {}) };
  });
  on('codecTypes', async () => {
    const draft = b.requestDraft ?? (b.connection ? { url: b.connection.options.url } : undefined);
    const codecs = draft ? await b.codecsFor(draft) : undefined;
    return { types: codecs?.typeNames() ?? [] };
  });
}
