/**
 * STOMP 1.0–1.2 frames: `COMMAND\nheader:value\n…\n\nbody\0`, several frames (and heart-beat EOLs)
 * may share one WebSocket message; `content-length` bodies may hold NULs. Header values are
 * unescaped (1.1/1.2 rules) except in CONNECT/CONNECTED frames.
 */
import type { Decoded, ProtocolDecoder, WireMessage } from './types';
import { oneLine, short, strictText, textOf, tryJson } from './util';

/** Client and server commands of STOMP 1.2. */
export const STOMP_COMMANDS = new Set([
  'CONNECT', 'STOMP', 'SEND', 'SUBSCRIBE', 'UNSUBSCRIBE', 'BEGIN', 'COMMIT', 'ABORT', 'ACK', 'NACK', 'DISCONNECT',
  'CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR',
]);

/** One parsed frame. */
export interface StompFrame {
  command: string;
  headers: Record<string, string>;
  body: string;
}

function unescape(v: string): string {
  return v.replace(/\\([rnc\\])/g, (_m, c: string) => (c === 'r' ? '\r' : c === 'n' ? '\n' : c === 'c' ? ':' : '\\'));
}

function escape(v: string): string {
  return v.replace(/[\\\r\n:]/g, (c) => (c === '\\' ? '\\\\' : c === '\r' ? '\\r' : c === '\n' ? '\\n' : '\\c'));
}

/** Parses the frames in a message; `heartbeats` counts bare EOLs between frames. Throws on a malformed frame. */
export function parseStomp(text: string): { frames: StompFrame[]; heartbeats: number } {
  const frames: StompFrame[] = [];
  let heartbeats = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\n') { heartbeats++; i++; continue; }
    if (text[i] === '\r' && text[i + 1] === '\n') { heartbeats++; i += 2; continue; }
    const headEnd = text.indexOf('\n\n', i);
    const headEndCrlf = text.indexOf('\r\n\r\n', i);
    let end: number, bodyStart: number;
    if (headEndCrlf >= 0 && (headEnd < 0 || headEndCrlf < headEnd)) { end = headEndCrlf; bodyStart = headEndCrlf + 4; } else if (headEnd >= 0) { end = headEnd; bodyStart = headEnd + 2; } else throw new Error('frame without the blank line ending its headers');
    const lines = text.slice(i, end).split(/\r?\n/);
    const command = lines[0]!;
    if (!STOMP_COMMANDS.has(command)) throw new Error(`unknown command ${short(command, 20)}`);
    const raw = command === 'CONNECT' || command === 'CONNECTED' || command === 'STOMP';
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      if (c < 0) throw new Error(`header line without a colon: ${short(line, 30)}`);
      const k = raw ? line.slice(0, c) : unescape(line.slice(0, c));
      if (!(k in headers)) headers[k] = raw ? line.slice(c + 1) : unescape(line.slice(c + 1)); // the first repeat wins (§ Repeated Header Entries)
    }
    let bodyEnd: number;
    const len = headers['content-length'];
    if (len !== undefined && /^\d+$/.test(len)) {
      // content-length counts bytes: measure in UTF-8.
      const rest = Buffer.from(text.slice(bodyStart), 'utf8');
      const body = rest.subarray(0, Number(len)).toString('utf8');
      bodyEnd = bodyStart + body.length;
      if (text[bodyEnd] !== '\0') throw new Error('content-length body not followed by NUL');
    } else {
      bodyEnd = text.indexOf('\0', bodyStart);
      if (bodyEnd < 0) throw new Error('frame without its NUL terminator');
    }
    frames.push({ command, headers, body: text.slice(bodyStart, bodyEnd) });
    i = bodyEnd + 1;
  }
  return { frames, heartbeats };
}

/** The decoded form of one frame. */
export function describeStomp(f: StompFrame): Decoded {
  const d: Decoded = { protocol: 'stomp', type: f.command, summary: f.command, command: f.command, headers: f.headers, body: f.body };
  const h = f.headers;
  if (f.body) {
    const j = tryJson(f.body);
    if (j !== undefined) d.json = j;
  }
  if (h.receipt !== undefined) {
    d.key = `receipt:${h.receipt}`;
    d.role = 'request';
  } else if (f.command === 'RECEIPT' && h['receipt-id'] !== undefined) {
    d.key = `receipt:${h['receipt-id']}`;
    d.role = 'reply';
  } else if (f.command === 'ERROR' && h['receipt-id'] !== undefined) {
    d.key = `receipt:${h['receipt-id']}`;
    d.role = 'reply';
  } else if (f.command === 'SUBSCRIBE' && h.id !== undefined) {
    d.key = `sub:${h.id}`;
    d.role = 'request';
  } else if (f.command === 'MESSAGE' && h.subscription !== undefined) {
    d.key = `sub:${h.subscription}`;
    d.role = 'partial';
  } else if (f.command === 'CONNECT' || f.command === 'STOMP') {
    d.key = 'connect';
    d.role = 'request';
  } else if (f.command === 'CONNECTED' || (f.command === 'ERROR')) {
    d.key = 'connect';
    d.role = 'reply';
  }
  const dest = h.destination ? ` ${h.destination}` : '';
  const body = f.body ? ` ${oneLine(f.body, 50)}` : '';
  switch (f.command) {
    case 'CONNECT':
    case 'STOMP':
      d.summary = `${f.command} ${h.host ?? ''} accept-version=${h['accept-version'] ?? '1.0'}${h['heart-beat'] ? ` heart-beat=${h['heart-beat']}` : ''}`;
      break;
    case 'CONNECTED':
      d.summary = `CONNECTED version=${h.version ?? '1.0'}${h['heart-beat'] ? ` heart-beat=${h['heart-beat']}` : ''}`;
      break;
    case 'SUBSCRIBE':
      d.summary = `SUBSCRIBE${dest} id ${h.id ?? '?'}`;
      break;
    case 'MESSAGE':
      d.summary = `MESSAGE${dest} sub ${h.subscription ?? '?'}${body}`;
      break;
    case 'RECEIPT':
      d.summary = `RECEIPT ${h['receipt-id'] ?? '?'}`;
      break;
    case 'ERROR':
      d.summary = `ERROR ${h.message ?? ''}${body}`.trimEnd();
      break;
    default:
      d.summary = `${f.command}${dest}${h.receipt ? ` receipt ${h.receipt}` : ''}${body}`;
  }
  return d;
}

/** Decodes STOMP messages (text, or binary frames whose headers are UTF-8). */
export class StompDecoder implements ProtocolDecoder {
  readonly protocol = 'stomp' as const;

  decode(msg: WireMessage): Decoded | undefined {
    const text = msg.binary ? (strictText(msg.data) ?? textOf(msg)) : textOf(msg);
    let parsed: ReturnType<typeof parseStomp>;
    try {
      parsed = parseStomp(text);
    } catch (e) {
      const why = `STOMP: ${(e as Error).message}`;
      return { protocol: 'stomp', type: 'invalid', summary: why, invalid: why };
    }
    const items = parsed.frames.map(describeStomp);
    if (items.length === 0) return { protocol: 'stomp', type: 'HEARTBEAT', summary: `heart-beat${parsed.heartbeats > 1 ? ` ×${parsed.heartbeats}` : ''}` };
    if (items.length === 1) return items[0];
    return { protocol: 'stomp', type: 'frames', summary: items.map((i) => i.summary).join('; ').slice(0, 120), items };
  }
}

/** Encodes one frame (header values escaped except in CONNECT; content-length added when the body holds a NUL). */
export function encodeStomp(command: string, headers: Record<string, string> = {}, body = ''): string {
  const raw = command === 'CONNECT' || command === 'STOMP';
  const h = { ...headers };
  if (body.includes('\0') && h['content-length'] === undefined) h['content-length'] = String(Buffer.byteLength(body, 'utf8'));
  const lines = Object.entries(h).map(([k, v]) => (raw ? `${k}:${v}` : `${escape(k)}:${escape(v)}`));
  return `${command}\n${lines.map((l) => l + '\n').join('')}\n${body}\0`;
}
