/**
 * SignalR JSON hub protocol: records are JSON objects each ended by the 0x1E record separator,
 * several may share one WebSocket message. The first record each way is the handshake
 * (`{"protocol":"json","version":1}` → `{}` or `{"error":…}`). Binary messages are the MessagePack
 * hub protocol (signalrMsgpack.ts), decoded to the same records.
 */
import { recordObject, splitRecords } from './signalrMsgpack';
import type { Decoded, Dir, PairRole, ProtocolDecoder, WireMessage } from './types';
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
  for (const f of ['invocationId', 'target', 'arguments', 'result', 'error', 'item', 'streamIds', 'headers'] as const) if (m[f] !== undefined) d[f] = m[f];
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

  /** Whether each direction's handshake went by (a MessagePack session's handshake response may come in a binary frame). */
  private readonly shaken = { in: false, out: false };

  decode(msg: WireMessage, dir: Dir = 'in'): Decoded | undefined {
    let items: Decoded[] = [];
    let data = msg.data;
    if (msg.binary && !this.shaken[dir] && data[0] === 0x7b && data.includes(0x1e)) {
      // The JSON handshake ahead of MessagePack records in the same frame.
      const end = data.indexOf(0x1e);
      items = this.jsonRecords(textOf({ binary: false, data: data.subarray(0, end + 1) }), dir);
      data = data.subarray(end + 1);
      if (!data.length) return joined(items);
    }
    if (msg.binary) {
      this.shaken[dir] = true;
      let records: Uint8Array[];
      try {
        records = splitRecords(data);
      } catch (e) {
        return joined([...items, invalid(`MessagePack hub message: ${(e as Error).message}`)]);
      }
      for (const r of records) {
        try {
          items.push(describeSignalr(recordObject(r)));
        } catch (e) {
          items.push(invalid(`MessagePack hub record: ${(e as Error).message}`));
        }
      }
      return joined(items);
    }
    const text = textOf(msg);
    if (!text.endsWith(RS)) return invalid(`record without its 0x1E separator: ${short(text, 40)}`);
    return joined(this.jsonRecords(text, dir));
  }

  private jsonRecords(text: string, dir: Dir): Decoded[] {
    return text.split(RS).slice(0, -1).map((r) => {
      const m = tryJson(r);
      if (m === undefined) return invalid(`not JSON: ${short(r, 40)}`);
      const d = describeSignalr(m);
      if (d.type === 'Handshake' || d.type === 'HandshakeResponse') this.shaken[dir] = true;
      return d;
    });
  }
}

/** One record as itself, several as a `records` packet. */
function joined(items: Decoded[]): Decoded | undefined {
  if (items.length === 0) return undefined;
  if (items.length === 1) return items[0];
  return { protocol: 'signalr', type: 'records', summary: items.map((i) => i.summary).join('; ').slice(0, 120), items };
}

function invalid(why: string): Decoded {
  return { protocol: 'signalr', type: 'invalid', summary: why, invalid: why };
}

/** Encodes hub records (objects) as one JSON hub protocol message. */
export function encodeSignalr(...records: object[]): string {
  return records.map((r) => JSON.stringify(r) + RS).join('');
}
