/**
 * HAR (HTTP Archive 1.2) with WebSocket messages, as Chrome DevTools exports them since Chrome 76
 * (and Firefox in the same shape): an entry per WebSocket with `_resourceType: "websocket"` and
 * `_webSocketMessages: [{ type: 'send'|'receive', time (epoch seconds), opcode, data }]`, binary
 * data base64 with opcode 2. Import turns each such entry into a transcript; export turns a timeline
 * back into entries Chrome DevTools can import.
 */
import type { CloseEvent, FrameEvent, HandshakeEvent, HeaderPair, MessageEvent, TimelineEvent } from '../engine/events';
import { makeHeader } from './transcript';
import type { Transcript } from './transcript';
import { redact } from './secretMask';

/** A HAR name/value pair. */
export interface HarNameValue {
  name: string;
  value: string;
}

/** One `_webSocketMessages` item. */
export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the epoch, fractional. */
  time: number;
  opcode: number;
  /** Text, or base64 for opcode 2. */
  data: string;
}

/** The subset of a HAR entry we read and write. */
export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: { method: string; url: string; httpVersion: string; headers: HarNameValue[]; queryString: HarNameValue[]; cookies: unknown[]; headersSize: number; bodySize: number };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    headers: HarNameValue[];
    cookies: unknown[];
    content: { size: number; mimeType: string; text?: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, unknown>;
  timings: Record<string, number>;
  _resourceType?: string;
  _webSocketMessages?: HarWebSocketMessage[];
  [extra: string]: unknown;
}

export interface Har {
  log: { version: string; creator: { name: string; version: string }; pages?: unknown[]; entries: HarEntry[] };
}

/** A problem met while importing. */
export interface HarProblem {
  code: 'WSWB_HAR_INVALID' | 'WSWB_HAR_BAD_ENTRY' | 'WSWB_HAR_BAD_MESSAGE';
  message: string;
  entry?: number;
}

export interface HarImportResult {
  transcripts: Transcript[];
  errors: HarProblem[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pairs(v: unknown): HeaderPair[] {
  if (!Array.isArray(v)) return [];
  return v.filter((h): h is HarNameValue => isObj(h) && typeof h.name === 'string').map((h) => [h.name, String(h.value ?? '')]);
}

function header(hs: HeaderPair[], name: string): string | undefined {
  return hs.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

function isWebSocketEntry(e: Record<string, unknown>): boolean {
  if (Array.isArray(e._webSocketMessages)) return true;
  if (e._resourceType === 'websocket') return true;
  const res = isObj(e.response) ? e.response : {};
  const req = isObj(e.request) ? e.request : {};
  return (typeof req.url === 'string' && /^wss?:/i.test(req.url)) || (res.status === 101 && /websocket/i.test(header(pairs(res.headers), 'upgrade') ?? ''));
}

/** Tools write WebSocket URLs as http(s):// at times (mitmproxy, some Firefox builds). */
function wsUrl(url: string): string {
  return url.replace(/^http(s?):/i, (_m, s: string) => `ws${s}:`);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Parses HAR text (or an already parsed object) into one transcript per WebSocket entry. */
export function importHar(input: string | unknown, opts: { tool?: { name: string; version: string } } = {}): HarImportResult {
  const errors: HarProblem[] = [];
  let har: unknown = input;
  if (typeof input === 'string') {
    try {
      har = JSON.parse(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
    } catch (err) {
      return { transcripts: [], errors: [{ code: 'WSWB_HAR_INVALID', message: `not JSON: ${err instanceof Error ? err.message : String(err)}` }] };
    }
  }
  if (!isObj(har) || !isObj(har.log) || !Array.isArray(har.log.entries)) {
    return { transcripts: [], errors: [{ code: 'WSWB_HAR_INVALID', message: 'not a HAR file (expected {"log":{"entries":[…]}})' }] };
  }
  const transcripts: Transcript[] = [];
  const entries = har.log.entries as unknown[];
  let wsCount = 0;
  entries.forEach((raw, index) => {
    if (!isObj(raw) || !isWebSocketEntry(raw)) return;
    const req = isObj(raw.request) ? raw.request : undefined;
    if (!req || typeof req.url !== 'string') {
      errors.push({ code: 'WSWB_HAR_BAD_ENTRY', entry: index, message: `entry ${index}: WebSocket entry without request.url` });
      return;
    }
    wsCount++;
    const connection = `har-${wsCount}`;
    const started = typeof raw.startedDateTime === 'string' ? Date.parse(raw.startedDateTime) : NaN;
    const messages = Array.isArray(raw._webSocketMessages) ? (raw._webSocketMessages as unknown[]) : [];
    const firstMsgTime = messages.find((m): m is { time: number } => isObj(m) && typeof m.time === 'number')?.time;
    const t0 = Number.isFinite(started) ? started : firstMsgTime !== undefined ? firstMsgTime * 1000 : 0;
    const events: TimelineEvent[] = [];
    let id = 1;
    const url = wsUrl(req.url);
    let path = '/';
    try {
      const u = new URL(url);
      path = u.pathname + u.search;
    } catch {
      // keep '/'
    }
    const res = isObj(raw.response) ? raw.response : undefined;
    const hs: HandshakeEvent = {
      id: id++,
      time: t0,
      connection,
      kind: 'handshake',
      request: { method: typeof req.method === 'string' ? req.method : 'GET', path, url, headers: pairs(req.headers) },
    };
    if (res && typeof res.status === 'number' && res.status > 0) {
      hs.response = { status: res.status, statusText: typeof res.statusText === 'string' ? res.statusText : '', headers: pairs(res.headers) };
      const proto = header(hs.response.headers, 'sec-websocket-protocol');
      const ext = header(hs.response.headers, 'sec-websocket-extensions');
      if (proto) hs.subprotocol = proto;
      if (ext) hs.extensions = ext;
    }
    events.push(hs);
    if (hs.response?.status === 101) events.push({ id: id++, time: t0, connection, kind: 'state', state: 'open' });
    messages.forEach((m, j) => {
      if (!isObj(m) || (m.type !== 'send' && m.type !== 'receive') || typeof m.opcode !== 'number') {
        errors.push({ code: 'WSWB_HAR_BAD_MESSAGE', entry: index, message: `entry ${index} message ${j}: expected {type: send|receive, time, opcode, data}` });
        return;
      }
      const time = typeof m.time === 'number' && Number.isFinite(m.time) ? Math.round(m.time * 1e6) / 1e3 : t0;
      const dir = m.type === 'send' ? 'out' : 'in';
      const data = typeof m.data === 'string' ? m.data : '';
      let bytes: Uint8Array;
      if (m.opcode === 2) {
        const clean = data.replace(/\s+/g, '');
        if (!BASE64.test(clean)) {
          errors.push({ code: 'WSWB_HAR_BAD_MESSAGE', entry: index, message: `entry ${index} message ${j}: binary data is not base64` });
          return;
        }
        bytes = new Uint8Array(Buffer.from(clean, 'base64'));
      } else bytes = new TextEncoder().encode(data);
      if (m.opcode === 1 || m.opcode === 2) {
        const me: MessageEvent = { id: id++, time, connection, kind: 'message', dir, binary: m.opcode === 2, data: bytes, size: bytes.length };
        events.push(me);
      } else if (m.opcode === 8) {
        // Some tools log the close frame; its payload is code + reason.
        const code = bytes.length >= 2 ? (bytes[0]! << 8) | bytes[1]! : 1005;
        const ce: CloseEvent = { id: id++, time, connection, kind: 'close', code, reason: new TextDecoder().decode(bytes.subarray(2)), initiator: dir === 'out' ? 'client' : 'server', wasClean: true };
        events.push(ce);
      } else {
        const fe: FrameEvent = { id: id++, time, connection, kind: 'frame', dir, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: m.opcode, masked: dir === 'out', length: bytes.length, wireSize: bytes.length + 2, payload: bytes };
        events.push(fe);
      }
    });
    const header0 = makeHeader({ createdAt: t0, tool: opts.tool, source: 'har', request: { name: url, url } });
    transcripts.push({ header: header0, events });
  });
  if (wsCount === 0 && errors.length === 0) errors.push({ code: 'WSWB_HAR_INVALID', message: 'the HAR file holds no WebSocket entries' });
  return { transcripts, errors };
}

function toNameValue(hs: HeaderPair[]): HarNameValue[] {
  return hs.map(([name, value]) => ({ name, value }));
}

/**
 * Builds a HAR that Chrome DevTools imports: one entry per connection of the timeline, with its
 * handshake (101) and its data messages in `_webSocketMessages`. Pass `secrets` to mask them.
 */
export function exportHar(events: readonly TimelineEvent[], opts: { creator?: { name: string; version: string }; secrets?: readonly string[] } = {}): Har {
  const byConn = new Map<string, TimelineEvent[]>();
  for (const e of events) {
    let list = byConn.get(e.connection);
    if (!list) byConn.set(e.connection, (list = []));
    list.push(e);
  }
  const entries: HarEntry[] = [];
  const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
  for (const [connection, list] of byConn) {
    const hs = list.find((e): e is HandshakeEvent => e.kind === 'handshake');
    const first = list[0]!.time;
    const last = list[list.length - 1]!.time;
    const url = hs?.request.url ?? `ws://unknown/${encodeURIComponent(connection)}`;
    let queryString: HarNameValue[] = [];
    try {
      queryString = [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
    } catch {
      // leave empty
    }
    const msgs: HarWebSocketMessage[] = [];
    for (const e of list) {
      if (e.kind !== 'message') continue;
      msgs.push({
        type: e.dir === 'out' ? 'send' : 'receive',
        time: e.time / 1000,
        opcode: e.binary ? 2 : 1,
        data: e.binary ? b64(e.data) : new TextDecoder().decode(e.data),
      });
    }
    const status = hs?.response?.status ?? 101;
    entries.push({
      startedDateTime: new Date(hs?.time ?? first).toISOString(),
      time: Math.max(0, last - first),
      request: {
        method: hs?.request.method ?? 'GET',
        url,
        httpVersion: 'HTTP/1.1',
        headers: toNameValue(hs?.request.headers ?? []),
        queryString,
        cookies: [],
        headersSize: -1,
        bodySize: 0,
      },
      response: {
        status,
        statusText: hs?.response?.statusText ?? 'Switching Protocols',
        httpVersion: 'HTTP/1.1',
        headers: toNameValue(hs?.response?.headers ?? []),
        cookies: [],
        content: { size: 0, mimeType: 'x-unknown' },
        redirectURL: '',
        headersSize: -1,
        bodySize: 0,
      },
      cache: {},
      timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 0, receive: 0 },
      _resourceType: 'websocket',
      _webSocketMessages: msgs,
    });
  }
  const har: Har = { log: { version: '1.2', creator: opts.creator ?? { name: 'websocket-workbench', version: 'dev' }, pages: [], entries } };
  return opts.secrets?.length ? redact(har, opts.secrets) : har;
}

/** Flattens transcripts into one timeline (connection ids made unique) for `exportHar`. */
export function transcriptsToEvents(transcripts: readonly Transcript[]): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  transcripts.forEach((t, i) => {
    for (const e of t.events) out.push(transcripts.length > 1 ? { ...e, connection: `${i + 1}:${e.connection}` } : e);
  });
  return out;
}
