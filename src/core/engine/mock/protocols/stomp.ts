/**
 * The STOMP 1.0–1.2 server side of a mock, as a small broker: CONNECT/STOMP checked against
 * `login`/`passcode` (ERROR and close when wrong), CONNECTED with negotiated heart-beats (EOLs
 * sent at the agreed interval; a silent client is closed), SUBSCRIBE/UNSUBSCRIBE, every SEND
 * delivered as MESSAGE to the subscribers of its destination, ack modes (`client`,
 * `client-individual`: MESSAGE carries an `ack` id the client ACKs or NACKs), RECEIPT for every
 * frame with a `receipt` header. Rules match `command` and `destination` and answer with frames.
 */
import { encodeStomp, StompDecoder } from '../../../protocols/stomp';
import type { Decoded } from '../../../protocols/types';
import type { MockFault, MockMessage } from '../definition';
import { pathMatches } from '../definition';
import { renderJson, type TemplateContext } from '../template';
import { isKindItem, RuledEndpoint, sendRaw, type Answer, type RulePeer } from './runner';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost } from './types';

/** protocolOptions of a STOMP mock. */
export interface StompMockOptions {
  /** The server's heart-beat header `sx,sy` (ms it can send, ms it wants to receive; default `10000,10000`). */
  heartBeat?: string;
  /** Credentials CONNECT must carry (default: any). */
  login?: string;
  passcode?: string;
}

interface Subscription {
  id: string;
  destination: string;
  ack: string;
}

class StompConnection implements ProtocolConnection {
  private readonly decoder = new StompDecoder();
  readonly subs = new Map<string, Subscription>();
  /** MESSAGEs waiting for ACK/NACK (client ack modes), by ack id. */
  readonly unacked = new Map<string, { sub: string; messageId: string }>();
  private connected = false;
  private heartbeats = true;
  private count = 0;
  private lastHeard = Date.now();

  constructor(
    private readonly ep: StompEndpoint,
    readonly peer: RulePeer,
  ) {}

  private frame(command: string, headers: Record<string, string> = {}, body = ''): void {
    this.peer.sendText(encodeStomp(command, headers, body));
  }

  message(data: Buffer, binary: boolean): void {
    this.count++;
    this.lastHeard = Date.now();
    const d = this.decoder.decode({ binary, data });
    if (!d) return;
    if (d.type === 'invalid') return this.error(String(d.invalid));
    for (const f of d.items ?? [d]) this.onFrame(f, data);
  }

  private error(message: string, receipt?: string): void {
    this.frame('ERROR', { message: message.replace(/[\r\n]/g, ' ').slice(0, 200), ...(receipt ? { 'receipt-id': receipt } : {}) });
    this.peer.later(10, () => this.peer.close(1000, 'STOMP ERROR'));
  }

  private onFrame(f: Decoded, data: Buffer): void {
    if (f.type === 'HEARTBEAT') return;
    const h = (f.headers ?? {}) as Record<string, string>;
    const command = String(f.command);
    if (command === 'CONNECT' || command === 'STOMP') return this.connect(h);
    if (!this.connected) return this.error('not connected: send CONNECT first');
    switch (command) {
      case 'SUBSCRIBE':
        if (!h.destination || h.id === undefined) return this.error('SUBSCRIBE needs destination and id', h.receipt);
        this.subs.set(h.id, { id: h.id, destination: h.destination, ack: h.ack ?? 'auto' });
        break;
      case 'UNSUBSCRIBE':
        this.subs.delete(h.id ?? '');
        break;
      case 'ACK':
      case 'NACK':
        this.unacked.delete(h.id ?? h['message-id'] ?? '');
        break;
      case 'SEND':
        if (!h.destination) return this.error('SEND needs a destination', h.receipt);
        break;
    }
    const s = { type: command, command, ...(h.destination !== undefined ? { destination: h.destination } : {}), payload: f.json !== undefined ? f.json : f.body, text: String(f.body ?? '') };
    const after = (a?: Answer) => {
      if (a) this.answer(a);
      if (command === 'SEND') this.ep.publish(h.destination!, stripTransport(h), String(f.body ?? ''));
      const dropped = a?.rule.faults?.some((x) => x.type === 'dropReply');
      if (h.receipt !== undefined && !dropped) this.frame('RECEIPT', { 'receipt-id': h.receipt });
      if (command === 'DISCONNECT') this.peer.later(h.receipt !== undefined ? 20 : 0, () => this.peer.close(1000, 'DISCONNECT'));
    };
    const fired = this.ep.runner.answer(this.peer, { data, binary: false, count: this.count, path: this.peer.path, query: this.peer.query }, s, after);
    if (!fired) after();
  }

  private connect(h: Record<string, string>): void {
    const o = this.ep.options;
    if ((o.login !== undefined && h.login !== o.login) || (o.passcode !== undefined && h.passcode !== o.passcode)) {
      this.ep.host.info(this.peer, 'stomp: CONNECT refused (login/passcode)');
      return this.error('Bad credentials');
    }
    const versions = (h['accept-version'] ?? '1.0').split(',');
    const version = ['1.2', '1.1', '1.0'].find((v) => versions.includes(v)) ?? '1.0';
    const [sx = 0, sy = 0] = (o.heartBeat ?? '10000,10000').split(',').map(Number);
    const [cx = 0, cy = 0] = (h['heart-beat'] ?? '0,0').split(',').map(Number);
    this.connected = true;
    this.frame('CONNECTED', { version, 'heart-beat': `${sx},${sy}`, server: 'websocket-workbench-mock', session: this.peer.id });
    // STOMP 1.2 § Heart-beating: we send every max(sx, cy); we expect the client every max(cx, sy).
    if (sx > 0 && cy > 0) {
      const every = Math.max(sx, cy);
      const beat = () => {
        if (!this.heartbeats) return;
        this.peer.sendText('\n');
        this.peer.later(every, beat);
      };
      this.peer.later(every, beat);
    }
    if (cx > 0 && sy > 0) {
      const expect = Math.max(cx, sy);
      const check = () => {
        if (Date.now() - this.lastHeard > expect * 2) {
          this.ep.host.info(this.peer, `stomp: no heart-beat from the client for ${expect * 2} ms: closing`);
          this.peer.close(1000, 'heart-beat timeout');
          return;
        }
        this.peer.later(expect, check);
      };
      this.peer.later(expect, check);
    }
    this.ep.pusher.ready(this.peer);
  }

  private answer(a: Answer): void {
    for (const m of a.respond) this.ep.sendItem(this, m, Boolean(a.rule.broadcast));
  }

  /** Delivers a MESSAGE to every subscription of this client whose destination matches. */
  deliver(destination: string, headers: Record<string, string>, body: string, subscription?: string): number {
    let n = 0;
    for (const sub of this.subs.values()) {
      if (subscription !== undefined ? sub.id !== subscription : !pathMatches(sub.destination, destination)) continue;
      const messageId = `${this.peer.id}-${this.ep.nextMessageId()}`;
      const hs: Record<string, string> = { ...headers, destination, subscription: sub.id, 'message-id': messageId };
      if (sub.ack !== 'auto') {
        hs.ack = messageId;
        this.unacked.set(messageId, { sub: sub.id, messageId });
      }
      this.frame('MESSAGE', hs, body);
      n++;
    }
    return n;
  }

  fault(f: MockFault): boolean {
    if (f.type === 'noHeartbeat') {
      this.heartbeats = false;
      return true;
    }
    if (f.type === 'malformedPacket') {
      this.peer.sendText('MESSAGE\ndestination:/broken\n\nno NUL terminator');
      return true;
    }
    return false;
  }

  closed(): void {
    this.ep.conns.delete(this);
  }
}

/** Headers a SEND carries that are not passed on to the MESSAGE. */
function stripTransport(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (k !== 'receipt' && k !== 'destination' && k !== 'transaction' && k !== 'content-length') out[k] = v;
  return out;
}

/** A STOMP mock endpoint: the broker's subscriptions live in its connections. */
export class StompEndpoint extends RuledEndpoint<RulePeer> implements ProtocolEndpoint {
  readonly protocol = 'stomp' as const;
  readonly subprotocols = ['v12.stomp', 'v11.stomp', 'v10.stomp'];
  readonly options: StompMockOptions;
  readonly conns = new Set<StompConnection>();
  private messageSeq = 0;

  constructor(host: ProtocolHost) {
    super(host, 'stomp');
    this.options = host.ep.protocolOptions as StompMockOptions;
  }

  protected readyPeers(): RulePeer[] {
    return [...this.conns].map((c) => c.peer);
  }

  nextMessageId(): number {
    return ++this.messageSeq;
  }

  /** A SEND: MESSAGE to every subscriber of the destination. */
  publish(destination: string, headers: Record<string, string>, body: string): number {
    let n = 0;
    for (const c of this.conns) if (c.peer.open) n += c.deliver(destination, headers, body);
    return n;
  }

  protected push(peer: RulePeer, item: MockMessage, ctx: TemplateContext): void {
    if (!isKindItem(item)) return sendRaw(peer, item, ctx);
    const c = [...this.conns].find((x) => x.peer === peer || x.peer.id === peer.id);
    if (c) this.sendItem(c, renderJson(item, ctx) as Record<string, unknown>, false);
  }

  /** A `stomp` item: SEND publishes to the destination; MESSAGE goes to the client's (or, broadcast, every) matching subscription; other frames are sent as they are. */
  sendItem(c: StompConnection, m: Record<string, unknown>, broadcast: boolean): void {
    const command = String(m.command);
    const headers = { ...((m.headers ?? {}) as Record<string, string>) };
    const body = typeof m.body === 'string' ? m.body : m.body === undefined ? '' : JSON.stringify(m.body);
    const destination = headers.destination ?? '';
    if (command === 'SEND') {
      this.publish(destination, stripTransport(headers), body);
    } else if (command === 'MESSAGE') {
      const rest = stripTransport(headers);
      const sub = headers.subscription;
      delete rest.subscription;
      for (const t of broadcast ? [...this.conns] : [c]) if (t.peer.open) t.deliver(destination, rest, body, t === c ? sub : undefined);
    } else {
      for (const t of broadcast ? [...this.conns] : [c]) if (t.peer.open) t.peer.sendText(encodeStomp(command, headers, body));
    }
  }

  connect(peer: RulePeer): ProtocolConnection {
    const c = new StompConnection(this, peer);
    this.conns.add(c);
    return c;
  }

}
