/**
 * A client connection: `ws` does the opening handshake and keeps its WebSocket API and closing
 * logic; the project's wire stack (src/core/engine/wire) parses every incoming byte once and
 * encodes every outgoing frame, and what it yields is both the application's events and the
 * timeline.
 *
 * The engine supplies the socket to `ws` through its own http(s) Agent (`createConnection`), so the
 * handshake tap sits on the real socket — after TLS — even when the socket is a TLS session inside
 * a CONNECT tunnel; it captures the HTTP upgrade request and response (parseHttpHead). If something
 * else (VS Code's proxy agent) provides the socket, the tap is attached when the request gets its
 * socket. Once ws opens, installWireStack replaces ws's Receiver and Sender before a byte of the
 * WebSocket stream is read:
 *
 *   socket ─▶ Inbound (FrameDecoder ─▶ MessageAssembler ─▶ zlib) ─▶ wireSink ─▶ TimelineStore ─▶ listeners
 *   send() ─▶ Outbound (zlib ─▶ frame encoder ─▶ socket.write) ─▶ wireSink ─▶ TimelineStore ─▶ listeners
 *
 * Lifecycle:
 *
 *   idle ──connect()──▶ connecting ──101──▶ open ──close()/close frame──▶ closing ──TCP end──▶ closed
 *                          │                  │                                                ▲
 *                          └── error ─────────┴────────────── drop / terminate ─────────────────┘
 *                                     closed ──(reconnect enabled, not closed by us)──▶ connecting
 *
 * Over ~400 lines: transport, handshake capture, recording and lifecycle still live together here
 * (their split is the next step of issue "Recording at wire speed").
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { CodedError, closeStatusOf, isCoded } from '../errors';
import { encodeFrame, encodeClosePayload, type FrameSpec } from '../protocol/frameEncoder';
import { checkAccept } from '../protocol/handshake';
import { parseHttpHead, type HttpHead } from '../protocol/http';
import { hex32 } from '../protocol/mask';
import { isValidCloseCode } from '../protocol/closeCodes';
import type { ProtocolError } from '../protocol/errors';
import type { WireSink } from './wire/sink';
import { installWireStack, type WireStack } from './wire/wsInternals';
import type { ConnectionState, DistributiveOmit, HandshakeEvent, HeaderPair, Initiator, NewEvent, TimelineEvent } from './events';
import { TimelineStore } from './timelineStore';
import { openTunnel, resolveProxy, type ProxyError } from './proxy';
import { isTapped, tapSocket } from './wireTap';

/** Everything a client connection can be configured with. */
export interface ConnectionOptions {
  url: string;
  headers?: HeaderPair[] | Record<string, string>;
  subprotocols?: string[];
  origin?: string;
  auth?: { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };
  query?: Record<string, string>;
  deflate?: boolean;
  handshakeTimeoutMs?: number;
  maxPayload?: number;
  followRedirects?: boolean;
  maxRedirects?: number;
  tls?: {
    rejectUnauthorized?: boolean;
    ca?: string | Uint8Array;
    cert?: string | Uint8Array;
    key?: string | Uint8Array;
    pfx?: Uint8Array;
    passphrase?: string;
  };
  /** Explicit proxy URL, 'env' (HTTPS_PROXY/HTTP_PROXY/NO_PROXY; the default) or 'none'. */
  proxy?: string | 'env' | 'none';
  noProxy?: string;
  pingIntervalMs?: number;
  /** Default true. When false, pings are recorded but not answered. */
  autoPong?: boolean;
  reconnect?: { enabled: boolean; initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number; jitter?: number };
  queueWhileReconnecting?: boolean;
  /** Frame payload bytes kept per frame event (default 64 KiB). */
  payloadPreviewBytes?: number;
  /** After close(), how long to wait for the server's close frame and TCP end before terminating (default 5000). */
  closeTimeoutMs?: number;
  /** Response body bytes kept on the handshake event of a refused upgrade (default 4096). */
  maxErrorBodyBytes?: number;
}

/** Injectable collaborators, for tests and for sharing a store. */
export interface ConnectionDeps {
  store?: TimelineStore;
  clock?: () => number;
  id?: string;
  env?: NodeJS.ProcessEnv;
  /** Random source in [0, 1) for reconnect jitter. */
  random?: () => number;
  /** Timer functions (tests may inject fakes). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
}

/** An error of a connection (see docs/error-codes.md), with the close status it implies when one applies. */
export class ConnectionError extends CodedError {
  readonly closeCode?: number;
  constructor(code: string, message: string, closeCode?: number) {
    super(code, message);
    if (closeCode !== undefined) this.closeCode = closeCode;
  }
}

/** What the current attempt's opening handshake showed, to name a failure `ws` reports without a code. */
interface HandshakeSeen {
  /** Our Sec-WebSocket-Key. */
  key: string;
  /** The socket idled past handshakeTimeoutMs (ws then aborts the request). */
  timedOut: boolean;
  /** Status of the last HTTP response to an upgrade request (3xx while redirecting). */
  status?: number;
  /** The 101 response ws is checking. */
  upgrade?: http.IncomingMessage;
}

/** RFC 6455 §4.1: a subprotocol is an HTTP token, offered once (ws throws a SyntaxError otherwise). */
const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

const EMPTY = new Uint8Array(0);
/** ws's own close timer fires this much after ours, as a backstop only. */
const WS_CLOSE_BACKSTOP_MS = 1000;
/**
 * Once we have failed the connection (a protocol error: we sent our close frame), how long the peer
 * gets to end TCP before we destroy the socket (capped by closeTimeoutMs). After a failure or the
 * server's close frame, how many more bytes we read, unparsed and unrecorded, while waiting for its
 * FIN; past that we stop reading.
 */
const FAIL_GRACE_MS = 1000;
const FAIL_DRAIN_BYTES = 64 * 1024;
const TEXT = Object.freeze({ binary: false });
const BINARY = Object.freeze({ binary: true });
let connectionSeq = 0;

/** Per-socket state: the handshake capture, then what the wire stack reported. */
interface TapState {
  reqBuf: Buffer | null;
  resBuf: Buffer | null;
  request?: HttpHead;
  response?: HttpHead;
  /** The parser and encoder installed on ws once the upgrade succeeded. */
  stack: WireStack | null;
  closeIn: boolean;
  closeOut: boolean;
  firstClose?: Initiator;
  /** The transport is established (TCP connected, TLS handshake done): the request really went out. */
  connected: boolean;
  /** A refused upgrade: the handshake event waits for the body. */
  deferredHandshake?: boolean;
  /** We failed the connection. Then, or after the server's close frame (closeIn), incoming bytes are no longer parsed or recorded, only counted. */
  failed: boolean;
  ignoredIn: number;
}

/** One client WebSocket connection with a recorded timeline. */
export class Connection {
  readonly id: string;
  readonly store: TimelineStore;
  readonly options: ConnectionOptions;

  private _state: ConnectionState = 'idle';
  private readonly clock: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly random: () => number;
  private readonly setT: (fn: () => void, ms: number) => unknown;
  private readonly clearT: (h: unknown) => void;
  private readonly ownsStore: boolean;
  private readonly listeners = new Set<(e: TimelineEvent) => void>();

  private ws: WebSocket | null = null;
  private socket: net.Socket | null = null;
  private tap: TapState | null = null;
  private pings = new Map<string, number[]>();
  private pingTimer: NodeJS.Timeout | null = null;
  private closeTimer: unknown = null;
  private reconnectTimer: unknown = null;
  /** The total deadline of the opening handshake (handshakeTimeoutMs), from connect() to open. */
  private handshakeTimer: unknown = null;
  /** Abandons the attempt's proxy tunnel (timeout, close/terminate while connecting). */
  private handshakeAbort: AbortController | null = null;
  private tunnelPending = false;
  /** Reports a refused upgrade now, with the body read so far (set while its body is being read). */
  private finishUnexpected: (() => void) | null = null;
  /** After we failed the connection: destroys the socket if the peer has not ended it. */
  private failTimer: unknown = null;
  private attempts = 0;
  private userClosed = false;
  private terminatedByUs = false;
  private lastError: ConnectionError | null = null;
  private queue: Array<() => void> = [];
  private closeWaiters: Array<(c: { code: number; reason: string }) => void> = [];
  private disposed = false;
  private opened = false;
  private hs: HandshakeSeen = { key: '', timedOut: false };

  constructor(options: ConnectionOptions, deps: ConnectionDeps = {}) {
    this.options = options;
    this.id = deps.id ?? `conn-${++connectionSeq}`;
    this.clock = deps.clock ?? Date.now;
    this.env = deps.env ?? process.env;
    this.random = deps.random ?? Math.random;
    this.setT = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearT = deps.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.ownsStore = !deps.store;
    this.store = deps.store ?? new TimelineStore({ clock: this.clock });
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Subscribes to this connection's events; returns the unsubscribe function. */
  onEvent(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Opens the connection; resolves on open, rejects with a ConnectionError. */
  connect(): Promise<void> {
    if (this.disposed) return Promise.reject(new ConnectionError('WSWB_CONN_DISPOSED', 'The connection was disposed'));
    if (this._state === 'connecting' || this._state === 'open') return Promise.reject(new ConnectionError('WSWB_CONN_ALREADY_CONNECTED', `The connection is ${this._state}`));
    this.userClosed = false;
    this.attempts = 0;
    this.cancelReconnect();
    return this.attempt();
  }

  // ---------------------------------------------------------------- sending

  /** Sends a text message (queued while reconnecting when enabled). */
  sendText(text: string): void {
    this.sendMessage(Buffer.from(text, 'utf8'), false);
  }

  /** Sends a binary message. */
  sendBinary(data: Uint8Array): void {
    this.sendMessage(data, true);
  }

  /** Sends a ping; the matching pong yields an rtt event. */
  ping(payload: Uint8Array = EMPTY): void {
    const ws = this.openSocket('ping');
    if (!ws) return;
    const key = Buffer.from(payload).toString('hex');
    const list = this.pings.get(key) ?? [];
    list.push(this.clock());
    this.pings.set(key, list);
    this.guard(() => ws.ping(Buffer.from(payload), undefined, this.onSent));
  }

  /** Sends an unsolicited pong. */
  pong(payload: Uint8Array = EMPTY): void {
    const ws = this.openSocket('pong');
    if (!ws) return;
    this.guard(() => ws.pong(Buffer.from(payload), undefined, this.onSent));
  }

  /** Sends one message as N frames (first with the opcode, then continuations). */
  sendFragmented(data: Uint8Array | string, fragments: number): void {
    const ws = this.openSocket('send');
    if (!ws) return;
    const binary = typeof data !== 'string';
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    const n = Math.max(1, Math.min(Math.floor(fragments) || 1, Math.max(1, bytes.length)));
    const size = Math.ceil(bytes.length / n);
    for (let i = 0; i < n; i++) {
      const part = bytes.subarray(i * size, i === n - 1 ? bytes.length : (i + 1) * size);
      this.guard(() => ws.send(part, { binary, fin: i === n - 1 }, this.onSent));
    }
  }

  /** Writes one hand-built frame straight to the socket (any opcode, RSV, FIN; masked unless mask: false). */
  sendRawFrame(spec: FrameSpec): void {
    if (!this.socket || this._state !== 'open' && this._state !== 'closing') {
      this.recordError(new ConnectionError('WSWB_CONN_NOT_OPEN', 'Cannot send a raw frame: the connection is not open'));
      return;
    }
    const out = this.tap?.stack?.outbound;
    try {
      if (out) out.raw({ ...spec, mask: spec.mask ?? true });
      else this.socket.write(encodeFrame({ ...spec, mask: spec.mask ?? true }));
    } catch (err) {
      this.recordError(new ConnectionError(this.codeOf(err), (err as Error).message));
    }
  }

  /**
   * Starts the closing handshake and resolves when the connection is closed. A code `ws` refuses
   * (e.g. 1005, 999) is sent as a raw close frame, for testing servers.
   */
  close(code = 1000, reason = ''): Promise<{ code: number; reason: string }> {
    const p = new Promise<{ code: number; reason: string }>((resolve) => this.closeWaiters.push(resolve));
    this.userClosed = true;
    this.cancelReconnect();
    const ws = this.ws;
    if (!ws || this._state === 'closed' || this._state === 'idle') {
      this.resolveClose(1005, '');
      return p;
    }
    if (ws.readyState === WebSocket.CONNECTING) {
      this.terminatedByUs = true;
      this.stopHandshake();
      ws.terminate();
      return p;
    }
    if (this._state !== 'closing') this.setState('closing', 'client');
    try {
      if (isValidCloseCode(code) && Buffer.byteLength(reason) <= 123) ws.close(code, reason);
      else {
        this.sendRawFrame({ opcode: 0x8, payload: rawClosePayload(code, reason) });
      }
    } catch (err) {
      this.recordError(new ConnectionError(this.codeOf(err), (err as Error).message));
      ws.terminate();
    }
    this.armCloseTimer();
    return p;
  }

  /** Drops the TCP connection without a closing handshake. */
  terminate(): void {
    this.userClosed = true;
    this.cancelReconnect();
    this.terminatedByUs = true;
    this.stopHandshake();
    this.ws?.terminate();
  }

  /** Records an info event from a layer above the engine (e.g. a protocol session: namespace connected). */
  info(message: string, data?: Record<string, unknown>): void {
    this.record({ kind: 'info', message, ...(data ? { data } : {}) });
  }

  /** Terminates, stops timers, forgets listeners; disposes the store if the connection created it. */
  dispose(): void {
    if (this.disposed) return;
    this.terminate();
    this.socket?.destroy();
    this.disposed = true;
    this.stopPing();
    this.clearLifecycleTimers();
    this.listeners.clear();
    if (this.ownsStore) void this.store.dispose();
  }

  // ---------------------------------------------------------------- internals

  /** Stamps and stores an event. Hot paths pass `time: 0, connection: ''` so the object keeps one shape. */
  private record(e: DistributiveOmit<NewEvent, 'time' | 'connection'> & Partial<Pick<NewEvent, 'time' | 'connection'>>): TimelineEvent | undefined {
    if (this.disposed) return undefined;
    // Filled in place (no copies): this is the hot path of every frame and message.
    const n = e as NewEvent;
    n.time = this.clock();
    n.connection = this.id;
    const ev = this.store.appendKnown(n);
    if (this.listeners.size) {
      for (const l of this.listeners) {
        try {
          l(ev);
        } catch {
          // a listener's bug must not break the connection
        }
      }
    }
    return ev;
  }

  private recordError(e: ConnectionError): void {
    this.record({ kind: 'error', code: e.code, message: e.message, ...(e.closeCode ? { closeCode: e.closeCode } : {}) });
  }

  private setState(state: ConnectionState, initiator?: Initiator, detail?: string): void {
    this._state = state;
    this.record({ kind: 'state', state, ...(initiator ? { initiator } : {}), ...(detail ? { detail } : {}) });
  }

  private openSocket(what: string): WebSocket | null {
    if (this.ws && this._state === 'open') return this.ws;
    this.recordError(new ConnectionError('WSWB_CONN_NOT_OPEN', `Cannot ${what}: the connection is ${this._state}`));
    return null;
  }

  private sendMessage(data: Uint8Array, binary: boolean): void {
    if (this._state !== 'open' || !this.ws) {
      if (this.options.queueWhileReconnecting && !this.userClosed && (this._state === 'connecting' || this.reconnectTimer)) {
        const copy = Buffer.from(data);
        this.queue.push(() => this.sendMessage(copy, binary));
        return;
      }
      this.recordError(new ConnectionError('WSWB_CONN_NOT_OPEN', `Cannot send: the connection is ${this._state}`));
      return;
    }
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const ws = this.ws;
    try {
      // One callback for every send: Node batches the after-write ticks of consecutive writes that
      // share a callback, where a fresh closure per send costs a tick each.
      ws.send(buf, binary ? BINARY : TEXT, this.onSent);
    } catch (err) {
      this.recordError(new ConnectionError(this.codeOf(err), (err as Error).message));
    }
  }

  /** Write callback of every send: a failed write becomes an error event. */
  private readonly onSent = (err?: Error | null): void => {
    if (err) this.fail(this.codeOf(err), err.message);
  };

  /** Runs a ws call that may throw synchronously (e.g. a state race) and records instead of throwing. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.recordError(new ConnectionError(this.codeOf(err), (err as Error).message));
    }
  }

  private fail(code: string, message: string): void {
    this.recordError(new ConnectionError(code, message));
  }

  /**
   * The code of an error from `ws` or Node: its own `code` when it has one (Node's errno and TLS
   * codes, ws's WS_ERR_*). ws raises opening-handshake failures as plain errors, so those are named
   * from what the handshake showed and what we asked for, in the order ws checks them — never
   * from the wording of ws's messages.
   */
  private codeOf(err: unknown): string {
    if (isCoded(err)) return err.code;
    if (this.opened) return 'WSWB_CONN_UNKNOWN';
    const subprotocols = this.options.subprotocols ?? [];
    if (err instanceof SyntaxError) {
      const valid = subprotocols.every((p) => TOKEN.test(p)) && new Set(subprotocols).size === subprotocols.length;
      return valid ? 'WSWB_CONN_INVALID_URL' : 'WSWB_HANDSHAKE_INVALID_SUBPROTOCOL';
    }
    // Our own close()/terminate() (or refusing an unexpected response) while connecting.
    if (this.terminatedByUs) return 'WSWB_CONN_ABORTED';
    const { upgrade, key, timedOut, status } = this.hs;
    if (upgrade) {
      const h = upgrade.headers;
      if (h.upgrade?.toLowerCase() !== 'websocket') return 'WSWB_HANDSHAKE_INVALID_UPGRADE';
      if (!checkAccept(key, String(h['sec-websocket-accept'] ?? ''))) return 'WSWB_HANDSHAKE_INVALID_ACCEPT';
      const chosen = h['sec-websocket-protocol'];
      if (chosen === undefined ? subprotocols.length > 0 : !subprotocols.includes(chosen)) return 'WSWB_HANDSHAKE_INVALID_SUBPROTOCOL';
      return 'WSWB_HANDSHAKE_INVALID_EXTENSIONS';
    }
    if (timedOut) return 'WSWB_HANDSHAKE_TIMEOUT';
    if (this.options.followRedirects && status !== undefined && status >= 300 && status < 400) return 'WSWB_HANDSHAKE_TOO_MANY_REDIRECTS';
    return 'WSWB_CONN_UNKNOWN';
  }

  private buildUrl(): URL {
    let url: URL;
    try {
      url = new URL(this.options.url);
    } catch {
      throw new ConnectionError('WSWB_CONN_INVALID_URL', `Invalid URL: ${this.options.url}`);
    }
    if (url.protocol === 'http:') url.protocol = 'ws:';
    else if (url.protocol === 'https:') url.protocol = 'wss:';
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new ConnectionError('WSWB_CONN_INVALID_URL', `Unsupported scheme ${url.protocol} (use ws: or wss:)`);
    for (const [k, v] of Object.entries(this.options.query ?? {})) url.searchParams.append(k, v);
    return url;
  }

  private buildHeaders(): Record<string, string | string[]> {
    // No prototype: a header named `constructor` or `__proto__` is a header like any other.
    const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    const add = (k: string, v: string) => {
      const prev = out[k];
      if (prev === undefined) out[k] = v;
      else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
    };
    const h = this.options.headers;
    if (Array.isArray(h)) for (const [k, v] of h) add(k, v);
    else if (h) for (const [k, v] of Object.entries(h)) add(k, v);
    const auth = this.options.auth;
    if (auth?.type === 'basic') out.Authorization = 'Basic ' + Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
    else if (auth?.type === 'bearer') out.Authorization = `Bearer ${auth.token}`;
    return out;
  }

  private attempt(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err?: ConnectionError) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      this.lastError = null;
      this.terminatedByUs = false;
      this.opened = false;
      this.hs = { key: '', timedOut: false };
      this.pings.clear();
      this.setState('connecting', undefined, this.attempts > 0 ? `reconnect attempt ${this.attempts}` : undefined);
      const abort = new AbortController();
      this.handshakeAbort = abort;

      let url: URL;
      let ws: WebSocket;
      try {
        url = this.buildUrl();
        const proxy = resolveProxy(url, this.options.proxy, this.env, this.options.noProxy);
        const secure = url.protocol === 'wss:';
        const agent = this.makeAgent(secure, proxy, abort.signal);
        const t = this.options.tls ?? {};
        const wsOpts: WebSocket.ClientOptions & Record<string, unknown> = {
          agent,
          headers: this.buildHeaders() as Record<string, string>,
          perMessageDeflate: !!this.options.deflate,
          autoPong: this.options.autoPong !== false,
          followRedirects: !!this.options.followRedirects,
          maxRedirects: this.options.maxRedirects ?? 10,
          maxPayload: this.options.maxPayload ?? 100 * 1024 * 1024,
          // ws's is an idle timeout (reset by every byte); ours (armHandshakeDeadline) is total and
          // fires first. ws's stays as a backstop for injected timers that never fire.
          handshakeTimeout: this.options.handshakeTimeoutMs,
          // Our own close timer decides (it reports WSWB_CONN_CLOSE_TIMEOUT); ws's, armed with the same delay
          // just before ours, used to win the race now and then and close without the error.
          closeTimeout: (this.options.closeTimeoutMs ?? 5000) + WS_CLOSE_BACKSTOP_MS,
          rejectUnauthorized: t.rejectUnauthorized !== false,
          finishRequest: (req: http.ClientRequest) => {
            const hs = this.hs;
            hs.key = String(req.getHeader('sec-websocket-key') ?? '');
            req.on('timeout', () => (hs.timedOut = true));
            req.on('response', (res: http.IncomingMessage) => (hs.status = res.statusCode));
            // Fallback: if another agent supplied the socket, tap it before the request is written.
            req.on('socket', (s: net.Socket) => {
              if (!isTapped(s)) {
                this.attachTap(s);
                this.record({ kind: 'info', message: 'wire tap attached to a socket supplied by another agent' });
              }
            });
            req.end();
          },
        };
        if (this.options.origin) wsOpts.origin = this.options.origin;
        ws = new WebSocket(url, this.options.subprotocols ?? [], wsOpts);
      } catch (err) {
        this.handshakeAbort = null;
        const e = new ConnectionError(this.codeOf(err), (err as Error).message);
        this.lastError = e;
        this.recordError(e);
        this._state = 'closed';
        this.record({ kind: 'close', code: 1006, reason: '', initiator: 'client', wasClean: false });
        this.setState('closed');
        this.resolveClose(1006, '');
        settle(e);
        return;
      }
      this.ws = ws;
      this.armHandshakeDeadline(ws);

      ws.on('redirect', (to: string) => this.record({ kind: 'info', message: `redirected to ${to}`, data: { url: to } }));
      ws.on('upgrade', (res: http.IncomingMessage) => (this.hs.upgrade = res));
      ws.on('unexpected-response', (req: http.ClientRequest, res: http.IncomingMessage) => this.onUnexpectedResponse(ws, req, res));
      ws.on('open', () => {
        if (this.ws !== ws) return;
        // Before anything is read: from now on the project's parser and encoder do the wire.
        if (this.tap) this.tap.stack = installWireStack(ws, this.wireSink(this.tap), { maxPayload: this.options.maxPayload ?? 100 * 1024 * 1024, emitMessages: false });
        this.opened = true;
        this.attempts = 0;
        this.stopHandshake();
        this.setState('open', undefined, ws.protocol ? `subprotocol ${ws.protocol}` : undefined);
        // The server's close frame may have arrived in the same chunk as the 101.
        if (this.tap?.firstClose === 'server') this.serverClosing();
        this.startPing();
        settle();
        const q = this.queue.splice(0);
        if (q.length) {
          this.record({ kind: 'info', message: `flushing ${q.length} queued message(s)`, data: { queued: q.length } });
          for (const send of q) send();
        }
      });
      ws.on('pong', (data: Buffer) => {
        const key = data.toString('hex');
        const list = this.pings.get(key);
        const t0 = list?.shift();
        if (t0 !== undefined) {
          if (!list!.length) this.pings.delete(key);
          this.record({ kind: 'rtt', ms: this.clock() - t0 });
        }
      });
      ws.on('error', (err: Error) => {
        if (this.ws !== ws) return;
        const code = this.codeOf(err);
        const closeCode = closeStatusOf(err);
        const e = new ConnectionError(code, err.message, closeCode);
        // Our own abort after an already-reported failure is not news.
        if (code === 'WSWB_CONN_ABORTED' && this.lastError) {
          if (!this.opened) settle(this.lastError);
          return;
        }
        if (!this.lastError) this.lastError = e;
        this.recordError(e);
        if (!this.opened) settle(this.lastError);
        // After open, an error from ws means ws failed the connection (and sent its close frame).
        else this.onFailed();
      });
      ws.on('close', (code: number, reasonBuf: Buffer) => {
        if (this.ws !== ws) return;
        this.onClosed(code, reasonBuf.toString('utf8'));
        if (!this.opened) settle(this.lastError ?? new ConnectionError('WSWB_CONN_CLOSED', `The connection closed before opening (${code})`));
      });
    });
  }

  private makeAgent(secure: boolean, proxy: URL | undefined, signal: AbortSignal): http.Agent {
    const t = this.options.tls ?? {};
    const tlsOpts: tls.ConnectionOptions = {
      rejectUnauthorized: t.rejectUnauthorized !== false,
      ...(t.ca !== undefined ? { ca: toPem(t.ca) } : {}),
      ...(t.cert !== undefined ? { cert: toPem(t.cert) } : {}),
      ...(t.key !== undefined ? { key: toPem(t.key) } : {}),
      ...(t.pfx !== undefined ? { pfx: Buffer.from(t.pfx) } : {}),
      ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
      ALPNProtocols: ['http/1.1'],
    };
    const createConnection = (opts: { host?: string; port?: number | string; timeout?: number }, cb: (err: Error | null, s?: Duplex) => void): Duplex | undefined => {
      const host = String(opts.host ?? 'localhost');
      const port = Number(opts.port);
      const servername = net.isIP(host) ? undefined : host;
      if (!proxy) {
        let s: net.Socket;
        if (secure) s = tls.connect({ ...tlsOpts, host, port, ...(servername ? { servername } : {}) });
        else s = net.connect({ host, port });
        this.attachTap(s);
        return s;
      }
      this.record({ kind: 'info', message: `tunnelling through proxy ${proxy.host}`, data: { proxy: `${proxy.protocol}//${proxy.host}` } });
      this.tunnelPending = true;
      openTunnel(proxy, host, port, this.options.handshakeTimeoutMs, (err, raw) => {
        this.tunnelPending = false;
        if (err || !raw) {
          this.proxyError = err ?? undefined;
          cb(err ?? new Error('proxy failed'));
          return;
        }
        let s: net.Socket = raw;
        if (secure) s = tls.connect({ ...tlsOpts, socket: raw, ...(servername ? { servername } : {}) });
        this.attachTap(s);
        cb(null, s);
      }, signal);
      return undefined;
    };
    const AgentClass = secure ? https.Agent : http.Agent;
    const agent = new AgentClass({ keepAlive: false });
    (agent as unknown as { createConnection: typeof createConnection }).createConnection = createConnection;
    return agent;
  }

  private proxyError: ProxyError | undefined;

  private attachTap(socket: net.Socket): void {
    this.socket = socket;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Before open, ws reports socket errors through the request; after open it swallows them.
      if (this.opened && this.socket === socket && this._state !== 'closed') {
        this.recordError(new ConnectionError(err.code ?? 'WSWB_CONN_SOCKET_ERROR', `Socket error: ${err.message}`, 1006));
      }
    });
    const state: TapState = {
      reqBuf: Buffer.alloc(0),
      resBuf: Buffer.alloc(0),
      stack: null,
      closeIn: false,
      closeOut: false,
      connected: !socket.connecting && !(socket instanceof tls.TLSSocket),
      failed: false,
      ignoredIn: 0,
    };
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => (state.connected = true));
    this.tap = state;
    tapSocket(socket, {
      outgoing: (chunk) => {
        if (state.reqBuf) {
          state.reqBuf = state.reqBuf.length ? Buffer.concat([state.reqBuf, chunk]) : chunk;
          let head: HttpHead | null = null;
          try {
            head = parseHttpHead(state.reqBuf);
          } catch {
            state.reqBuf = null;
            return;
          }
          if (!head) return;
          state.request = head;
          state.reqBuf = null;
        }
        // After the request head, outgoing frames are recorded by the encoder that writes them.
      },
      incoming: (chunk) => {
        if (state.failed || state.closeIn) {
          // Nothing after a failure (RFC 6455 §7.1.7) or after the server's close frame (§5.5.1)
          // is processed, as ws does not: count it, and stop reading once the peer has had room
          // for its close frame and FIN. The close timers end the connection.
          state.ignoredIn += chunk.length;
          if (state.ignoredIn > FAIL_DRAIN_BYTES) socket.pause();
          return;
        }
        if (state.resBuf) {
          state.resBuf = state.resBuf.length ? Buffer.concat([state.resBuf, chunk]) : chunk;
          let head: HttpHead | null = null;
          try {
            head = parseHttpHead(state.resBuf);
          } catch (e) {
            state.resBuf = null;
            this.recordError(new ConnectionError((e as ProtocolError).code ?? 'WSWB_HTTP_PARSE_ERROR', `Unparseable upgrade response: ${(e as Error).message}`));
            return;
          }
          if (!head) return;
          state.response = head;
          state.resBuf = null;
          const status = head.status ?? 0;
          const redirect = status >= 300 && status < 400 && this.options.followRedirects && head.headers.some(([k]) => k.toLowerCase() === 'location');
          // What follows the head in this chunk is the WebSocket stream: ws hands it to the wire stack.
          if (status === 101 || redirect) {
            this.recordHandshake(state);
          } else {
            state.deferredHandshake = true; // recorded with the body by onUnexpectedResponse / onClosed
          }
        }
        // After the 101, ws passes each chunk to the wire stack's parser: nothing to do here.
      },
    });
  }

  private recordHandshake(state: TapState, body?: { body: string; truncated: boolean }): void {
    state.deferredHandshake = false;
    const req = state.request;
    const res = state.response;
    const url = this.ws?.url ?? this.options.url;
    const ev: Omit<HandshakeEvent, 'id' | 'time' | 'connection'> = {
      kind: 'handshake',
      request: { method: req?.method ?? 'GET', path: req?.path ?? '', url, headers: req?.headers ?? [] },
    };
    if (res) {
      ev.response = { status: res.status ?? 0, statusText: res.statusText ?? '', headers: res.headers };
      if (body) {
        ev.response.body = body.body;
        if (body.truncated) ev.response.bodyTruncated = true;
      }
      const get = (h: HeaderPair[] | undefined, name: string) => h?.find(([k]) => k.toLowerCase() === name)?.[1];
      const proto = get(res.headers, 'sec-websocket-protocol');
      const ext = get(res.headers, 'sec-websocket-extensions');
      if (proto !== undefined) ev.subprotocol = proto;
      if (ext !== undefined) ev.extensions = ext;
      if (res.status === 101) {
        const key = get(req?.headers, 'sec-websocket-key');
        const accept = get(res.headers, 'sec-websocket-accept');
        ev.acceptValid = !!key && !!accept && checkAccept(key, accept);
      }
    }
    this.record(ev);
  }

  private onUnexpectedResponse(ws: WebSocket, req: http.ClientRequest, res: http.IncomingMessage): void {
    const limit = this.options.maxErrorBodyBytes ?? 4096;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.clearT(timer);
      if (this.finishUnexpected === finish) this.finishUnexpected = null;
      const state = this.tap;
      const body = Buffer.concat(chunks).toString('utf8');
      if (state?.deferredHandshake) this.recordHandshake(state, { body, truncated });
      const e = new ConnectionError('WSWB_HANDSHAKE_UNEXPECTED_RESPONSE', `Unexpected server response: ${res.statusCode} ${res.statusMessage ?? ''}`.trim(), 1006);
      this.lastError = e;
      this.recordError(e);
      res.destroy();
      req.destroy();
      this.terminatedByUs = true;
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    };
    const timer = this.setT(finish, 2000);
    this.finishUnexpected = finish;
    res.on('data', (c: Buffer) => {
      if (size < limit) {
        const take = c.subarray(0, limit - size);
        chunks.push(take);
        size += take.length;
      }
      if (size >= limit) {
        truncated = true;
        finish();
      }
    });
    res.on('end', finish);
    res.on('error', finish);
    res.on('close', finish);
  }

  /** The recording side of the wire stack: frames and messages onto the timeline, close bookkeeping. */
  private wireSink(state: TapState): WireSink {
    const preview = this.options.payloadPreviewBytes ?? 64 * 1024;
    return {
      frameIn: (f) => {
        if (f.opcode === 8) this.closeFrame(state, 'in');
        const mk = f.maskKey;
        const p = f.payload;
        this.record({
          time: 0, connection: '', kind: 'frame', dir: 'in', fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, masked: f.masked,
          maskKey: mk ? hex32(mk) : undefined,
          length: f.length, wireSize: f.headerSize + f.length, payload: p.length > preview ? p.subarray(0, preview) : p,
          truncated: p.length > preview || p.length < f.length ? true : undefined,
        });
      },
      frameOut: (b0, key, length, wireSize, payload) => {
        const opcode = b0 & 0x0f;
        if (opcode === 8) this.closeFrame(state, 'out');
        this.record({
          time: 0, connection: '', kind: 'frame', dir: 'out', fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, rsv2: (b0 & 0x20) !== 0, rsv3: (b0 & 0x10) !== 0, opcode, masked: key !== undefined,
          maskKey: key ? hex32(key) : undefined,
          length, wireSize, payload: payload.length > preview ? payload.subarray(0, preview) : payload,
          truncated: payload.length > preview || payload.length < length ? true : undefined,
        });
      },
      messageIn: (data, binary, wireSize, compressed) => {
        this.record({ time: 0, connection: '', kind: 'message', dir: 'in', binary, data, size: data.length, wireSize, compressed });
      },
      messageOut: (data, binary, wireSize, compressed) => {
        this.record({ time: 0, connection: '', kind: 'message', dir: 'out', binary, data, size: data.length, wireSize, compressed });
      },
      ignoredIn: (bytes) => {
        state.ignoredIn += bytes;
      },
    };
  }

  /** A close frame crossed the wire: who started closing, and the state change it implies. */
  private closeFrame(state: TapState, dir: 'in' | 'out'): void {
    if (dir === 'in') state.closeIn = true;
    else state.closeOut = true;
    if (state.firstClose) return;
    state.firstClose = dir === 'out' ? 'client' : 'server';
    if (dir === 'in' && this._state === 'open') this.serverClosing();
    else if (dir === 'out' && this._state === 'open') this.setState('closing', 'client');
  }

  private onClosed(code: number, reason: string): void {
    this.stopPing();
    this.clearLifecycleTimers();
    const state = this.tap;
    if (state?.deferredHandshake) this.recordHandshake(state);
    if (!state?.response && state?.request && state.connected && !this.proxyError) {
      // The request went out but no response came back: still show what was sent.
      this.recordHandshake(state);
    }
    if (this.proxyError) {
      const pe = this.proxyError;
      this.proxyError = undefined;
      if (pe.status) {
        this.record({
          kind: 'handshake',
          request: { method: 'CONNECT', path: '', url: this.options.url, headers: [] },
          response: { status: pe.status, statusText: '', headers: pe.headers ?? [] },
        });
      }
    }
    if (state?.ignoredIn) {
      this.record({ kind: 'info', message: `ignored ${state.ignoredIn} byte(s) the server sent after ${state.failed ? 'the connection failed' : 'its close frame'}`, data: { ignoredBytes: state.ignoredIn } });
    }
    const inbound = state?.stack?.inbound;
    if (state && inbound && inbound.bytesIn > inbound.bytesFramed && !inbound.failed && !state.failed && !state.closeIn) {
      this.recordError(new ConnectionError('WSWB_CONN_TRUNCATED_FRAME', `The connection ended inside a frame: ${inbound.bytesIn - inbound.bytesFramed} byte(s) of an incomplete frame were received`, 1006));
    }
    const initiator: Initiator = state?.firstClose ?? (this.terminatedByUs || this.userClosed ? 'client' : 'server');
    const wasClean = !!state && state.closeIn && state.closeOut;
    if (this._state !== 'closed') {
      this.record({ kind: 'close', code, reason, initiator, wasClean });
      this.setState('closed');
    }
    this.socket = null;
    this.resolveClose(code, reason);
    this.maybeReconnect();
  }

  private resolveClose(code: number, reason: string): void {
    const w = this.closeWaiters.splice(0);
    for (const r of w) r({ code, reason });
  }

  /**
   * After close(): terminates (reporting WSWB_CONN_CLOSE_TIMEOUT) when the handshake is not done in time.
   * When the server started the close, it only ends the connection, as ws's own timer used to.
   */
  private armCloseTimer(report = true): void {
    if (this.closeTimer) return;
    const ms = this.options.closeTimeoutMs ?? 5000;
    this.closeTimer = this.setT(() => {
      this.closeTimer = null;
      if (this._state === 'closed') return;
      if (report) {
        this.recordError(new ConnectionError('WSWB_CONN_CLOSE_TIMEOUT', `The server did not complete the closing handshake within ${ms} ms; terminating`, 1006));
        this.terminatedByUs = true;
      }
      this.ws?.terminate();
    }, ms);
  }

  /**
   * handshakeTimeoutMs is a total deadline: TCP connect, proxy CONNECT, TLS and the upgrade response
   * together, across redirects. (ws's own timeout is reset by every byte: a server trickling one
   * byte a second never reached it.) On expiry the attempt is abandoned and its socket destroyed.
   */
  private armHandshakeDeadline(ws: WebSocket): void {
    const ms = this.options.handshakeTimeoutMs;
    if (!ms || ms <= 0) return;
    this.handshakeTimer = this.setT(() => {
      this.handshakeTimer = null;
      if (this.ws !== ws || this.opened || ws.readyState !== WebSocket.CONNECTING) return;
      this.terminatedByUs = true;
      if (this.finishUnexpected) {
        // A refused upgrade whose body is still coming: report it now, with the body so far.
        this.finishUnexpected();
        return;
      }
      if (this.tunnelPending) {
        // Reported through the tunnel's callback, like every other proxy failure.
        this.handshakeAbort?.abort(new ConnectionError('WSWB_PROXY_TIMEOUT', `The proxy did not answer CONNECT within ${ms} ms (total handshake deadline)`));
        return;
      }
      const e = new ConnectionError('WSWB_HANDSHAKE_TIMEOUT', `The opening handshake did not complete within ${ms} ms (${this.handshakePhase()})`);
      this.lastError = e; // ws's own ABORTED that follows is not news
      this.recordError(e);
      this.stopHandshake();
      ws.terminate();
      this.socket?.destroy();
    }, ms);
  }

  /** Where the opening handshake is, for the timeout message. */
  private handshakePhase(): string {
    const s = this.socket;
    const state = this.tap;
    if (!s || s.connecting) return 'still in TCP connect';
    if (s instanceof tls.TLSSocket && !state?.connected) return 'still in the TLS handshake';
    if (!state?.request) return 'sending the upgrade request';
    return state.resBuf?.length ? 'the HTTP upgrade response was still incomplete' : 'no HTTP upgrade response yet';
  }

  /** The handshake is over (open, closed, given up): no deadline, and a pending proxy tunnel is abandoned. */
  private stopHandshake(): void {
    if (this.handshakeTimer) this.clearT(this.handshakeTimer);
    this.handshakeTimer = null;
    const abort = this.handshakeAbort;
    this.handshakeAbort = null;
    // A tunnel already established has stopped listening: aborting it then is a no-op.
    if (abort && !abort.signal.aborted) abort.abort(new ConnectionError('WSWB_CONN_ABORTED', 'The handshake was aborted locally'));
  }

  /**
   * ws failed the connection (the peer broke the protocol) and sent our close frame. From now on
   * nothing from the peer is processed (RFC 6455 §7.1.7): the tap ignores incoming bytes and stops
   * reading after FAIL_DRAIN_BYTES, and the socket is destroyed unless the peer ends it within
   * FAIL_GRACE_MS (capped by closeTimeoutMs). A hostile peer flooding us after a bad frame header
   * used to be read, parsed and recorded for the whole close timeout.
   */
  private onFailed(): void {
    if (this.tap) this.tap.failed = true;
    if (this.failTimer || this._state === 'closed') return;
    const ws = this.ws;
    this.failTimer = this.setT(() => {
      this.failTimer = null;
      if (this.ws !== ws || this._state === 'closed') return;
      this.terminatedByUs = true;
      ws?.terminate();
    }, Math.min(FAIL_GRACE_MS, this.options.closeTimeoutMs ?? 5000));
  }

  private clearLifecycleTimers(): void {
    if (this.closeTimer) this.clearT(this.closeTimer);
    if (this.failTimer) this.clearT(this.failTimer);
    this.closeTimer = null;
    this.failTimer = null;
    this.stopHandshake();
  }

  /** The server sent the first close frame: closing, and ended after closeTimeoutMs if TCP stays open. */
  private serverClosing(): void {
    this.setState('closing', 'server');
    this.armCloseTimer(false);
  }

  private startPing(): void {
    const every = this.options.pingIntervalMs;
    if (!every || every <= 0) return;
    let n = 0;
    this.pingTimer = setInterval(() => {
      if (this._state === 'open') this.ping(Buffer.from(`keepalive-${++n}`));
    }, every);
    this.pingTimer.unref?.();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) this.clearT(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Exponential backoff with jitter: initial × 2^attempt, capped, ± jitter. */
  reconnectDelay(attempt: number): number {
    const r = this.options.reconnect;
    const initial = r?.initialDelayMs ?? 500;
    const max = r?.maxDelayMs ?? 30_000;
    const jitter = Math.min(1, Math.max(0, r?.jitter ?? 0.2));
    const base = Math.min(max, initial * 2 ** attempt);
    return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * this.random())));
  }

  private maybeReconnect(): void {
    const r = this.options.reconnect;
    if (!r?.enabled || this.userClosed || this.disposed) {
      if (this.queue.length) {
        this.record({ kind: 'info', message: `dropped ${this.queue.length} queued message(s)`, data: { dropped: this.queue.length } });
        this.queue = [];
      }
      return;
    }
    if (r.maxAttempts !== undefined && this.attempts >= r.maxAttempts) {
      this.record({ kind: 'info', message: `giving up after ${this.attempts} reconnect attempt(s)`, data: { attempts: this.attempts } });
      this.queue = [];
      return;
    }
    const delay = this.reconnectDelay(this.attempts);
    this.attempts++;
    this.record({ kind: 'info', message: `reconnecting in ${delay} ms (attempt ${this.attempts})`, data: { attempt: this.attempts, delayMs: delay } });
    this.reconnectTimer = this.setT(() => {
      this.reconnectTimer = null;
      if (this.userClosed || this.disposed) return;
      this.attempt().catch(() => {
        // recorded as events; the next attempt is scheduled by onClosed
      });
    }, delay);
  }
}

function toPem(v: string | Uint8Array): string | Buffer {
  return typeof v === 'string' ? v : Buffer.from(v);
}

/** A close body for any code, even one not valid on the wire (tests of servers): codes wrap to 16 bits. */
function rawClosePayload(code: number, reason: string): Uint8Array {
  return encodeClosePayload(code & 0xffff, reason);
}
