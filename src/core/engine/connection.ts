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
 * Modules (src/core/engine/client): options.ts (options, URL and auth headers), transport.ts (TCP,
 * TLS, proxy tunnels), handshake.ts (upgrade capture, handshake event, failure codes),
 * lifecycle.ts (round trips, keep-alive, backoff); the recording sink is the wire stack's, shared
 * with the mock server (engine/wire/recording.ts). What stays here is the state machine itself — the public API, the wiring of one
 * attempt to ws's events, and the close, handshake and failure timers that move its state — over
 * ~400 lines because those share every field of it.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import WebSocket from 'ws';
import { closeStatusOf } from '../errors';
import { encodeFrame, encodeClosePayload, type FrameSpec } from '../protocol/frameEncoder';
import { isValidCloseCode } from '../protocol/closeCodes';
import type { WireSink } from './wire/sink';
import { installWireStack } from './wire/wsInternals';
import type { ConnectionState, DistributiveOmit, Initiator, NewEvent, TimelineEvent } from './events';
import { TimelineStore, type WireOwner } from './timelineStore';
import { buildHeaders, buildUrl, ConnectionError, type ConnectionDeps, type ConnectionOptions } from './client/options';
import { makeAgent } from './client/transport';
import { recordingSink } from './wire/recording';
import { backoffDelay, KeepAlive, RoundTrips } from './client/lifecycle';
import { resolveProxy, type ProxyError } from './proxy';
import { isTapped } from './wireTap';
import { captureHandshake, handshakeErrorCode, handshakeEvent, type HandshakeSeen, type TapState } from './client/handshake';

export { ConnectionError, type ConnectionDeps, type ConnectionOptions } from './client/options';

const EMPTY = new Uint8Array(0);
/** ws's own close timer fires this much after ours, as a backstop only. */
const WS_CLOSE_BACKSTOP_MS = 1000;
/**
 * Once we have failed the connection (a protocol error: we sent our close frame), how long the peer
 * gets to end TCP before we destroy the socket (capped by closeTimeoutMs).
 */
const FAIL_GRACE_MS = 1000;
const TEXT = Object.freeze({ binary: false });
const BINARY = Object.freeze({ binary: true });
let connectionSeq = 0;

/** A listener of a connection's events; `at` is a message event's fine time in ms (see Connection.onEvent). */
export type EventListener = (e: TimelineEvent, at: number) => void;

/** The default fine clock: epoch ms with sub-ms resolution, monotonic within the process. */
const fineNow = (): number => performance.timeOrigin + performance.now();

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
  private readonly listeners = new Set<EventListener>();
  private readonly fineClock: () => number;
  /** While sendMessage writes: the fine time taken before the write (0 otherwise). */
  private sendingAt = 0;

  private ws: WebSocket | null = null;
  private socket: net.Socket | null = null;
  private tap: TapState | null = null;
  private readonly rtts = new RoundTrips();
  private readonly keepAlive = new KeepAlive();
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
    this.fineClock = deps.fineClock ?? fineNow;
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

  /**
   * Subscribes to this connection's events; returns the unsubscribe function. For a message event a
   * listener also gets `at`, its fine time (ms, performance.timeOrigin + performance.now()), taken
   * when it was recorded (an outgoing one: just before its bytes went to the socket), before the
   * store and the listeners subscribed earlier did their work on it, so that work is not counted in
   * what a listener times (protocol pair latencies). 0 for other events.
   */
  onEvent(listener: EventListener): () => void {
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
    this.rtts.sent(payload, this.clock());
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

  /** Told by the store about this connection's batched wire events, once appended: our listeners see them in store order. */
  private readonly wireOwner: WireOwner = ((c: Connection) => ({
    get listening() {
      return c.listeners.size > 0;
    },
    deliver: (ev: TimelineEvent, at: number) => c.notify(ev, at),
    // An outgoing message written by sendMessage: the time from before the write.
    stamp: (dirIn: boolean) => (!dirIn && c.sendingAt ? c.sendingAt : c.fineClock()),
  }))(this);

  private notify(ev: TimelineEvent, at: number): void {
    for (const l of this.listeners) {
      try {
        l(ev, at);
      } catch {
        // a listener's bug must not break the connection
      }
    }
  }

  /** Stamps and stores an event. Hot paths pass `time: 0, connection: ''` so the object keeps one shape. */
  private record(e: DistributiveOmit<NewEvent, 'time' | 'connection'> & Partial<Pick<NewEvent, 'time' | 'connection'>>): TimelineEvent | undefined {
    if (this.disposed) return undefined;
    // Filled in place (no copies): this is the hot path of every frame and message.
    const n = e as NewEvent;
    n.time = this.clock();
    n.connection = this.id;
    // Before the store and the listeners: their work must not move it. An outgoing message written
    // synchronously by sendMessage has its time from before the write.
    // Only message events are timed (0 for the others: the clock read is not free, and frames are many).
    const at = n.kind === 'message' && this.listeners.size ? (n.dir === 'out' && this.sendingAt ? this.sendingAt : this.fineClock()) : 0;
    const ev = this.store.appendKnown(n);
    if (this.listeners.size) this.notify(ev, at);
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
    // The message's fine time is taken before its bytes go to the socket: the peer may read them
    // (and start answering) before this thread gets to record the event.
    const outer = this.sendingAt;
    this.sendingAt = this.listeners.size ? this.fineClock() : 0;
    try {
      // One callback for every send: Node batches the after-write ticks of consecutive writes that
      // share a callback, where a fresh closure per send costs a tick each.
      ws.send(buf, binary ? BINARY : TEXT, this.onSent);
    } catch (err) {
      this.recordError(new ConnectionError(this.codeOf(err), (err as Error).message));
    } finally {
      this.sendingAt = outer;
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

  /** The code of an error from `ws` or Node (see handshakeErrorCode). */
  private codeOf(err: unknown): string {
    return handshakeErrorCode(err, { opened: this.opened, subprotocols: this.options.subprotocols ?? [], terminatedByUs: this.terminatedByUs, followRedirects: !!this.options.followRedirects, hs: this.hs });
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
      this.rtts.clear();
      this.setState('connecting', undefined, this.attempts > 0 ? `reconnect attempt ${this.attempts}` : undefined);
      const abort = new AbortController();
      this.handshakeAbort = abort;

      let url: URL;
      let ws: WebSocket;
      try {
        url = buildUrl(this.options);
        const proxy = resolveProxy(url, this.options.proxy, this.env, this.options.noProxy);
        const secure = url.protocol === 'wss:';
        const agent = makeAgent(this.options, secure, proxy, abort.signal, {
          onSocket: (s) => this.attachTap(s),
          onTunnel: (p, pending, err) => {
            this.tunnelPending = pending;
            if (pending) this.record({ kind: 'info', message: `tunnelling through proxy ${p.host}`, data: { proxy: `${p.protocol}//${p.host}` } });
            else if (err) this.proxyError = err;
          },
        });
        const t = this.options.tls ?? {};
        const wsOpts: WebSocket.ClientOptions & Record<string, unknown> = {
          agent,
          headers: buildHeaders(this.options) as Record<string, string>,
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
        const ms = this.rtts.pong(data, this.clock());
        if (ms !== undefined) this.record({ kind: 'rtt', ms });
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
    captureHandshake(socket, state, {
      followRedirects: !!this.options.followRedirects,
      onResponseHead: (status, redirect) => {
        // What follows the head in its chunk is the WebSocket stream: ws hands it to the wire stack.
        if (status === 101 || redirect) this.recordHandshake(state);
        else state.deferredHandshake = true; // recorded with the body by onUnexpectedResponse / onClosed
      },
      onUnparseable: (e) => this.recordError(new ConnectionError(e.code ?? 'WSWB_HTTP_PARSE_ERROR', `Unparseable upgrade response: ${e.message}`)),
    });
  }

  private recordHandshake(state: TapState, body?: { body: string; truncated: boolean }): void {
    state.deferredHandshake = false;
    this.record(handshakeEvent(state, this.ws?.url ?? this.options.url, body));
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

  /** The recording side of the wire stack, with close bookkeeping on close frames. */
  private wireSink(state: TapState): WireSink {
    return recordingSink(
      this.options.payloadPreviewBytes ?? 64 * 1024,
      (e) => this.record(e),
      {
        closeFrame: (dir) => this.closeFrame(state, dir),
        ignored: (n) => (state.ignoredIn += n),
      },
      { store: this.store, connection: this.id, clock: this.clock, owner: this.wireOwner, live: () => !this.disposed },
    );
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
    this.keepAlive.start(this.options.pingIntervalMs, (p) => {
      if (this._state === 'open') this.ping(p);
    });
  }

  private stopPing(): void {
    this.keepAlive.stop();
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) this.clearT(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Exponential backoff with jitter: initial × 2^attempt, capped, ± jitter. */
  reconnectDelay(attempt: number): number {
    return backoffDelay(this.options.reconnect, attempt, this.random);
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

/** A close body for any code, even one not valid on the wire (tests of servers): codes wrap to 16 bits. */
function rawClosePayload(code: number, reason: string): Uint8Array {
  return encodeClosePayload(code & 0xffff, reason);
}
