/**
 * `protocol: "auto"`: which protocol a connection speaks, from the negotiated sub-protocol, then the
 * URL path, then the first message. Conservative: a look-alike (plain JSON with a `type`, JSON-RPC
 * 1.0, a lone `42[…]` without the Engine.IO open packet, text ending in 0x1E that is not a hub
 * record, a binary 0x10 without the MQTT protocol name) stays `raw`.
 */
import type { ProtocolName, WireMessage } from './types';
import { isObject, strictText, tryJson } from './util';

/** The protocol a negotiated sub-protocol names, if any. */
export function fromSubprotocol(sub: string | undefined): ProtocolName | undefined {
  if (!sub) return undefined;
  const s = sub.trim().toLowerCase();
  if (s === 'graphql-transport-ws' || s === 'graphql-ws') return 'graphql-ws';
  if (/^v1[0-2]\.stomp$/.test(s) || s === 'stomp') return 'stomp';
  if (s === 'mqtt' || s === 'mqttv3.1') return 'mqtt';
  if (s === 'jsonrpc' || s === 'json-rpc' || s === 'jsonrpc-2.0' || s === 'jsonrpc2') return 'json-rpc';
  return undefined;
}

/** The protocol a URL's path names, if any (`/socket.io/?EIO=…`). */
export function fromUrl(url: string | undefined): ProtocolName | undefined {
  if (!url) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.searchParams.has('EIO') && u.searchParams.get('transport') === 'websocket') return 'socket.io';
  return undefined;
}

/** The protocol the first message of a connection (either direction) shows, if unambiguous. */
export function fromFirstMessage(msg: WireMessage): ProtocolName | undefined {
  if (msg.binary) {
    const b = msg.data;
    // MQTT CONNECT: 0x10, remaining length (1–4 bytes), then the length-prefixed protocol name.
    if (b.length >= 8 && b[0] === 0x10) {
      let i = 1;
      while (i < 5 && i < b.length && (b[i]! & 0x80) !== 0) i++;
      i++;
      const nameLen = (b[i]! << 8) | b[i + 1]!;
      const name = Buffer.from(b.subarray(i + 2, i + 2 + nameLen)).toString('latin1');
      if ((nameLen === 4 && name === 'MQTT') || (nameLen === 6 && name === 'MQIsdp')) return 'mqtt';
    }
    return undefined;
  }
  const text = strictText(msg.data);
  if (text === undefined) return undefined;
  // Engine.IO open packet: `0{"sid":…,"pingInterval":…}`
  if (text.startsWith('0{')) {
    const o = tryJson(text.slice(1));
    if (isObject(o) && typeof o.sid === 'string' && typeof o.pingInterval === 'number') return 'socket.io';
  }
  // SignalR handshake: `{"protocol":"json","version":1}\x1e`
  if (text.endsWith('\x1e')) {
    const o = tryJson(text.slice(0, text.indexOf('\x1e')));
    if (isObject(o) && typeof o.protocol === 'string' && typeof o.version === 'number') return 'signalr';
  }
  // STOMP CONNECT/STOMP/CONNECTED frame, NUL-terminated.
  if (/^(CONNECT|STOMP|CONNECTED)\r?\n/.test(text) && text.includes('\0') && /\r?\n\r?\n/.test(text)) return 'stomp';
  const j = tryJson(text);
  if (isObject(j)) {
    if (j.jsonrpc === '2.0' && (typeof j.method === 'string' || 'result' in j || 'error' in j)) return 'json-rpc';
    if (j.type === 'connection_init' && Object.keys(j).every((k) => k === 'type' || k === 'payload')) return 'graphql-ws';
  }
  if (Array.isArray(j) && j.length > 0 && j.every((x) => isObject(x) && x.jsonrpc === '2.0')) return 'json-rpc';
  return undefined;
}

/** Detection from what is known before any message: sub-protocol first, then the URL. */
export function detectFromHandshake(subprotocol: string | undefined, url: string | undefined): ProtocolName | undefined {
  return fromSubprotocol(subprotocol) ?? fromUrl(url);
}
