/**
 * JSON-RPC 2.0: requests (method + id), notifications (no id), responses (result or error by id),
 * and batches (arrays of any of these). Nothing to negotiate.
 */
import type { Decoded, ProtocolDecoder, WireMessage } from './types';
import { isObject, short, textOf, tryJson } from './util';

/** The decoded form of one JSON-RPC object. */
export function describeRpc(m: unknown): Decoded {
  if (!isObject(m) || m.jsonrpc !== '2.0') return invalid(`not a JSON-RPC 2.0 object: ${short(m, 40)}`);
  const d: Decoded = { protocol: 'json-rpc', type: 'invalid', summary: '' };
  const hasId = 'id' in m && m.id !== undefined;
  if (hasId) d.id = m.id;
  const id = hasId ? (m.id === null ? 'null' : String(m.id as string | number)) : undefined;
  if (typeof m.method === 'string') {
    d.method = m.method;
    if (m.params !== undefined) d.params = m.params;
    const call = `${m.method}(${m.params === undefined ? '' : short(m.params, 60)})`;
    if (hasId) {
      d.type = 'request';
      d.key = id;
      d.role = 'request';
      d.summary = `${call} id ${id}`;
    } else {
      d.type = 'notification';
      d.summary = `notify ${call}`;
    }
  } else if ('result' in m || 'error' in m) {
    if ('error' in m) {
      d.type = 'error';
      d.error = m.error;
      const e = isObject(m.error) ? m.error : {};
      d.summary = `error ${id ?? '?'}: ${String(e.code)} ${typeof e.message === 'string' ? e.message : ''}`.trimEnd();
    } else {
      d.type = 'result';
      d.result = m.result;
      d.summary = `result ${id ?? '?'}: ${short(m.result, 70)}`;
    }
    if (id !== undefined && id !== 'null') {
      d.key = id;
      d.role = 'reply';
    }
  } else {
    return invalid(`JSON-RPC object with neither method nor result/error: ${short(m, 40)}`);
  }
  return d;
}

/** Decodes JSON-RPC 2.0 messages (single objects and batches). */
export class JsonRpcDecoder implements ProtocolDecoder {
  readonly protocol = 'json-rpc' as const;

  decode(msg: WireMessage): Decoded | undefined {
    const text = textOf(msg);
    const m = tryJson(text);
    if (Array.isArray(m)) {
      const items = m.map(describeRpc);
      return { protocol: 'json-rpc', type: 'batch', summary: `batch of ${items.length}: ${items.map((i) => i.summary).join('; ').slice(0, 100)}`, items };
    }
    if (m === undefined) return invalid(`not JSON: ${short(text, 40)}`);
    return describeRpc(m);
  }
}

function invalid(why: string): Decoded {
  return { protocol: 'json-rpc', type: 'invalid', summary: why, invalid: why };
}

/** Encodes a JSON-RPC request (`id` given) or notification (no id). */
export function encodeJsonRpc(method: string, params: unknown, id?: number | string): string {
  return JSON.stringify({ jsonrpc: '2.0', method, ...(params !== undefined ? { params } : {}), ...(id !== undefined ? { id } : {}) });
}
