/**
 * The MQTT server side of a mock: a real broker engine (aedes, loaded lazily) behind each
 * connection's WebSocket. What the client sends is recorded by the mock and handed to the broker;
 * what the broker writes goes out through the mock's send path, so both directions are recorded by
 * the same tap. Rules match the topics clients publish or subscribe to (with `+`/`#` filters) and
 * answer by publishing `mqtt` items through the broker (retained or not, at any QoS).
 */
import { Duplex } from 'node:stream';
import { loadAedes, type AedesBroker } from '../../../lazy';
import { MqttDecoder } from '../../../protocols/mqtt';
import { binaryJson, isBinaryJson } from '../../../protocols/util';
import { strictText, tryJson } from '../../../protocols/util';
import type { MockFault, MockMessage } from '../definition';
import { renderJson, type TemplateContext } from '../template';
import { isKindItem, RuledEndpoint, sendRaw, type RulePeer } from './runner';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost } from './types';

/** protocolOptions of an MQTT mock. */
export interface MqttMockOptions {
  /** Credentials CONNECT must carry (default: any, or none). */
  username?: string;
  password?: string;
  /** Client identifiers allowed to connect (default: any). */
  clientIds?: string[];
}

/** A payload as rules and templates see it: JSON when it parses, text when UTF-8, else `{"$binary":…}`. */
function payloadOf(b: Buffer): unknown {
  const t = strictText(b);
  if (t === undefined) return binaryJson(b);
  const j = t.length > 0 ? tryJson(t) : undefined;
  return j !== undefined && typeof j === 'object' ? j : t;
}

/** An `mqtt` item's payload as bytes. */
function payloadBytes(p: unknown): Buffer {
  if (p === undefined) return Buffer.alloc(0);
  if (typeof p === 'string') return Buffer.from(p, 'utf8');
  if (isBinaryJson(p)) return Buffer.from(p.$binary, 'base64');
  return Buffer.from(JSON.stringify(p), 'utf8');
}

class MqttConnection implements ProtocolConnection {
  /** The broker's side of this connection: it reads what the client sent, and writes packets to the client. */
  readonly stream: Duplex;
  private heartbeats = true;
  private decoder: MqttDecoder | undefined;
  count = 0;

  constructor(
    private readonly ep: MqttEndpoint,
    readonly peer: RulePeer,
  ) {
    this.stream = new Duplex({
      read() {},
      // mqtt-packet corks the stream around one packet: its parts leave as one WebSocket message.
      writev(chunks, cb) {
        if (peer.open) peer.sendBinary(Buffer.concat(chunks.map((c) => c.chunk as Buffer)));
        cb();
      },
      write(chunk: Buffer, _enc, cb) {
        if (peer.open) peer.sendBinary(chunk);
        cb();
      },
      final(cb) {
        if (peer.open) peer.close(1000, 'MQTT session ended');
        cb();
      },
    });
    this.stream.on('error', () => undefined);
    ep.broker.then(
      (b) => {
        if (!this.stream.destroyed) b.handle(this.stream);
      },
      (e: Error) => {
        ep.host.info(peer, `mqtt: broker failed to start: ${e.message}`);
        peer.close(1011, 'broker failed');
      },
    );
  }

  message(data: Buffer, binary: boolean): void {
    this.count++;
    if (!this.heartbeats) {
      // Stop answering heartbeats: a message that holds only PINGREQs never reaches the broker.
      this.decoder ??= new MqttDecoder();
      const d = this.decoder.decode({ binary, data }, 'out');
      const items = d?.items ?? (d ? [d] : []);
      if (items.length > 0 && items.every((p) => p.packet === 'pingreq')) return;
    }
    this.stream.push(data);
  }

  fault(f: MockFault): boolean {
    if (f.type === 'noHeartbeat') {
      this.heartbeats = false;
      return true;
    }
    if (f.type === 'malformedPacket') {
      this.peer.sendBinary(Uint8Array.of(0xf0, 0x02, 0xff, 0xff)); // packet type 15 (reserved in 3.1.1), garbage
      return true;
    }
    return false;
  }

  closed(): void {
    this.ep.conns.delete(this);
    this.stream.push(null);
    this.stream.destroy();
  }
}

/** An MQTT mock endpoint: one aedes broker shared by its connections. */
export class MqttEndpoint extends RuledEndpoint<RulePeer> implements ProtocolEndpoint {
  readonly protocol = 'mqtt' as const;
  readonly subprotocols = ['mqtt', 'mqttv3.1'];
  readonly options: MqttMockOptions;
  readonly conns = new Set<MqttConnection>();
  readonly broker: Promise<AedesBroker>;

  constructor(host: ProtocolHost) {
    super(host, 'mqtt');
    this.options = host.ep.protocolOptions as MqttMockOptions;
    this.broker = this.startBroker();
    this.broker.catch(() => undefined);
  }

  protected readyPeers(): RulePeer[] {
    return [...this.conns].map((c) => c.peer);
  }

  private async startBroker(): Promise<AedesBroker> {
    const b = await loadAedes().Aedes.createBroker({ heartbeatInterval: 3_600_000 });
    const o = this.options;
    b.authenticate = (client, username, password, done) => {
      const ok = (o.clientIds === undefined || o.clientIds.includes(client.id)) && (o.username === undefined || username === o.username) && (o.password === undefined || password?.toString('utf8') === o.password);
      if (!ok) this.host.info(this.connOf(client)?.peer, `mqtt: CONNECT refused for client ${client.id}`, { clientId: client.id });
      done(null, ok);
    };
    b.on('publish', (packet, client) => {
      const c = this.connOf(client);
      if (c) this.onPacket(c, 'PUBLISH', packet.topic, payloadOf(packet.payload));
    });
    b.on('subscribe', (subs, client) => {
      const c = this.connOf(client);
      if (c) for (const s of subs) this.onPacket(c, 'SUBSCRIBE', s.topic, { topic: s.topic, qos: s.qos });
    });
    b.on('clientError', (client, err) => this.host.info(this.connOf(client)?.peer, `mqtt: ${err.message}`));
    return b;
  }

  private connOf(client: { conn?: unknown } | null): MqttConnection | undefined {
    if (!client) return undefined;
    for (const c of this.conns) if (c.stream === client.conn) return c;
    return undefined;
  }

  private onPacket(c: MqttConnection, type: string, topic: string, payload: unknown): void {
    const s = { type, topic, payload };
    this.runner.answer(c.peer, { data: Buffer.alloc(0), binary: false, count: c.count, path: c.peer.path, query: c.peer.query }, s, (a) => {
      for (const m of a.respond) this.publish(m);
    });
  }

  protected push(peer: RulePeer, item: MockMessage, ctx: TemplateContext): void {
    if (!isKindItem(item)) return sendRaw(peer, item, ctx);
    this.publish(renderJson(item, ctx) as Record<string, unknown>);
  }

  /** An `mqtt` item: published through the broker to every subscriber of its topic. */
  publish(m: Record<string, unknown>): void {
    if (m.packet !== undefined && m.packet !== 'publish') return;
    const qos = m.qos === 1 || m.qos === 2 ? m.qos : 0;
    void this.broker.then((b) =>
      b.publish({ cmd: 'publish', topic: String(m.topic), payload: payloadBytes(m.payload), qos, retain: m.retain === true, dup: false }, (err) => {
        if (err) this.host.info(undefined, `mqtt: publish to ${String(m.topic)} failed: ${err.message}`);
      }),
    );
  }

  connect(peer: RulePeer): ProtocolConnection {
    const c = new MqttConnection(this, peer);
    this.conns.add(c);
    // aedes reports its own CONNACK; greeting and schedules start once the session is open.
    peer.later(0, () => this.pusher.ready(peer));
    return c;
  }

  override async stop(): Promise<void> {
    await super.stop();
    const b = await this.broker.catch(() => undefined);
    if (b) await new Promise<void>((r) => b.close(() => r()));
  }
}
