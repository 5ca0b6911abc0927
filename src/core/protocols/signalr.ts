/**
 * SignalR JSON hub protocol: records are JSON objects each ended by the 0x1E record separator,
 * several may share one WebSocket message. The first record each way is the handshake
 * (`{"protocol":"json","version":1}` → `{}` or `{"error":…}`). The MessagePack hub protocol
 * (binary) is recognised but not decoded yet.
 */
import type { Decoded, PairRole, ProtocolDecoder, WireMessage } from './types';
import { argList, isObject, short, textOf, tryJson } from './util';

/** The record separator ending every JSON hub protocol record. */
export const RS = '\x1e';

/** Hub message type numbers and names. */
export const SIGNALR_TYPES: Record<number, string> = {
  1: 'Invocation', 2: 'StreamItem', 3: 'Completion', 4: 'StreamInvocation', 5: 'CancelInvocation', 6: 'Ping', 7: 'Close', 8: 'Ack', 9: 'Sequence',
};

const ROLES: Record<number, PairRole> = { 1: 'request', 4: 'request', 2: 'partial', 3: 'reply' };

/** The decoded form of one hub record (an object parsed from JSON). */
export function describeSignalr(m: unknown): Decoded {
  if (!isObject(m)) return invalid(`not a SignalR record: ${short(m, 40)}`);
  if (m.type === undefined) {
    if (typeof m.protocol === 'string') {
      return { protocol: 'signalr', type: 'Handshake', summary: `handshake ${m.protocol} v${String(m.version)}`, key: 'handshake', role: 'request', hubProtocol: m.protocol, version: m.version };
    }
    const d: Decoded = { protocol: 'signalr', type: 'HandshakeResponse', summary: m.error ? `handshake refused: ${String(m.error)}` : 'handshake ok', key: 'handshake', role: 'reply' };
    if (m.error !== undefined) d.error = m.error;
    return d;
  }
  const t = typeof m.type === 'number' ? m.type : -1;
  const d: Decoded = { protocol: 'signalr', type: SIGNALR_TYPES[t] ?? `Type${String(m.type)}`, summary: '' };
  for (const f of ['invocationId', 'target', 'arguments', 'result', 'error', 'item', 'streamIds'] as const) if (m[f] !== undefined) d[f] = m[f];
  const id = typeof m.invocationId === 'string' ? m.invocationId : undefined;
  if (id !== undefined && ROLES[t]) {
    d.key = id;
    d.role = ROLES[t];
  }
  switch (t) {
    case 1:
    case 4:
      d.summary = `${t === 4 ? 'stream ' : ''}${String(m.target)}(${argList(Array.isArray(m.arguments) ? m.arguments : [])})${id !== undefined ? ` id ${id}` : ''}`;
      break;
    case 2:
      d.summary = `item ${id ?? '?'} ${short(m.item, 60)}`;
      break;
    case 3:
      d.summary = m.error !== undefined ? `completion ${id ?? '?'} error ${short(m.error, 60)}` : `completion ${id ?? '?'}${'result' in m ? ` ${short(m.result, 60)}` : ''}`;
      break;
    case 5:
      d.summary = `cancel ${id ?? '?'}`;
      break;
    case 6:
      d.summary = 'ping';
      break;
    case 7:
      d.summary = `close${m.error ? ` ${String(m.error)}` : ''}${m.allowReconnect ? ' (reconnect allowed)' : ''}`;
      break;
    default:
      d.summary = `${d.type} ${short(m, 60)}`;
  }
  return d;
}

/** Decodes SignalR JSON hub protocol messages. */
export class SignalrDecoder implements ProtocolDecoder {
  readonly protocol = 'signalr' as const;

  decode(msg: WireMessage): Decoded | undefined {
    if (msg.binary) return { protocol: 'signalr', type: 'MessagePack', summary: `MessagePack hub message (${msg.data.length} B, not decoded)` };
    const text = textOf(msg);
    if (!text.endsWith(RS)) return invalid(`record without its 0x1E separator: ${short(text, 40)}`);
    const records = text.split(RS).slice(0, -1);
    const items = records.map((r) => {
      const m = tryJson(r);
      return m === undefined ? invalid(`not JSON: ${short(r, 40)}`) : describeSignalr(m);
    });
    if (items.length === 1) return items[0];
    return { protocol: 'signalr', type: 'records', summary: items.map((i) => i.summary).join('; ').slice(0, 120), items };
  }
}

function invalid(why: string): Decoded {
  return { protocol: 'signalr', type: 'invalid', summary: why, invalid: why };
}

/** Encodes hub records (objects) as one JSON hub protocol message. */
export function encodeSignalr(...records: object[]): string {
  return records.map((r) => JSON.stringify(r) + RS).join('');
}
