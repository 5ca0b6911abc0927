/**
 * A mock WebSocket server: echo by default, rules, greetings, schedules, broadcasts and fault
 * injection, safe by default (loopback bind, Origin allow-list, Host check), with its own timeline.
 *
 * It runs ws's WebSocketServer in `noServer` mode on its own http(s) server, so the security checks
 * and handshake faults happen before the upgrade. Every accepted socket gets the same wire stack
 * as a client connection (engine/wire: one parser for what the client sends, the encoder that
 * writes and records what the mock sends, the same recording sink): the timeline shows the frames
 * as they were on the wire, including the malformed ones the mock writes on purpose.
 *
 *   upgrade ─▶ route path ─▶ Host ─▶ Origin ─▶ refuse fault ─▶ subprotocol ─▶ handshake delay ─▶ ws
 *              404            403     403       status          400
 *
 * Modules beside it: gate.ts (Host/Origin checks), rules.ts and template.ts (matching, replies),
 * faults.ts (malformed frames, fault descriptions), schedules.ts, tls.ts (certificates),
 * protocols/ (protocol mocks, through the narrow ProtocolHost hook). Over ~400 lines: the server's
 * lifecycle, the upgrade path, and each connection's message handling share the endpoint and
 * client state kept here; the next cut would be the upgrade path (onUpgrade/accept/refuse).
 */
import type { CodecSet } from '../../codecs/bindings';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import type { HeaderPair, NewEvent, TimelineEvent } from '../events';
import { TimelineStore, type WireOwner } from '../timelineStore';
import type { WireSink } from '../wire/sink';
import { recordingSink, type RecordedEvent } from '../wire/recording';
import { describeFault, malformedFrame } from './faults';
import { runSchedule } from './schedules';
import { loadMockTls } from './tls';
import { installWireStack, type WireStack } from '../wire/wsInternals';
import { encodeClosePayload, encodeFrame } from '../../protocol/frameEncoder';
import type { MockDefinition, MockFault, MockMessage, MockRule, MockSchedule, ResolvedEndpoint } from './definition';
import { DEFAULT_MOCK_HOST, DEFAULT_MOCK_MAX_PAYLOAD, pathMatches, resolveEndpoints } from './definition';
import { compileRules, findRule } from './rules';
import type { CompiledRule } from './rules';
import { renderMessage } from './template';
import type { RenderedMessage, TemplateContext } from './template';
import type { PatternMatch } from '../../pattern';
import { MockError } from './errors';
import { closeStatusOf } from '../../errors';
import { assertMockDefinition, isSendableCloseCode } from './validate';
import { boundField, gateReasons, isLoopbackHost, normaliseHost, normaliseOrigin } from './gate';
import type { GatePolicy, MockRefusal } from './gate';
import { loadProtocols } from '../../lazy';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost, ProtocolPeer, RulePeer } from './protocols';

/** Where events go: a TimelineStore (or anything that numbers events the same way). */
export interface MockEventSink {
  append(e: NewEvent): TimelineEvent;
  /** TimelineStore's fast path for events built by the engine (known keys only); used when present. */
  appendKnown?(e: NewEvent): TimelineEvent;
}

/** Injected dependencies; all optional. */
export interface MockServerDeps {
  /** Shared timeline store; default: a private in-memory sink (events still reach `onEvent`). */
  store?: MockEventSink;
  clock?: () => number;
  log?: (line: string) => void;
  random?: () => number;
  uuid?: () => string;
  /** Directory TLS file paths are relative to (the collection file's directory). */
  baseDir?: string;
  /** Record frames (wire stack) and messages in the timeline. Default true for both. */
  record?: { frames?: boolean; messages?: boolean };
  /** Frame payload bytes kept per frame event (default 64 KiB). */
  payloadPreviewBytes?: number;
  /** Slowloris guard: a client must finish its HTTP upgrade request within this (default 10 s). */
  handshakeTimeoutMs?: number;
  /** On stop(), how long clients get to answer the 1001 close before their sockets are destroyed (default 1 s). */
  closeGraceMs?: number;
  /** The collection's loaded `codecs` rules: types of `protobuf` answers (src/core/codecs/collection.ts). */
  codecs?: CodecSet;
}

/** A connected client, as `clients()` returns it. */
export interface MockClient {
  readonly id: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly subprotocol: string;
  readonly remoteAddress: string;
  /** Path pattern of the endpoint serving it. */
  readonly endpoint: string;
  send(message: MockMessage): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** Counters of a running mock. */
export interface MockStats {
  connections: number;
  open: number;
  rejected: number;
  messagesIn: number;
  messagesOut: number;
}

interface EndpointState {
  ep: ResolvedEndpoint;
  rules: CompiledRule[];
  wss: WebSocketServer;
  clients: Set<ClientState>;
  /** The protocol server of a protocol mock (src/core/engine/mock/protocols). */
  proto?: ProtocolEndpoint;
}

interface ClientState extends MockClient {
  ws: WebSocket;
  socket: Duplex;
  ep: EndpointState;
  count: number;
  timers: Set<NodeJS.Timeout>;
  /** Frames per outgoing message, from a fragment fault (1 = unfragmented). */
  fragments: number;
  slowReadMs: number;
  closeStarted: 'client' | 'server' | undefined;
  /** The wire stack installed on ws: parses the client's bytes once, encodes and records ours. */
  stack: WireStack | null;
  proto?: ProtocolConnection;
}

const SEND_BINARY = { binary: true, compress: false };
const SEND_TEXT = { binary: false, compress: false };

const PREVIEW_DEFAULT = 64 * 1024;


/** A mock server built from one MockDefinition. */
export class MockServer {
  readonly definition: MockDefinition;
  private readonly deps: MockServerDeps;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly uuid: () => string;
  private readonly sink: MockEventSink;
  private readonly listeners = new Set<(e: TimelineEvent) => void>();
  private readonly refusalListeners = new Set<(r: MockRefusal) => void>();
  /** Origins and hosts allowed while running (`allow()`), on top of the definition's lists. */
  private readonly allowedAtRuntime = { origins: new Set<string>(), hosts: new Set<string>() };
  private readonly endpoints: EndpointState[];
  private readonly pending = new Set<Duplex>();
  private readonly serverTimers = new Set<NodeJS.Timeout>();
  private server: http.Server | https.Server | undefined;
  private seq = 0;
  private counterValue = 0;
  private nextSinkId = 1;
  private stopping: Promise<void> | undefined;
  private boundPort = 0;
  private boundHost = DEFAULT_MOCK_HOST;
  private _url = '';
  private readonly stat: MockStats = { connections: 0, open: 0, rejected: 0, messagesIn: 0, messagesOut: 0 };
  private readonly recordFrames: boolean;
  private readonly recordMessages: boolean;
  /** PEM of the certificate served (generated or loaded), so tests and clients can trust it. */
  certificate: string | undefined;

  constructor(def: MockDefinition, deps: MockServerDeps = {}) {
    this.definition = assertMockDefinition(def);
    this.deps = deps;
    this.clock = deps.clock ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.uuid = deps.uuid ?? randomUUID;
    this.recordFrames = deps.record?.frames ?? true;
    this.recordMessages = deps.record?.messages ?? true;
    this.sink = deps.store ?? { append: (e) => ({ ...e, id: this.nextSinkId++ }) as TimelineEvent };
    this.endpoints = resolveEndpoints(this.definition).map((ep) => {
      const st = { ep, rules: compileRules(ep.rules), clients: new Set<ClientState>() } as EndpointState;
      // raw and auto endpoints answer bytes: only protocol endpoints load the protocol layer.
      st.proto = ep.protocol && ep.protocol !== 'raw' && ep.protocol !== 'auto' ? loadProtocols().createProtocolEndpoint(this.protocolHost(st)) : undefined;
      st.wss = this.createWss(ep, st.proto?.subprotocols ?? []);
      return st;
    });
  }

  /** The ws:// or wss:// URL of the first endpoint (empty before start). */
  get url(): string {
    return this._url;
  }

  /** Connection id under which server-level events (listening, stopped) are recorded. */
  get serverConnectionId(): string {
    return `mock:${this.definition.name}`;
  }

  get port(): number {
    return this.boundPort;
  }

  get running(): boolean {
    return this.server !== undefined && this.stopping === undefined;
  }

  /** Starts listening. Rejects with MockError WSWB_MOCK_LISTEN_FAILED / WSWB_MOCK_TLS_FAILED / WSWB_MOCK_ALREADY_STARTED. */
  async start(): Promise<{ url: string; port: number }> {
    if (this.server || this.stopping) {
      throw new MockError('WSWB_MOCK_ALREADY_STARTED', `mock "${this.definition.name}" was already started (a MockServer runs once; create a new one to restart)`);
    }
    const timeout = this.deps.handshakeTimeoutMs ?? 10_000;
    const common: http.ServerOptions = {
      headersTimeout: timeout,
      requestTimeout: timeout,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeout / 2))),
      keepAliveTimeout: 1000,
      maxHeaderSize: 16 * 1024,
    };
    let server: http.Server | https.Server;
    if (this.definition.tls) {
      const creds = await loadMockTls(this.definition.name, this.definition.tls, this.deps.baseDir);
      this.certificate = creds.cert;
      try {
        server = https.createServer({ ...common, cert: creds.cert, key: creds.key, passphrase: creds.passphrase });
      } catch (e) {
        throw new MockError('WSWB_MOCK_TLS_FAILED', `mock "${this.definition.name}": TLS: ${(e as Error).message}`, { cause: e });
      }
    } else {
      server = http.createServer(common);
    }
    this.server = server;
    server.on('request', (req, res) => this.onPlainRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    server.on('clientError', (err, socket) => {
      // Malformed HTTP, header timeouts (slowloris), TLS failures: answer if possible, never throw.
      const code = (err as NodeJS.ErrnoException).code;
      if (socket.writable && !(socket as { _httpMessage?: unknown })._httpMessage && code !== 'ECONNRESET') {
        const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
      socket.destroy();
    });
    if (server instanceof https.Server) {
      server.on('tlsClientError', () => {
        /* a client that fails TLS is its own problem; keep serving */
      });
    }
    const host = this.definition.host ?? DEFAULT_MOCK_HOST;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server = undefined;
        reject(new MockError('WSWB_MOCK_LISTEN_FAILED', `mock "${this.definition.name}" cannot listen on ${host}:${this.definition.port ?? 0}: ${err.code ?? err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen(this.definition.port ?? 0, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.log(`mock "${this.definition.name}": server error: ${err.message}`));
    const addr = server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : 0;
    this.boundHost = host;
    const first = this.endpoints[0]?.ep.path ?? '*';
    const firstPath = first === '*' ? '/' : first.endsWith('*') ? first.slice(0, -1) : first;
    this._url = `${this.definition.tls ? 'wss' : 'ws'}://${urlHost(host)}:${this.boundPort}${firstPath.startsWith('/') ? firstPath : '/' + firstPath}`;
    const exposed = !isLoopbackHost(host);
    this.emit({
      kind: 'info',
      time: this.clock(),
      connection: this.serverConnectionId,
      message: `mock "${this.definition.name}" listening on ${this._url}`,
      data: { type: 'listening', name: this.definition.name, url: this._url, port: this.boundPort, host, ...(exposed ? { warning: 'bound to a non-loopback address: reachable from other machines' } : {}) },
    });
    if (exposed) this.log(`warning: mock "${this.definition.name}" is bound to ${host}, reachable from other machines`);
    for (const st of this.endpoints) if (!st.proto) for (const s of st.ep.schedules) if (s.broadcast) this.startBroadcastSchedule(st, s);
    return { url: this._url, port: this.boundPort };
  }

  /** Closes every client with 1001, destroys what is left after the grace period, stops listening. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    for (const t of this.serverTimers) clearTimeout(t);
    this.serverTimers.clear();
    for (const s of this.pending) s.destroy();
    this.pending.clear();
    const all = this.endpoints.flatMap((st) => [...st.clients]);
    const closed = all.map((c) => new Promise<void>((resolve) => {
      if (c.ws.readyState === WebSocket.CLOSED) return resolve();
      c.ws.once('close', () => resolve());
    }));
    for (const c of all) {
      c.closeStarted ??= 'server';
      try {
        if (c.ws.readyState === WebSocket.OPEN) c.ws.close(1001, 'mock server stopping');
        else if (c.ws.readyState === WebSocket.CONNECTING) c.ws.terminate();
      } catch {
        c.ws.terminate();
      }
    }
    if (all.length > 0) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise<void>((r) => (grace = setTimeout(r, this.deps.closeGraceMs ?? 1000)))]);
      clearTimeout(grace);
      for (const c of all) c.ws.terminate();
      await Promise.all(closed);
    }
    for (const st of this.endpoints) st.wss.close();
    await Promise.all(this.endpoints.map((st) => st.proto?.stop()));
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.emit({ kind: 'info', time: this.clock(), connection: this.serverConnectionId, message: `mock "${this.definition.name}" stopped`, data: { type: 'stopped', name: this.definition.name } });
  }

  /** Subscribes to every event the mock records; returns the unsubscribe function. */
  onEvent(listener: (e: TimelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Subscribes to handshakes refused by the Host or Origin check (one call per refused handshake,
   * with the Origin and Host as sent, cut to a bounded length; never a payload). Returns the
   * unsubscribe function.
   */
  onRefusal(listener: (r: MockRefusal) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  /**
   * Allows more origins and Host names while running (what the user allowed after a refusal; the
   * caller decides, and records it in the definition's file). Values that are not an origin
   * (`scheme://host[:port]`) or a host (`name[:port]`) are ignored; `*` is never taken here.
   * Returns what was added.
   */
  allow(add: { origins?: readonly string[]; hosts?: readonly string[] }): { origins: string[]; hosts: string[] } {
    const out = { origins: [] as string[], hosts: [] as string[] };
    for (const o of add.origins ?? []) {
      const n = normaliseOrigin(o);
      if (n && !this.allowedAtRuntime.origins.has(n)) {
        this.allowedAtRuntime.origins.add(n);
        out.origins.push(n);
      }
    }
    for (const h of add.hosts ?? []) {
      const n = normaliseHost(h);
      if (n && !this.allowedAtRuntime.hosts.has(n)) {
        this.allowedAtRuntime.hosts.add(n);
        out.hosts.push(n);
      }
    }
    if (out.origins.length || out.hosts.length) {
      this.emit({ kind: 'info', time: this.clock(), connection: this.serverConnectionId, message: `allowed ${[...out.origins.map((o) => `origin ${o}`), ...out.hosts.map((h) => `host ${h}`)].join(', ')}`, data: { type: 'allowed', ...out } });
    }
    return out;
  }

  /** The gate's current lists (definition plus run-time allowances). */
  gatePolicy(): GatePolicy {
    return {
      boundHost: this.boundHost,
      boundPort: this.boundPort,
      tls: Boolean(this.definition.tls),
      checkHost: this.definition.checkHost !== false,
      allowedHosts: [...(this.definition.allowedHosts ?? []), ...this.allowedAtRuntime.hosts],
      allowedOrigins: [...(this.definition.allowedOrigins ?? []), ...this.allowedAtRuntime.origins],
    };
  }

  /** Connected clients (open or closing). */
  clients(): MockClient[] {
    return this.endpoints.flatMap((st) => [...st.clients]);
  }

  /** Sends a message to every open client (of one endpoint path pattern, or of all). Returns how many got it. */
  broadcast(message: MockMessage, endpoint?: string): number {
    let n = 0;
    for (const st of this.endpoints) {
      if (endpoint !== undefined && st.ep.path !== endpoint) continue;
      n += this.sendToAll(st, message);
    }
    return n;
  }

  stats(): MockStats {
    return { ...this.stat };
  }

  // ── handshake ──────────────────────────────────────────────────────────────────────────────

  private createWss(ep: ResolvedEndpoint, protocolDefaults: string[]): WebSocketServer {
    const accepted = ep.subprotocols.length > 0 ? ep.subprotocols : protocolDefaults;
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.definition.maxPayload ?? DEFAULT_MOCK_MAX_PAYLOAD,
      // ws ≥ 8.18 bounds the parts of one message; its typings may not know the option yet.
      ...({ maxFragments: this.definition.maxFragments ?? 16 * 1024 } as object),
      autoPong: !ep.faults.some((f) => f.type === 'noPong'),
      handleProtocols: (offered: Set<string>) => {
        if (accepted.length === 0) return offered.values().next().value ?? false;
        for (const p of accepted) if (offered.has(p)) return p;
        return false;
      },
    });
    wss.on('error', (err) => this.log(`mock "${this.definition.name}": ${err.message}`));
    // ws reports bad upgrade requests here instead of answering them itself.
    wss.on('wsClientError', (err: Error, socket: Duplex, req: http.IncomingMessage) => {
      const id = (req as { mockConnectionId?: string }).mockConnectionId ?? this.nextConnectionId();
      this.refuse(socket, req, id, 400, err.message, 'WSWB_MOCK_BAD_UPGRADE', err.message);
    });
    return wss;
  }

  private onPlainRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.protocolRequest(req, res)) return;
    req.resume();
    const body = `WebSocket mock "${this.definition.name}": connect with a WebSocket client to ${this._url}\n`;
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket', Connection: 'close', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const id = this.nextConnectionId();
    (req as { mockConnectionId?: string }).mockConnectionId = id;
    if (this.stopping) return void this.refuse(socket, req, id, 503, 'mock server stopping', undefined, undefined);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://mock.invalid');
    } catch {
      return void this.refuse(socket, req, id, 400, 'bad request target', 'WSWB_MOCK_BAD_UPGRADE', `unparseable request target ${JSON.stringify(req.url)}`);
    }
    const st = this.endpoints.find((e) => pathMatches(e.ep.path, url.pathname));
    if (!st) return void this.refuse(socket, req, id, 404, `no endpoint at ${url.pathname}`, 'WSWB_MOCK_PATH_NOT_FOUND', `no endpoint at ${url.pathname}`);
    const origin = req.headers.origin ?? (req.headers['sec-websocket-origin'] as string | undefined);
    const reasons = gateReasons(this.gatePolicy(), req.headers.host, origin);
    if (reasons.length > 0) {
      // Both checks run, so one refusal tells the owner everything a forwarded browser needs allowed.
      if (reasons[0] === 'host') this.refuse(socket, req, id, 403, 'Host not allowed', 'WSWB_MOCK_HOST_REJECTED', `Host ${JSON.stringify(req.headers.host ?? '')} is not this mock's address (DNS rebinding guard; see allowedHosts/checkHost)`);
      else this.refuse(socket, req, id, 403, 'Origin not allowed', 'WSWB_MOCK_ORIGIN_REJECTED', `Origin ${origin} is not allowed (see allowedOrigins)`);
      if (reasons.length > 1) this.emitError(id, 'WSWB_MOCK_ORIGIN_REJECTED', `Origin ${origin} is not allowed either (see allowedOrigins)`);
      return void this.emitRefusal(id, reasons, origin, req.headers.host);
    }
    const refuse = st.ep.faults.find((f): f is Extract<MockFault, { type: 'refuse' }> => f.type === 'refuse');
    if (refuse) return void this.refuse(socket, req, id, refuse.status, refuse.body ?? '', undefined, undefined, refuse.headers);
    if (st.ep.requireSubprotocol && st.ep.subprotocols.length > 0) {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (!st.ep.subprotocols.some((p) => offered.includes(p))) {
        return void this.refuse(socket, req, id, 400, `subprotocol required: ${st.ep.subprotocols.join(', ')}`, 'WSWB_MOCK_SUBPROTOCOL_REJECTED', `client offered ${offered.length ? offered.join(', ') : 'no subprotocol'}; the mock requires one of ${st.ep.subprotocols.join(', ')}`);
      }
    }
    const delay = st.ep.faults.find((f): f is Extract<MockFault, { type: 'handshakeDelay' }> => f.type === 'handshakeDelay');
    if (delay && delay.ms > 0) {
      this.pending.add(socket);
      this.emit({ kind: 'info', time: this.clock(), connection: id, message: `fault: handshake delayed ${delay.ms} ms`, data: { fault: 'handshakeDelay', ms: delay.ms } });
      const t = setTimeout(() => {
        this.serverTimers.delete(t);
        this.pending.delete(socket);
        if (this.stopping || socket.destroyed) return void socket.destroy();
        this.accept(st, req, socket, head, id, url);
      }, delay.ms);
      this.serverTimers.add(t);
      return;
    }
    this.accept(st, req, socket, head, id, url);
  }

  private accept(st: EndpointState, req: http.IncomingMessage, socket: Duplex, head: Buffer, id: string, url: URL): void {
    let responseHeaders: string[] = [];
    const onHeaders = (headers: string[], r: http.IncomingMessage) => {
      if (r === req) responseHeaders = headers.slice();
    };
    st.wss.on('headers', onHeaders);
    try {
      st.wss.handleUpgrade(req, socket, head, (ws) => {
        st.wss.off('headers', onHeaders);
        this.onConnection(st, ws, req, socket, id, url, responseHeaders);
      });
    } catch (e) {
      socket.destroy();
      this.emitError(id, 'WSWB_MOCK_CLIENT_ERROR', (e as Error).message);
    } finally {
      // handleUpgrade may refuse synchronously (wsClientError) without calling back.
      if (responseHeaders.length === 0) st.wss.off('headers', onHeaders);
    }
  }

  private refuse(socket: Duplex, req: http.IncomingMessage, id: string, status: number, body: string, code: string | undefined, message: string | undefined, extraHeaders?: Record<string, string>): void {
    this.stat.rejected++;
    const statusText = http.STATUS_CODES[status] ?? 'Unknown';
    const headers: HeaderPair[] = [
      ['Connection', 'close'],
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ...Object.entries(extraHeaders ?? {}),
    ];
    if (socket.writable) {
      socket.once('finish', () => socket.destroy());
      socket.end(`HTTP/1.1 ${status} ${statusText}\r\n${headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}`).join('\r\n')}\r\n\r\n${body}`);
    } else {
      socket.destroy();
    }
    this.emit({
      kind: 'handshake',
      time: this.clock(),
      connection: id,
      request: requestOf(req),
      response: { status, statusText, headers, body: body.slice(0, 4096), ...(body.length > 4096 ? { bodyTruncated: true } : {}) },
    });
    if (code && message) this.emitError(id, code, message);
    else this.emit({ kind: 'info', time: this.clock(), connection: id, message: `fault: handshake refused with HTTP ${status}`, data: { fault: 'refuse', status } });
  }

  private emitRefusal(connection: string, reasons: MockRefusal['reasons'], origin: string | undefined, host: string | undefined): void {
    if (this.refusalListeners.size === 0) return;
    const o = boundField(origin);
    const h = boundField(host);
    const r: MockRefusal = { mock: this.definition.name, connection, time: this.clock(), reasons };
    if (o.value !== undefined) r.origin = o.value;
    if (h.value !== undefined) r.host = h.value;
    if (o.cut || h.cut) r.truncated = true;
    for (const l of this.refusalListeners) {
      try {
        l(r);
      } catch (err) {
        this.log(`mock "${this.definition.name}": refusal listener threw: ${(err as Error).message}`);
      }
    }
  }

  // ── connections ────────────────────────────────────────────────────────────────────────────

  private onConnection(st: EndpointState, ws: WebSocket, req: http.IncomingMessage, socket: Duplex, id: string, url: URL, responseHeaders: string[]): void {
    this.stat.connections++;
    this.stat.open++;
    // No prototype: a parameter named `constructor` or `__proto__` is a parameter like any other.
    const query: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
    const remote = (socket as { remoteAddress?: string }).remoteAddress ?? '';
    const c: ClientState = {
      id,
      path: url.pathname,
      query,
      subprotocol: ws.protocol,
      remoteAddress: remote,
      endpoint: st.ep.path,
      ws,
      socket,
      ep: st,
      count: 0,
      timers: new Set(),
      fragments: 1,
      slowReadMs: 0,
      closeStarted: undefined,
      stack: null,
      send: (message: MockMessage) => {
        if (ws.readyState === WebSocket.OPEN) this.sendTo(c, renderMessage(message, this.templateContext(c)));
      },
      close: (code = 1000, reason = '') => {
        c.closeStarted ??= 'server';
        if (ws.readyState === WebSocket.OPEN) ws.close(code, reason);
      },
      terminate: () => {
        c.closeStarted ??= 'server';
        ws.terminate();
      },
    };
    st.clients.add(c);
    const [statusLine, ...headerLines] = responseHeaders;
    this.emit({
      kind: 'handshake',
      time: this.clock(),
      connection: id,
      request: requestOf(req),
      response: {
        status: 101,
        statusText: (statusLine ?? 'HTTP/1.1 101 Switching Protocols').replace(/^HTTP\/\d\.\d 101 /, ''),
        headers: headerLines.map((l): HeaderPair => {
          const i = l.indexOf(':');
          return [l.slice(0, i), l.slice(i + 1).trim()];
        }),
      },
      ...(ws.protocol ? { subprotocol: ws.protocol } : {}),
      acceptValid: true,
    });
    this.emit({ kind: 'state', time: this.clock(), connection: id, state: 'open', detail: `${remote} ${url.pathname}${url.search}` });
    // Synchronously, before a byte of the WebSocket stream is read: the same parse/record path as a client connection's.
    c.stack = installWireStack(ws, this.wireSink(c), {
      maxPayload: this.definition.maxPayload ?? DEFAULT_MOCK_MAX_PAYLOAD,
      maxFragments: this.definition.maxFragments ?? 16 * 1024,
      emitMessages: true,
    });
    if (st.proto) c.proto = st.proto.connect(this.peerOf(c));

    ws.on('error', (err: Error & { code?: string }) => {
      this.emitError(id, err.code ?? 'WSWB_MOCK_CLIENT_ERROR', err.message, closeStatusOf(err));
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // A bug here must cost one message, not the process (this runs inside ws's socket handler).
      try {
        this.onMessage(c, data, isBinary);
      } catch (err) {
        this.internalError(id, err);
      }
    });
    // slowRead: after each chunk read, stop reading for a while, so the kernel buffers fill and TCP pushes back.
    socket.on('data', () => {
      if (c.slowReadMs > 0 && !socket.isPaused()) {
        socket.pause();
        this.later(c, c.slowReadMs, () => socket.resume());
      }
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.stat.open--;
      for (const t of c.timers) clearTimeout(t);
      c.timers.clear();
      st.clients.delete(c);
      c.proto?.closed();
      const initiator = c.closeStarted ?? 'client';
      this.emit({ kind: 'close', time: this.clock(), connection: id, code, reason: reason.toString('utf8'), initiator, wasClean: code !== 1006 });
      this.emit({ kind: 'state', time: this.clock(), connection: id, state: 'closed' });
    });
    ws.on('ping', () => {
      /* answered by ws unless a noPong fault is active; the frame is on the timeline via the wire stack */
    });

    for (const f of st.ep.faults) {
      if (f.type === 'fragment') c.fragments = Math.max(1, f.frames);
      if (f.type === 'slowRead') c.slowReadMs = f.pauseMs;
    }
    // A protocol mock greets and schedules once its protocol's handshake is done.
    if (!c.proto) for (const m of st.ep.greeting) this.sendTo(c, renderMessage(m, this.templateContext(c)));
    if (!c.proto) for (const s of st.ep.schedules) if (!s.broadcast) this.startClientSchedule(c, s);
    for (const f of st.ep.faults) if (f.type === 'drop' || f.type === 'close' || f.type === 'malformed' || f.type === 'malformedPacket' || f.type === 'noHeartbeat') this.applyFault(c, f, 'mock');
  }

  /** The recording side of the wire stack for one client: the same sink as a client connection's, onto the mock's timeline. */
  private wireSink(c: ClientState): WireSink {
    const record = (e: RecordedEvent) => {
      e.time = this.clock();
      e.connection = c.id;
      this.emit(e as NewEvent);
    };
    // Into a TimelineStore: batched per socket read, the same path as a client connection's.
    const store = this.sink instanceof TimelineStore ? this.sink : undefined;
    return recordingSink(
      this.deps.payloadPreviewBytes ?? PREVIEW_DEFAULT,
      record,
      {
        frames: this.recordFrames,
        messages: this.recordMessages,
        // Client-initiated close: ws emits no event before replying, so note who started here.
        closeFrame: (dir) => {
          if (dir === 'in') c.closeStarted ??= 'client';
        },
        ignored: () => undefined,
      },
      store && { store, connection: c.id, clock: this.clock, owner: this.wireOwner, live: () => true },
    );
  }

  private onMessage(c: ClientState, data: Buffer, binary: boolean): void {
    c.count++;
    this.stat.messagesIn++;
    if (c.proto) return c.proto.message(data, binary);
    let text: string | undefined;
    const getText = () => (text ??= data.toString('utf8'));
    let parsed: { v: unknown } | undefined;
    const getJson = () => {
      if (!parsed) {
        try {
          parsed = { v: JSON.parse(getText()) };
        } catch {
          parsed = { v: undefined };
        }
      }
      return parsed.v;
    };
    if (c.ep.rules.length === 0) {
      if (c.ep.ep.echo) this.sendTo(c, { data, binary });
      return;
    }
    const hit = findRule(c.ep.rules, { data, binary, count: c.count, path: c.path, query: c.query }, getText, getJson);
    if (!hit) {
      if (c.ep.ep.echo) this.sendTo(c, { data, binary });
      return;
    }
    const rule = hit.rule.rule;
    this.emit({ kind: 'info', time: this.clock(), connection: c.id, message: `rule ${rule.name ?? '#' + hit.rule.index} matched`, data: { rule: hit.rule.index, ...(rule.name ? { name: rule.name } : {}) } });
    const ctx = this.templateContext(c, binary ? data.toString('hex') : getText(), hit.result.captures, binary ? undefined : getJson);
    let responses: RenderedMessage[];
    try {
      responses = (rule.respond ?? []).map((m) => renderMessage(m, ctx));
    } catch (e) {
      // A codec answer whose data does not encode (unknown protobuf field…) names its rule; anything else is the engine's.
      const code = (e as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('WSWB_CODEC_')) throw e;
      this.emitError(c.id, code, `rule ${rule.name ?? '#' + hit.rule.index}: ${(e as Error).message}`);
      return;
    }
    const delay = delayOf(rule, this.random);
    if (delay > 0) this.later(c, delay, () => this.runRule(c, rule, responses));
    else this.runRule(c, rule, responses);
  }

  private runRule(c: ClientState, rule: MockRule, responses: RenderedMessage[]): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    const fragment = rule.faults?.find((f): f is Extract<MockFault, { type: 'fragment' }> => f.type === 'fragment');
    const targets = rule.broadcast ? [...c.ep.clients].filter((t) => t.ws.readyState === WebSocket.OPEN) : [c];
    for (const r of responses) for (const t of targets) this.sendTo(t, r, fragment?.frames);
    for (const f of rule.faults ?? []) if (f.type !== 'fragment') this.applyFault(c, f, 'rule');
    if (rule.close && c.ws.readyState === WebSocket.OPEN) {
      c.closeStarted ??= 'server';
      c.ws.close(rule.close.code, rule.close.reason ?? '');
    }
  }

  private sendTo(c: ClientState, m: RenderedMessage, fragments = c.fragments): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    this.stat.messagesOut++;
    // No send callback: a failed write surfaces as the socket's error/close, and a callback per
    // write costs Node an extra tick.
    try {
      if (fragments <= 1 || m.data.length === 0) {
        c.ws.send(m.data, m.binary ? SEND_BINARY : SEND_TEXT);
      } else {
        const n = Math.min(fragments, m.data.length);
        const size = Math.ceil(m.data.length / n);
        for (let i = 0; i < n; i++) {
          const part = m.data.subarray(i * size, Math.min(m.data.length, (i + 1) * size));
          c.ws.send(part, { binary: m.binary, compress: false, fin: i === n - 1 });
        }
      }
    } catch (err) {
      this.emitError(c.id, 'WSWB_MOCK_SEND_FAILED', (err as Error).message);
    }
    // The wire stack recorded the frame(s), then the message, as it wrote them.
  }

  private applyFault(c: ClientState, f: MockFault, from: 'mock' | 'rule'): void {
    const after = 'afterMs' in f && f.afterMs ? f.afterMs : 0;
    const run = () => {
      if (c.ws.readyState !== WebSocket.OPEN) return;
      this.emit({ kind: 'info', time: this.clock(), connection: c.id, message: `fault: ${describeFault(f)}`, data: { fault: f.type, from, ...f } });
      switch (f.type) {
        case 'drop':
          c.closeStarted ??= 'server';
          // No close frame: the client sees TCP end (1006), as when a server process dies.
          c.socket.destroy();
          break;
        case 'close':
          c.closeStarted ??= 'server';
          if (isSendableCloseCode(f.code) && Buffer.byteLength(f.reason ?? '') <= 123) {
            c.ws.close(f.code, f.reason ?? '');
          } else {
            // A code ws refuses to send: write the close frame raw, then end the connection.
            const payload = encodeClosePayload(f.code & 0xffff, f.reason ?? '');
            this.writeRaw(c, encodeFrame({ opcode: 0x8, payload: payload.subarray(0, 125) }));
            this.later(c, 1000, () => c.ws.terminate());
          }
          break;
        case 'malformed':
          this.writeRaw(c, malformedFrame(f.kind));
          break;
        case 'noPong':
          // ws has no public switch per connection; its autoPong flag is read on every ping.
          (c.ws as unknown as { _autoPong: boolean })._autoPong = false;
          break;
        case 'slowRead':
          c.slowReadMs = f.pauseMs;
          break;
        case 'fragment':
          c.fragments = Math.max(1, f.frames);
          break;
        case 'dropReply':
        case 'malformedPacket':
        case 'noHeartbeat':
          if (!c.proto?.fault(f)) this.log(`mock "${this.definition.name}": a "${f.type}" fault needs a protocol mock`);
          break;
        case 'handshakeDelay':
        case 'refuse':
          break;
      }
    };
    if (after > 0) this.later(c, after, run);
    else run();
  }

  /** Fault injection: bytes written as they are, recorded by the wire stack as far as they parse. */
  private writeRaw(c: ClientState, bytes: Uint8Array): void {
    if (c.stack) c.stack.outbound.rawBytes(bytes);
    else c.socket.write(bytes);
  }

  private startClientSchedule(c: ClientState, s: MockSchedule): void {
    runSchedule(s, (ms, fn) => this.later(c, ms, fn), () => {
      if (c.ws.readyState !== WebSocket.OPEN) return false;
      const ctx = this.templateContext(c);
      for (const m of s.messages) this.sendTo(c, renderMessage(m, ctx));
      return true;
    });
  }

  private startBroadcastSchedule(st: EndpointState, s: MockSchedule): void {
    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        this.serverTimers.delete(t);
        try {
          fn();
        } catch (err) {
          this.internalError(this.serverConnectionId, err);
        }
      }, ms);
      this.serverTimers.add(t);
    };
    runSchedule(s, later, () => {
      if (this.stopping) return false;
      for (const m of s.messages) this.sendToAll(st, m);
      return true;
    });
  }

  /** Sends to every open client of an endpoint; a message without placeholders is rendered once. */
  private sendToAll(st: EndpointState, m: MockMessage): number {
    let fixed: RenderedMessage | undefined;
    if (!hasPlaceholders(m)) fixed = renderMessage(m, this.templateContext(undefined));
    let n = 0;
    for (const c of st.clients) {
      if (c.ws.readyState !== WebSocket.OPEN) continue;
      this.sendTo(c, fixed ?? renderMessage(m, this.templateContext(c)));
      n++;
    }
    return n;
  }

  private later(c: ClientState, ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      c.timers.delete(t);
      try {
        fn();
      } catch (err) {
        this.internalError(c.id, err);
      }
    }, ms);
    c.timers.add(t);
  }

  private internalError(connection: string, err: unknown): void {
    this.emitError(connection, 'WSWB_MOCK_INTERNAL_ERROR', err instanceof Error ? err.message : String(err));
  }

  private templateContext(c: ClientState | undefined, message?: string, captures?: PatternMatch | null, json?: () => unknown): TemplateContext {
    return {
      message,
      captures,
      json,
      connection: c ? { id: c.id, path: c.path, query: c.query } : { id: '', path: '', query: {} },
      count: c?.count ?? 0,
      counter: () => ++this.counterValue,
      uuid: this.uuid,
      now: this.clock,
      random: this.random,
      ...(this.deps.codecs ? { codecs: this.deps.codecs } : {}),
    };
  }

  // ── protocol mocks: the narrow hook (src/core/engine/mock/protocols/types.ts) ─────────────────

  private protocolHost(st: EndpointState): ProtocolHost {
    return {
      ep: st.ep,
      info: (peer, message, data) => this.emit({ kind: 'info', time: this.clock(), connection: peer?.id ?? this.serverConnectionId, message, ...(data ? { data } : {}) }),
      context: (peer, payload, captures) => {
        const c = peer ? this.peerClients.get(peer) : undefined;
        return this.templateContext(c, payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload), captures, () => payload);
      },
      random: this.random,
      uuid: this.uuid,
    };
  }

  /** The client behind each peer handed to the protocol layer (template contexts look it up per message). */
  private readonly peerClients = new WeakMap<ProtocolPeer, ClientState>();

  private peerOf(c: ClientState): RulePeer {
    // What one tick sends (the answers to every message of a chunk read) leaves in one write, as
    // Engine.IO and mqtt-packet batch theirs: cork on the first send, uncork on the next tick.
    let corked = false;
    const uncork = () => {
      corked = false;
      c.socket.uncork();
    };
    const send = (data: Buffer, binary: boolean) => {
      if (!corked && c.ws.readyState === WebSocket.OPEN) {
        corked = true;
        c.socket.cork();
        process.nextTick(uncork);
      }
      this.sendTo(c, { data, binary });
    };
    const peer: RulePeer = {
      id: c.id,
      path: c.path,
      query: c.query,
      subprotocol: c.subprotocol,
      get open() {
        return c.ws.readyState === WebSocket.OPEN;
      },
      sendText: (text) => send(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, false),
      sendBinary: (b) => send(Buffer.from(b.buffer, b.byteOffset, b.byteLength), true),
      close: (code, reason = '') => c.close(code, reason),
      later: (ms, fn) => this.later(c, ms, fn),
      fault: (f) => this.applyFault(c, f, 'rule'),
    };
    this.peerClients.set(peer, c);
    return peer;
  }

  /** A plain HTTP request a protocol endpoint answers (SignalR negotiate), behind the same Host and Origin gate. */
  private protocolRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!this.endpoints.some((st) => st.proto?.httpPath)) return false;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://mock.invalid');
    } catch {
      return false;
    }
    const st = this.endpoints.find((e) => e.proto?.httpPath?.(url.pathname));
    if (!st?.proto?.http) return false;
    const origin = req.headers.origin;
    const reasons = gateReasons(this.gatePolicy(), req.headers.host, origin);
    if (reasons.length > 0) {
      const id = this.nextConnectionId();
      req.resume();
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end(reasons[0] === 'host' ? 'Host not allowed' : 'Origin not allowed');
      this.stat.rejected++;
      this.emitError(id, reasons[0] === 'host' ? 'WSWB_MOCK_HOST_REJECTED' : 'WSWB_MOCK_ORIGIN_REJECTED', `${req.method ?? 'GET'} ${url.pathname}: ${reasons[0] === 'host' ? `Host ${JSON.stringify(req.headers.host ?? '')} is not this mock's address` : `Origin ${origin} is not allowed (see allowedOrigins)`}`);
      this.emitRefusal(id, reasons, origin, req.headers.host);
      return true;
    }
    st.proto.http(req, res);
    return true;
  }

  private nextConnectionId(): string {
    return `${this.definition.name}#${++this.seq}`;
  }

  private emitError(connection: string, code: string, message: string, closeCode?: number): void {
    this.emit({ kind: 'error', time: this.clock(), connection, code, message, ...(closeCode !== undefined ? { closeCode } : {}) });
  }

  /** Told by the store about this mock's batched wire events, once appended: listeners see them in store order. */
  private readonly wireOwner: WireOwner = ((m: MockServer) => ({
    get listening() {
      return m.listeners.size > 0;
    },
    deliver: (ev: TimelineEvent) => m.notify(ev),
  }))(this);

  private emit(e: NewEvent): void {
    let ev: TimelineEvent;
    try {
      ev = this.sink.appendKnown ? this.sink.appendKnown(e) : this.sink.append(e);
    } catch (err) {
      // A disposed or failing store must not take the server down with it.
      this.log(`mock "${this.definition.name}": cannot record: ${(err as Error).message}`);
      return;
    }
    this.notify(ev);
  }

  private notify(ev: TimelineEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (err) {
        this.log(`mock "${this.definition.name}": event listener threw: ${(err as Error).message}`);
      }
    }
  }

  private log(line: string): void {
    this.deps.log?.(line);
  }


}

function hasPlaceholders(m: MockMessage): boolean {
  if (typeof m === 'string') return m.includes('{{');
  if ('kind' in m) return true;
  if ('text' in m) return !m.literal && m.text.includes('{{');
  if ('json' in m) return JSON.stringify(m.json)?.includes('{{') ?? false;
  return false;
}

function delayOf(rule: MockRule, random: () => number): number {
  const d = rule.delay;
  if (d === undefined) return 0;
  if (typeof d === 'number') return d;
  return Math.round(d.min + random() * (d.max - d.min));
}

function requestOf(req: http.IncomingMessage): { method: string; path: string; url: string; headers: HeaderPair[] } {
  const headers: HeaderPair[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
  const host = req.headers.host ?? 'localhost';
  const secure = Boolean((req.socket as { encrypted?: boolean }).encrypted);
  return { method: req.method ?? 'GET', path: req.url ?? '/', url: `${secure ? 'wss' : 'ws'}://${host}${req.url ?? '/'}`, headers };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}
