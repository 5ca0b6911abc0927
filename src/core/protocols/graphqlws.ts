/**
 * GraphQL over WebSocket: `graphql-transport-ws` (the current protocol of the graphql-ws library)
 * and the legacy `subscriptions-transport-ws` (sub-protocol `graphql-ws`). Messages are JSON
 * objects `{type, id?, payload?}`; the operation id pairs a subscribe/start with its replies.
 */
import type { Decoded, PairRole, ProtocolDecoder, WireMessage } from './types';
import { isObject, oneLine, short, textOf, tryJson } from './util';

/** Close codes of graphql-transport-ws, with their meaning. */
export const GRAPHQL_CLOSE_CODES: Record<number, string> = {
  4400: 'bad request (invalid message)',
  4401: 'unauthorized (subscribe before connection_ack)',
  4403: 'forbidden (connection_init refused)',
  4406: 'subprotocol not acceptable',
  4408: 'connection initialisation timeout',
  4409: 'subscriber for this id already exists',
  4429: 'too many initialisation requests',
  4499: 'terminated',
  4500: 'internal server error',
};

const ROLES: Record<string, PairRole> = {
  subscribe: 'request', start: 'request',
  next: 'partial', data: 'partial',
  error: 'reply', complete: 'reply',
};

/** Decodes a GraphQL-over-WebSocket connection's messages. */
export class GraphqlWsDecoder implements ProtocolDecoder {
  readonly protocol = 'graphql-ws' as const;

  decode(msg: WireMessage): Decoded | undefined {
    if (msg.binary) return invalid('binary message (GraphQL over WebSocket is text)');
    const text = textOf(msg);
    const m = tryJson(text);
    if (!isObject(m) || typeof m.type !== 'string') return invalid(`not a GraphQL-over-WebSocket message: ${short(text, 40)}`);
    const type = m.type;
    const d: Decoded = { protocol: 'graphql-ws', type, summary: type };
    if (m.id !== undefined) d.id = m.id;
    if (m.payload !== undefined) d.payload = m.payload;
    const id = typeof m.id === 'string' || typeof m.id === 'number' ? String(m.id) : undefined;
    if (id !== undefined && ROLES[type]) {
      // A `complete` from the subscriber is a cancel, not a reply: the pairing table ignores it
      // because it travels in the request's direction.
      d.key = id;
      d.role = ROLES[type];
    }
    if (type === 'connection_init') {
      d.key = 'connection_init';
      d.role = 'request';
    } else if (type === 'connection_ack' || type === 'connection_error') {
      d.key = 'connection_init';
      d.role = 'reply';
    } else if (type === 'ping') {
      d.key = 'ping';
      d.role = 'request';
    } else if (type === 'pong') {
      d.key = 'ping';
      d.role = 'reply';
    }
    const p = m.payload;
    if ((type === 'subscribe' || type === 'start') && isObject(p)) {
      const what = typeof p.operationName === 'string' && p.operationName ? p.operationName : typeof p.query === 'string' ? oneLine(p.query, 60) : '?';
      d.summary = `${type} ${id ?? '?'}: ${what}`;
    } else if (id !== undefined) {
      d.summary = `${type} ${id}${p !== undefined ? ` ${short(p, 70)}` : ''}`;
    } else if (p !== undefined) {
      d.summary = `${type} ${short(p, 70)}`;
    }
    return d;
  }
}

function invalid(why: string): Decoded {
  return { protocol: 'graphql-ws', type: 'invalid', summary: why, invalid: why };
}
