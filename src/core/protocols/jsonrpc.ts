/**
 * JSON-RPC 2.0: requests (method + id), notifications (no id), responses (result or error by id),
 * and batches (arrays of any of these). Nothing to negotiate.
 */
import { LazyPacket } from './packet';
import type { Decoded, ProtocolDecoder, WireMessage } from './types';
import { isObject, short, textOf, tryJson } from './util';

/** The summary of a decoded JSON-RPC object (built when first read). */
function summarizeRpc(d: LazyPacket): string {
  const id = d.id === undefined ? '?' : d.id === null ? 'null' : String(d.id as string | number);
  switch (d.type) {
    case 'request':
      return `${String(d.method)}(${d.params === undefined ? '' : short(d.params, 60)}) id ${id}`;
    case 'notification':
      return `notify ${String(d.method)}(${d.params === undefined ? '' : short(d.params, 60)})`;
    case 'error': {
      const e = isObject(d.error) ? d.error : {};
      return `error ${id}: ${String(e.code)} ${typeof e.message === 'string' ? e.message : ''}`.trimEnd();
    }
    default:
      return `result ${id}: ${short(d.result, 70)}`;
  }
}

/** The decoded form of one JSON-RPC object. */
export function describeRpc(m: unknown): Decoded {
  if (!isObject(m) || m.jsonrpc !== '2.0') return invalid(`not a JSON-RPC 2.0 object: ${short(m, 40)}`);
  const id = m.id;
  const hasId = id !== undefined;
  let d: LazyPacket;
  if (typeof m.method === 'string') {
    d = new LazyPacket('json-rpc', hasId ? 'request' : 'notification', summarizeRpc);
    if (hasId) {
      d.key = id === null ? 'null' : String(id as string | number);
      d.role = 'request';
      d.id = id;
    }
    d.method = m.method;
    if (m.params !== undefined) d.params = m.params;
  } else if (m.result !== undefined || 'result' in m || 'error' in m) {
    const isError = 'error' in m;
    d = new LazyPacket('json-rpc', isError ? 'error' : 'result', summarizeRpc);
    if (hasId && id !== null) {
      d.key = String(id as string | number);
      d.role = 'reply';
    }
    if (hasId) d.id = id;
    if (isError) d.error = m.error;
    else d.result = m.result;
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
