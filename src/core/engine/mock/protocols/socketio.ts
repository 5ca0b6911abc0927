/**
 * The Socket.IO v4 server side of a mock, on the websocket transport: the Engine.IO open packet
 * and pings (with the ping timeout a real server applies), namespaces with a connect-time auth
 * check (CONNECT_ERROR when it fails), events matched by rules, acks, rooms (`join`/`leave`) and
 * broadcast to a namespace or a room. Packets are decoded by the client's SocketIoDecoder (so the
 * decoded shapes are the same) and encoded by encodeSocketIo.
 */
import { encodeSocketIo, SioType, SocketIoDecoder } from '../../../protocols/socketio';
import type { Decoded } from '../../../protocols/types';
import { isBinaryJson } from '../../../protocols/util';
import type { MockFault, MockMessage } from '../definition';
import { isKindItem, RuledEndpoint, sendRaw, type Answer, type RulePeer } from './runner';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost } from './types';
import { paramsMatch } from './util';
import { renderJson, renderTemplate, type TemplateContext } from '../template';

/** protocolOptions of a Socket.IO mock. */
export interface SocketIoMockOptions {
  /** Engine.IO ping interval (ms, default 25000). */
  pingInterval?: number;
  /** How long a ping waits for its pong before the server closes (ms, default 20000). */
  pingTimeout?: number;
  /** Namespaces clients may connect (default: any). */
  namespaces?: string[];
  /** Required auth payload: each key must equal (`"*"`: be present). A mismatch answers CONNECT_ERROR. */
  auth?: Record<string, unknown>;
  /** Message of the CONNECT_ERROR sent when the auth check fails (default "unauthorized"). */
  authError?: string;
}

interface SioPeer extends RulePeer {
  sio?: SioConnection;
}

/** One client's Engine.IO/Socket.IO state. */
class SioConnection implements ProtocolConnection {
  readonly decoder = new SocketIoDecoder(4);
  /** Connected namespaces, each with its socket id and rooms. */
  readonly nsps = new Map<string, { sid: string; rooms: Set<string> }>();
  private pingTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private heartbeats = true;
  private count = 0;

  constructor(
    private readonly ep: SocketIoEndpoint,
    readonly peer: SioPeer,
  ) {
    peer.sio = this;
    const o = ep.options;
    const sid = ep.host.uuid().replace(/-/g, '').slice(0, 20);
    peer.sendText(`0${JSON.stringify({ sid, upgrades: [], pingInterval: o.pingInterval ?? 25_000, pingTimeout: o.pingTimeout ?? 20_000, maxPayload: 1_000_000 })}`);
    this.armPing();
  }

  private armPing(): void {
    const o = this.ep.options;
    this.pingTimer = setTimeout(() => {
      if (!this.peer.open || !this.heartbeats) return;
      this.peer.sendText('2');
      this.pongTimer = setTimeout(() => {
        this.ep.host.info(this.peer, 'socket.io: no pong within pingTimeout: closing', { pingTimeout: o.pingTimeout ?? 20_000 });
        this.peer.close(1000, 'ping timeout');
      }, o.pingTimeout ?? 20_000);
    }, o.pingInterval ?? 25_000);
  }

  message(data: Buffer, binary: boolean): void {
    this.count++;
    // The hot case of a mock without rules: an event on `/` with no ack id (`42[…`) echoed as it came.
    if (!binary && this.ep.runner.empty && data[0] === 0x34 && data[1] === 0x32 && data[2] === 0x5b && this.ep.host.ep.echo && this.nsps.has('/')) {
      this.peer.sendText(data);
      return;
    }
    const d = this.decoder.decode({ binary, data }, 'out');
    if (!d) return;
    switch (d.type) {
      case 'PONG':
        clearTimeout(this.pongTimer);
        if (this.heartbeats) this.armPing();
        return;
      case 'PING':
        if (this.heartbeats) this.peer.sendText(`3${typeof d.data === 'string' ? d.data : ''}`);
        return;
      case 'CLOSE':
        this.peer.close(1000, 'client closed the Engine.IO session');
        return;
      case 'CONNECT':
        this.connect(String(d.namespace), d.data);
        return;
      case 'DISCONNECT':
        this.nsps.delete(String(d.namespace)); // its rooms go with it
        return;
      case 'EVENT':
      case 'BINARY_EVENT':
        if (d.attachments) return; // the event is complete with its last attachment
        this.onEvent(d, data, binary);
        return;
      case 'ATTACHMENT':
        if (d.complete && d.event !== undefined) this.onEvent(d, data, binary);
        return;
      case 'INVALID':
        this.ep.host.info(this.peer, `socket.io: ${String(d.invalid)}`, { invalid: d.invalid });
        return;
    }
  }

  private connect(nsp: string, auth: unknown): void {
    const o = this.ep.options;
    if (o.namespaces && !o.namespaces.includes(nsp)) {
      this.write({ type: SioType.CONNECT_ERROR, nsp, data: { message: 'Invalid namespace' } });
      return;
    }
    if (o.auth && !paramsMatch(o.auth, auth)) {
      this.ep.host.info(this.peer, `socket.io: auth refused for ${nsp}`, { namespace: nsp });
      this.write({ type: SioType.CONNECT_ERROR, nsp, data: { message: o.authError ?? 'unauthorized' } });
      return;
    }
    const sid = this.ep.host.uuid().replace(/-/g, '').slice(0, 20);
    this.nsps.set(nsp, { sid, rooms: new Set([sid]) });
    this.write({ type: SioType.CONNECT, nsp, data: { sid } });
    // Greeting and schedules once, at the first namespace connected (items for other namespaces wait until they are).
    if (this.nsps.size === 1) this.ep.pusher.ready(this.peer);
  }

  private onEvent(d: Decoded, data: Buffer, binary: boolean): void {
    const nsp = String(d.namespace ?? '/');
    if (!this.nsps.has(nsp)) return; // a real server drops events of namespaces the client has not connected
    const args = Array.isArray(d.args) ? d.args : [];
    const ackId = typeof d.ackId === 'number' ? d.ackId : undefined;
    const s = { type: 'EVENT', event: typeof d.event === 'string' ? d.event : String(d.event), namespace: nsp, payload: args };
    const fired = this.ep.runner.answer(this.peer, { data, binary, count: this.count, path: this.peer.path, query: this.peer.query }, s, (a) => this.deliver(a, nsp, ackId));
    if (fired || !this.ep.host.ep.echo) return;
    // Echo: the same event back to the sender (and its arguments as the ack, when one was asked).
    if (ackId === undefined && !binary && !d.attachments && d.type === 'EVENT') this.peer.sendText(data);
    else this.write({ type: SioType.EVENT, nsp, data: [d.event, ...args] });
    if (ackId !== undefined) this.write({ type: SioType.ACK, nsp, id: ackId, data: args });
  }

  private deliver(a: Answer, nsp: string, ackId: number | undefined): void {
    const rooms = this.nsps.get(nsp)?.rooms;
    for (const r of toList(a.rule.join)) rooms?.add(renderTemplate(r, a.ctx));
    for (const r of toList(a.rule.leave)) rooms?.delete(renderTemplate(r, a.ctx));
    const room = a.rule.room !== undefined ? renderTemplate(a.rule.room, a.ctx) : undefined;
    for (const item of a.respond) {
      const target = String(item.namespace ?? nsp);
      const packet = { type: SioType.EVENT, nsp: target, data: [item.event, ...(Array.isArray(item.args) ? item.args : [])] };
      const to = a.rule.broadcast ? this.ep.members(target, room) : this.nsps.has(target) ? [this] : [];
      for (const c of to) c.write(packet);
    }
    if (a.reply !== undefined && ackId !== undefined) this.write({ type: SioType.ACK, nsp, id: ackId, data: Array.isArray(a.reply) ? a.reply : [a.reply] });
  }

  /** Writes one Socket.IO packet (several WebSocket messages when it carries bytes). */
  write(p: { type: number; nsp: string; data?: unknown; id?: number }): void {
    if (!this.peer.open) return;
    if (!hasBytes(p.data)) {
      // What socket.io-parser's Encoder writes for a packet without attachments, without its deep copy.
      this.peer.sendText(`4${p.type}${p.nsp === '/' ? '' : `${p.nsp},`}${p.id ?? ''}${p.data === undefined ? '' : JSON.stringify(p.data)}`);
      return;
    }
    for (const m of encodeSocketIo(p)) {
      if (m.binary) this.peer.sendBinary(m.data);
      else this.peer.sendText(m.text);
    }
  }

  fault(f: MockFault): boolean {
    if (f.type === 'noHeartbeat') {
      this.heartbeats = false;
      clearTimeout(this.pingTimer);
      clearTimeout(this.pongTimer);
      return true;
    }
    if (f.type === 'malformedPacket') {
      this.peer.sendText('42["unterminated"');
      return true;
    }
    return false;
  }

  closed(): void {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.ep.conns.delete(this);
  }
}

/** Whether a value holds `{"$binary":…}` anywhere (then it travels as attachments). */
function hasBytes(v: unknown, depth = 0): boolean {
  if (typeof v !== 'object' || v === null || depth > 64) return false;
  if (Array.isArray(v)) return v.some((x) => hasBytes(x, depth + 1));
  if (isBinaryJson(v)) return true;
  for (const k in v) if (hasBytes((v as Record<string, unknown>)[k], depth + 1)) return true;
  return false;
}

function toList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A Socket.IO mock endpoint: its connections, rooms and rules. */
export class SocketIoEndpoint extends RuledEndpoint<SioPeer> implements ProtocolEndpoint {
  readonly protocol = 'socket.io' as const;
  readonly subprotocols: string[] = [];
  readonly options: SocketIoMockOptions;
  readonly conns = new Set<SioConnection>();

  constructor(host: ProtocolHost) {
    super(host, 'socket.io');
    this.options = host.ep.protocolOptions as SocketIoMockOptions;
  }

  protected readyPeers(): SioPeer[] {
    return [...this.conns].map((c) => c.peer);
  }

  protected push(peer: SioPeer, item: MockMessage, ctx: TemplateContext): void {
    if (!isKindItem(item)) return sendRaw(peer, item, ctx);
    const c = peer.sio;
    const rendered = renderJson(item, ctx) as Record<string, unknown>;
    const nsp = String(rendered.namespace ?? '/');
    if (!c || !c.nsps.has(nsp)) return;
    c.write({ type: SioType.EVENT, nsp, data: [rendered.event, ...(Array.isArray(rendered.args) ? rendered.args : [])] });
  }

  /** Connections in a namespace (and a room of it, when given). */
  members(nsp: string, room: string | undefined): SioConnection[] {
    const out: SioConnection[] = [];
    for (const c of this.conns) {
      const n = c.nsps.get(nsp);
      if (n && c.peer.open && (room === undefined || n.rooms.has(room))) out.push(c);
    }
    return out;
  }

  connect(peer: RulePeer): ProtocolConnection {
    const c = new SioConnection(this, peer);
    this.conns.add(c);
    return c;
  }

}
