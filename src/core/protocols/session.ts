/**
 * Session drivers: what a real client of each protocol does by itself once the WebSocket is open
 * (handshake, heartbeats, acks), and how it sends protocol messages. Drivers read the decoded
 * packets the ProtocolMonitor produced (one parse per message) and write through a transport.
 * Every automatic answer can be switched off (`autoAnswer: false`) to test how servers treat
 * silent clients.
 *
 * Over ~400 lines: one driver per protocol (six, each short) sharing one base; splitting them into a
 * file each is planned with the mocks of the next protocol issue, which reuse the drivers.
 */
import { GRAPHQL_CLOSE_CODES } from './graphqlws';
import { encodeJsonRpc } from './jsonrpc';
import { KIND_PROTOCOL, MessageDefError, type ProtocolMessage } from './messages';
import type { Packet as MqttPacket } from 'mqtt-packet';
import { encodeMqtt } from './mqtt';
import { encodeSignalr } from './signalr';
import { encodeSignalrMsgpack, type HubRecord } from './signalrMsgpack';
import { encodeStomp } from './stomp';
import { ackKey, encodeSocketIo, SioType, type OutMessage } from './socketio';
import type { Decoded, Dir, ProtocolName } from './types';
import { isBinaryJson, isObject } from './util';
import { CodedError } from '../errors';

/** Where a driver writes. */
export interface SessionTransport {
  sendText(text: string): void;
  sendBinary(data: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** Settings common to every driver (`protocolOptions`). */
export interface SessionOptions {
  /** Answer heartbeats and pings by itself (default true). */
  autoAnswer?: boolean;
  /** Report what the driver does (session open, ready, close codes explained). */
  info?: (message: string, data?: Record<string, unknown>) => void;
}

/** The protocol session refused or failed before it was ready. */
export class SessionError extends CodedError {
  constructor(message: string, code: string) {
    super(code, message);
  }
}

/** Base of the drivers. */
export abstract class SessionDriver {
  abstract readonly protocol: ProtocolName;
  protected transport: SessionTransport | undefined;
  readonly autoAnswer: boolean;
  protected readonly info: (message: string, data?: Record<string, unknown>) => void;
  private readyState: 'waiting' | 'ready' | 'failed' = 'waiting';
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastId = 0;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (e: Error) => void;

  constructor(opts: SessionOptions) {
    this.autoAnswer = opts.autoAnswer ?? true;
    this.info = opts.info ?? (() => undefined);
    this.readyPromise = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.readyPromise.catch(() => undefined);
  }

  /** The URL to open (Socket.IO builds its endpoint from a plain URL). */
  url(url: string): string {
    return url;
  }

  /** Sub-protocols to offer, given those the user offered. */
  subprotocols(offered: string[]): string[] {
    return offered;
  }

  /** The WebSocket is open: start the protocol's own handshake. */
  start(transport: SessionTransport): void {
    this.transport = transport;
    this.onStart();
  }

  protected onStart(): void {
    this.markReady();
  }

  /** A decoded message, in either direction (drivers act on incoming ones). */
  abstract onDecoded(d: Decoded, dir: Dir): void;

  /** Resolves once the protocol session is usable; rejects when it was refused or the connection ended first. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Whether ready() resolved. */
  get isReady(): boolean {
    return this.readyState === 'ready';
  }

  /**
   * Sends one protocol message; resolves with the pairing key of the request it opened (ack id,
   * operation id, invocation id, receipt or subscription id, packet id, JSON-RPC id), as the
   * decoder keys it, or undefined when nothing answers it. Rejects (MessageDefError) for a kind of
   * another protocol.
   */
  async send(m: ProtocolMessage): Promise<string | undefined> {
    if (KIND_PROTOCOL[m.kind] !== this.protocol) throw new MessageDefError(`a "${m.kind}" message cannot be sent on a ${this.protocol} connection`);
    return this.sendOwn(m);
  }

  protected abstract sendOwn(m: ProtocolMessage): Promise<string | undefined>;

  /** The WebSocket closed. */
  closed(code: number, reason: string): void {
    this.stop();
    this.fail(new SessionError(`the connection closed (${code}${reason ? ` ${reason}` : ''}) before the ${this.protocol} session was ready`, 'WSWB_PROTO_CLOSED'));
  }

  /** Stops timers. */
  stop(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** The next id of the session's requests: 1, 2, 3… (back to 1 after `max`). */
  protected newId(max = Number.MAX_SAFE_INTEGER): number {
    this.lastId = this.lastId >= max ? 1 : this.lastId + 1;
    return this.lastId;
  }

  /** Runs the protocol's own heartbeat (client pings, keep-alives) every `ms`, when auto-answer is on. */
  protected startHeartbeat(ms: number, beat: () => void): void {
    if (!this.autoAnswer || !(ms > 0) || this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(beat, ms);
    this.heartbeatTimer.unref?.();
  }

  protected markReady(): void {
    if (this.readyState !== 'waiting') return;
    this.readyState = 'ready';
    this.resolveReady();
  }

  protected fail(e: Error): void {
    if (this.readyState !== 'waiting') return;
    this.readyState = 'failed';
    this.rejectReady(e);
  }

  protected write(msgs: OutMessage[]): void {
    const t = this.transport;
    if (!t) throw new SessionError('the connection is not open', 'WSWB_PROTO_NOT_OPEN');
    for (const m of msgs) {
      if (m.binary) t.sendBinary(m.data);
      else t.sendText(m.text);
    }
  }

  protected text(s: string): void {
    this.write([{ binary: false, text: s }]);
  }
}

/** protocolOptions of Socket.IO. */
export interface SocketIoOptions extends SessionOptions {
  /** Namespace connected at start (default: the URL's path when it is not the Engine.IO path, else `/`). */
  namespace?: string;
  /** Auth payload of the CONNECT packet of every namespace (`socket.handshake.auth` on the server). */
  auth?: Record<string, unknown>;
  /** Engine.IO path (default `/socket.io/`). */
  path?: string;
  /** Extra query parameters of the Engine.IO URL. */
  query?: Record<string, string>;
  /**
   * Engine.IO version: 4 (Socket.IO 3 and 4 servers, the default) or 3 (Socket.IO 2 servers: the
   * client pings, `/` is connected by the server, binary frames carry a 0x04 prefix, no auth
   * payload: put credentials in `query`).
   */
  eio?: 3 | 4;
}

/**
 * The Engine.IO websocket endpoint for a URL: a plain `ws://`/`http://` URL becomes
 * `ws://host/socket.io/?EIO=4&transport=websocket`, its path naming the namespace (as the official
 * client reads `io("http://host/admin")`). A URL that already has `EIO` is used as it is.
 */
export function socketIoEndpoint(url: string, opts: { path?: string; query?: Record<string, string>; eio?: 3 | 4 } = {}): { url: string; namespace: string } {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.searchParams.has('EIO')) return { url: u.toString(), namespace: '/' };
  const namespace = u.pathname && u.pathname !== '/' ? u.pathname.replace(/\/+$/, '') : '/';
  let path = opts.path ?? '/socket.io/';
  if (!path.startsWith('/')) path = `/${path}`;
  if (!path.endsWith('/')) path += '/';
  u.pathname = path;
  u.searchParams.set('EIO', String(opts.eio ?? 4));
  u.searchParams.set('transport', 'websocket');
  for (const [k, v] of Object.entries(opts.query ?? {})) u.searchParams.set(k, v);
  return { url: u.toString(), namespace };
}

/** Socket.IO v4 client: reads the open packet, answers pings, connects namespaces with auth, numbers acks. */
export class SocketIoDriver extends SessionDriver {
  readonly protocol = 'socket.io' as const;
  private namespace: string;
  private opened = false;
  /** Namespaces: a promise settled by the server's CONNECT or CONNECT_ERROR. */
  private readonly nsps = new Map<string, { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void; settled: boolean }>();
  /** Engine.IO session id and timing from the open packet. */
  sid: string | undefined;
  pingInterval: number | undefined;
  pingTimeout: number | undefined;
  private readonly eio: 3 | 4;

  constructor(private readonly opts: SocketIoOptions = {}) {
    super(opts);
    this.namespace = opts.namespace ?? '/';
    this.eio = opts.eio === 3 ? 3 : 4;
  }

  override url(url: string): string {
    const e = socketIoEndpoint(url, this.opts);
    if (this.opts.namespace === undefined) this.namespace = e.namespace;
    return e.url;
  }

  protected override onStart(): void {
    // Nothing to send: the server speaks first (the Engine.IO open packet).
  }

  onDecoded(d: Decoded, dir: Dir): void {
    if (dir !== 'in') return;
    switch (d.type) {
      case 'OPEN': {
        const o = isObject(d.data) ? d.data : {};
        this.sid = typeof o.sid === 'string' ? o.sid : undefined;
        this.pingInterval = typeof o.pingInterval === 'number' ? o.pingInterval : undefined;
        this.pingTimeout = typeof o.pingTimeout === 'number' ? o.pingTimeout : undefined;
        this.opened = true;
        // Engine.IO 3: the client pings, the server answers.
        if (this.eio === 3) this.startHeartbeat(this.pingInterval ?? 0, () => this.text('2'));
        this.connectNamespace(this.namespace, this.opts.auth).then(
          () => this.markReady(),
          (e: Error) => this.fail(e),
        );
        break;
      }
      case 'PING':
        if (this.autoAnswer) this.text('3');
        break;
      case 'CONNECT':
      case 'CONNECT_ERROR': {
        const n = this.nsps.get(String(d.namespace));
        if (!n || n.settled) break;
        n.settled = true;
        if (d.type === 'CONNECT') {
          this.info(`socket.io namespace ${String(d.namespace)} connected`, { namespace: d.namespace, sid: isObject(d.data) ? d.data.sid : undefined });
          n.resolve();
        } else {
          const msg = typeof d.data === 'string' ? d.data : isObject(d.data) && typeof d.data.message === 'string' ? d.data.message : JSON.stringify(d.data);
          n.reject(new SessionError(`socket.io namespace ${String(d.namespace)} refused: ${msg}`, 'WSWB_PROTO_SOCKETIO_CONNECT_ERROR'));
        }
        break;
      }
      case 'DISCONNECT':
        this.nsps.delete(String(d.namespace));
        this.info(`socket.io namespace ${String(d.namespace)} disconnected by the server`, { namespace: d.namespace });
        break;
    }
  }

  /** Sends CONNECT for a namespace (once) and waits for the server's answer. */
  connectNamespace(nsp: string, auth?: Record<string, unknown>): Promise<void> {
    const had = this.nsps.get(nsp);
    if (had) return had.promise;
    let resolve!: () => void, reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined);
    this.nsps.set(nsp, { promise, resolve, reject, settled: false });
    // Socket.IO 2 servers connect `/` by themselves (and know no auth payload).
    if (this.eio === 3 && nsp === '/') return promise;
    this.write(encodeSocketIo({ type: SioType.CONNECT, nsp, ...(auth !== undefined && this.eio === 4 ? { data: auth } : {}) }, this.eio));
    return promise;
  }

  protected async sendOwn(m: ProtocolMessage): Promise<string | undefined> {
    if (m.kind !== 'socket.io') return undefined;
    if (!this.opened) throw new SessionError('the Engine.IO session is not open yet', 'WSWB_PROTO_NOT_READY');
    const nsp = m.namespace ?? this.namespace;
    // One auth for every namespace, as the official client sends its `auth` option with each CONNECT.
    await this.connectNamespace(nsp, this.opts.auth);
    const id = m.ack ? this.newId() : undefined;
    this.write(encodeSocketIo({ type: SioType.EVENT, nsp, data: [m.event, ...(m.args ?? [])], ...(id !== undefined ? { id } : {}) }, this.eio));
    return id !== undefined ? ackKey(nsp, id) : undefined;
  }

  override closed(code: number, reason: string): void {
    for (const n of this.nsps.values()) if (!n.settled) n.reject(new SessionError('the connection closed', 'WSWB_PROTO_CLOSED'));
    super.closed(code, reason);
  }
}

/** protocolOptions of GraphQL over WebSocket. */
export interface GraphqlWsOptions extends SessionOptions {
  /** Payload of connection_init. */
  connectionParams?: Record<string, unknown>;
  /** Speak the legacy subscriptions-transport-ws protocol (sub-protocol `graphql-ws`) instead of graphql-transport-ws. */
  legacy?: boolean;
}

/** GraphQL over WebSocket client: connection_init with connectionParams, waits for connection_ack, answers ping. */
export class GraphqlWsDriver extends SessionDriver {
  readonly protocol = 'graphql-ws' as const;
  private readonly ids = new Map<string, string>();

  constructor(private readonly opts: GraphqlWsOptions = {}) {
    super(opts);
  }

  override subprotocols(offered: string[]): string[] {
    return offered.length ? offered : [this.opts.legacy ? 'graphql-ws' : 'graphql-transport-ws'];
  }

  protected override onStart(): void {
    this.text(JSON.stringify({ type: 'connection_init', ...(this.opts.connectionParams !== undefined ? { payload: this.opts.connectionParams } : {}) }));
  }

  onDecoded(d: Decoded, dir: Dir): void {
    if (dir !== 'in') return;
    if (d.type === 'connection_ack') this.markReady();
    else if (d.type === 'connection_error') this.fail(new SessionError(`connection_init refused: ${JSON.stringify(d.payload)}`, 'WSWB_PROTO_GRAPHQL_CONNECTION_ERROR'));
    else if (d.type === 'ping' && this.autoAnswer) this.text(JSON.stringify({ type: 'pong' }));
  }

  protected async sendOwn(m: ProtocolMessage): Promise<string | undefined> {
    await this.ready();
    if (m.kind === 'graphql') {
      const id = m.name ?? String(this.newId());
      if (m.name !== undefined) this.ids.set(m.name, id);
      const payload = { query: m.query, ...(m.variables !== undefined ? { variables: m.variables } : {}), ...(m.operationName !== undefined ? { operationName: m.operationName } : {}) };
      this.text(JSON.stringify({ type: this.opts.legacy ? 'start' : 'subscribe', id, payload }));
      return id;
    }
    if (m.kind === 'graphql-complete') {
      const id = this.ids.get(m.of) ?? m.of;
      this.text(JSON.stringify({ type: this.opts.legacy ? 'stop' : 'complete', id }));
    }
    return undefined;
  }

  override closed(code: number, reason: string): void {
    const meaning = GRAPHQL_CLOSE_CODES[code];
    if (meaning) this.info(`graphql-ws close ${code}: ${meaning}`, { code, meaning });
    super.closed(code, reason);
  }
}

/** JSON-RPC 2.0 client: nothing to negotiate; request ids assigned 1, 2, 3… */
export class JsonRpcDriver extends SessionDriver {
  readonly protocol = 'json-rpc' as const;

  onDecoded(): void {}

  protected async sendOwn(m: ProtocolMessage): Promise<string | undefined> {
    if (m.kind !== 'json-rpc') return undefined;
    const id = m.notification ? undefined : this.newId();
    this.text(encodeJsonRpc(m.method, m.params, id));
    return id === undefined ? undefined : String(id);
  }
}

/** protocolOptions of MQTT. */
export interface MqttOptions extends SessionOptions {
  /** Client identifier (default `wswb-` and 8 random hex digits). */
  clientId?: string;
  username?: string;
  password?: string;
  /** Keep-alive in seconds (default 60; 0 turns PINGREQ off). */
  keepalive?: number;
  /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Clean session / clean start (default true). */
  clean?: boolean;
}

/**
 * MQTT client over WebSocket: CONNECT → CONNACK, PINGREQ every keep-alive, and the QoS flows
 * completed (PUBACK for QoS 1, PUBREC → PUBREL → PUBCOMP for QoS 2, both ways). With
 * autoAnswer off it neither pings nor acknowledges.
 */
export class MqttDriver extends SessionDriver {
  readonly protocol = 'mqtt' as const;

  constructor(private readonly opts: MqttOptions = {}) {
    super(opts);
  }

  override subprotocols(offered: string[]): string[] {
    return offered.length ? offered : ['mqtt'];
  }

  private get version(): 4 | 5 {
    return this.opts.protocolVersion ?? 4;
  }

  private packet(p: Record<string, unknown>): void {
    this.write([{ binary: true, data: encodeMqtt(p as unknown as MqttPacket, this.version) }]);
  }

  protected override onStart(): void {
    const clientId = this.opts.clientId ?? `wswb-${Math.random().toString(16).slice(2, 10)}`;
    this.packet({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.version,
      clientId,
      clean: this.opts.clean ?? true,
      keepalive: this.opts.keepalive ?? 60,
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: Buffer.from(this.opts.password, 'utf8') } : {}),
    });
  }

  onDecoded(d: Decoded, dir: Dir): void {
    if (dir !== 'in') return;
    const id = d.packetId as number | undefined;
    switch (d.packet) {
      case 'connack': {
        const rc = (d.returnCode ?? d.reasonCode ?? 0) as number;
        if (rc !== 0) {
          this.fail(new SessionError(`CONNACK refused the connection (return code ${rc})`, 'WSWB_PROTO_MQTT_CONNACK_REFUSED'));
          return;
        }
        this.startHeartbeat((this.opts.keepalive ?? 60) * 1000, () => this.packet({ cmd: 'pingreq' }));
        this.markReady();
        return;
      }
      case 'publish':
        if (!this.autoAnswer || id === undefined) return;
        if (d.qos === 1) this.packet({ cmd: 'puback', messageId: id });
        else if (d.qos === 2) this.packet({ cmd: 'pubrec', messageId: id });
        return;
      case 'pubrel':
        if (this.autoAnswer && id !== undefined) this.packet({ cmd: 'pubcomp', messageId: id });
        return;
      case 'pubrec':
        if (this.autoAnswer && id !== undefined) this.packet({ cmd: 'pubrel', messageId: id });
        return;
    }
  }

  protected async sendOwn(m: ProtocolMessage): Promise<string | undefined> {
    if (m.kind !== 'mqtt') return undefined;
    await this.ready();
    const qos = m.qos ?? 0;
    if (m.packet === 'publish') {
      const p = m.payload;
      const payload = p === undefined ? Buffer.alloc(0) : typeof p === 'string' ? Buffer.from(p, 'utf8') : isBinaryJson(p) ? Buffer.from(p.$binary, 'base64') : Buffer.from(JSON.stringify(p), 'utf8');
      const id = qos > 0 ? this.newId(65535) : undefined;
      this.packet({ cmd: 'publish', topic: m.topic, payload, qos, retain: m.retain ?? false, dup: false, ...(id !== undefined ? { messageId: id } : {}) });
      return id === undefined ? undefined : String(id);
    }
    const id = this.newId(65535);
    if (m.packet === 'subscribe') this.packet({ cmd: 'subscribe', messageId: id, subscriptions: [{ topic: m.topic, qos }] });
    else this.packet({ cmd: 'unsubscribe', messageId: id, unsubscriptions: [m.topic] });
    return String(id);
  }

}

/** protocolOptions of SignalR. */
export interface SignalrOptions extends SessionOptions {
  /** Hub protocol: `json` (text records ended by 0x1E, the default) or `messagepack` (binary, varint length-prefixed records). */
  hubProtocol?: 'json' | 'messagepack';
  /** Send a Ping record this often (ms, default 15000 as the official client; 0 = never). */
  keepAliveMs?: number;
}

/**
 * SignalR hub client over a direct WebSocket (the official clients' `skipNegotiation`): handshake
 * `{"protocol":"json"|"messagepack","version":1}` + 0x1E, waits for the empty handshake response,
 * sends Ping records as keep-alive and answers the server's (at most one a second), numbers
 * invocations; a Close record from the server is reported. With `messagepack` every record after
 * the handshake is binary (signalrMsgpack.ts).
 */
export class SignalrDriver extends SessionDriver {
  readonly protocol = 'signalr' as const;
  private lastPing = 0;

  constructor(private readonly opts: SignalrOptions = {}) {
    super(opts);
  }

  private get hubProtocol(): 'json' | 'messagepack' {
    return this.opts.hubProtocol === 'messagepack' ? 'messagepack' : 'json';
  }

  protected override onStart(): void {
    // The handshake is JSON text whatever the hub protocol.
    this.text(encodeSignalr({ protocol: this.hubProtocol, version: 1 }));
  }

  private records(...r: HubRecord[]): void {
    if (this.hubProtocol === 'messagepack') this.write([{ binary: true, data: encodeSignalrMsgpack(...r) }]);
    else this.text(encodeSignalr(...r));
  }

  private ping(): void {
    this.lastPing = Date.now();
    this.records({ type: 6 });
  }

  onDecoded(d: Decoded, dir: Dir): void {
    if (dir !== 'in') return;
    if (d.type === 'HandshakeResponse') {
      if (d.error !== undefined) {
        this.fail(new SessionError(`SignalR handshake refused: ${String(d.error)}`, 'WSWB_PROTO_SIGNALR_HANDSHAKE_ERROR'));
        return;
      }
      this.startHeartbeat(this.opts.keepAliveMs ?? 15_000, () => this.ping());
      this.markReady();
    } else if (d.type === 'Ping') {
      // A server that pings expects traffic back; one answer a second at most, so two answering peers cannot loop.
      if (this.autoAnswer && this.isReady && Date.now() - this.lastPing >= 1000) this.ping();
    } else if (d.type === 'Close') {
      this.info(`signalr hub closed the connection${d.error ? `: ${String(d.error)}` : ''}`, { error: d.error });
    }
  }

  protected async sendOwn(m: ProtocolMessage): Promise<string | undefined> {
    if (m.kind !== 'signalr') return undefined;
    await this.ready();
    const how = m.invocation ?? 'invoke';
    const args = m.arguments ?? [];
    if (how === 'send') {
      this.records({ type: 1, target: m.target, arguments: args });
      return undefined;
    }
    const invocationId = String(this.newId());
    this.records({ type: how === 'stream' ? 4 : 1, invocationId, target: m.target, arguments: args });
    return invocationId;
  }
}

/** protocolOptions of STOMP. */
export interface StompOptions extends SessionOptions {
  /** The CONNECT `host` header (default: the URL's host name). */
  host?: string;
  login?: string;
  passcode?: string;
  /** The CONNECT `heart-beat` header, `cx,cy` in ms (default `10000,10000`). */
  heartBeat?: string;
}

/**
 * STOMP 1.0–1.2 client: CONNECT (accept-version, host, login, heart-beat) → CONNECTED, heart-beat
 * EOLs at the negotiated interval, SUBSCRIBE ids assigned when missing, and ACK of MESSAGEs of
 * `client`/`client-individual` subscriptions. With autoAnswer off it sends neither.
 */
export class StompDriver extends SessionDriver {
  readonly protocol = 'stomp' as const;
  private host = '/';
  /** Ack mode of each subscription id. */
  private readonly ackModes = new Map<string, string>();

  constructor(private readonly opts: StompOptions = {}) {
    super(opts);
  }

  override url(url: string): string {
    this.host = this.opts.host ?? new URL(url).hostname;
    return url;
  }

  override subprotocols(offered: string[]): string[] {
    return offered.length ? offered : ['v12.stomp', 'v11.stomp', 'v10.stomp'];
  }

  protected override onStart(): void {
    const h: Record<string, string> = { 'accept-version': '1.2,1.1,1.0', host: this.host, 'heart-beat': this.opts.heartBeat ?? '10000,10000' };
    if (this.opts.login !== undefined) h.login = this.opts.login;
    if (this.opts.passcode !== undefined) h.passcode = this.opts.passcode;
    this.text(encodeStomp('CONNECT', h));
  }

  onDecoded(d: Decoded, dir: Dir): void {
    if (dir !== 'in') return;
    const h = (d.headers ?? {}) as Record<string, string>;
    if (d.type === 'CONNECTED') {
      // Heart-beating (STOMP 1.2 § Heart-beating): we send every max(our cx, their cy) ms.
      const [cx] = (this.opts.heartBeat ?? '10000,10000').split(',').map(Number);
      const [, sy] = (h['heart-beat'] ?? '0,0').split(',').map(Number);
      if (cx && sy) this.startHeartbeat(Math.max(cx, sy), () => this.text('\n'));
      this.markReady();
    } else if (d.type === 'ERROR' && !this.isReady) {
      this.fail(new SessionError(`STOMP CONNECT refused: ${h.message ?? String(d.body)}`, 'WSWB_PROTO_STOMP_ERROR'));
    } else if (d.type === 'MESSAGE' && this.autoAnswer) {
      const mode = this.ackModes.get(h.subscription ?? '');
      if (mode === 'client' || mode === 'client-individual') this.text(encodeStomp('ACK', { id: h.ack ?? h['message-id'] ?? '', ...(h.ack ? {} : { subscription: h.subscription ?? '' }) }));
    }
  }

  protected async sendOwn(m: ProtocolMessage): Promise<string | undefined> {
    if (m.kind !== 'stomp') return undefined;
    await this.ready();
    const headers = { ...(m.headers ?? {}) };
    if (m.command === 'SUBSCRIBE') {
      headers.id ??= `sub-${this.newId()}`;
      this.ackModes.set(headers.id, headers.ack ?? 'auto');
    }
    this.text(encodeStomp(m.command, headers, m.body ?? ''));
    // Keyed as the decoder keys the frame: a receipt first, else a subscription's id.
    if (headers.receipt !== undefined) return `receipt:${headers.receipt}`;
    return m.command === 'SUBSCRIBE' ? `sub:${headers.id}` : undefined;
  }
}

/** The driver for a protocol, or undefined when the client does not speak it yet. */
export function createDriver(protocol: ProtocolName, options: Record<string, unknown> & SessionOptions = {}): SessionDriver | undefined {
  switch (protocol) {
    case 'socket.io':
      return new SocketIoDriver(options as SocketIoOptions);
    case 'graphql-ws':
      return new GraphqlWsDriver(options as GraphqlWsOptions);
    case 'json-rpc':
      return new JsonRpcDriver(options);
    case 'mqtt':
      return new MqttDriver(options as MqttOptions);
    case 'signalr':
      return new SignalrDriver(options as SignalrOptions);
    case 'stomp':
      return new StompDriver(options as StompOptions);
    default:
      return undefined;
  }
}
