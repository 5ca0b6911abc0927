/**
 * MQTT 3.1.1 and 5 over WebSocket (sub-protocol `mqtt`), with the official mqtt-packet parser and
 * generator (loaded lazily). Each direction has its own stream parser: a packet may span messages
 * and one message may hold several packets. The version comes from the CONNECT packet.
 */
import type { Packet, Parser } from 'mqtt-packet';
import { loadMqttPacket } from '../lazy';
import type { Decoded, Dir, PairRole, ProtocolDecoder, WireMessage } from './types';
import { binaryJson, oneLine, short, strictText, tryJson } from './util';

const REQUESTS = new Set(['publish', 'subscribe', 'unsubscribe']);
const REPLIES: Record<string, PairRole> = { puback: 'reply', pubrec: 'partial', pubcomp: 'reply', suback: 'reply', unsuback: 'reply' };

/** A payload as JSON: the parsed value when it is JSON text, the text when UTF-8, else `{"$binary":…}`. */
function payloadJson(p: Buffer | string | undefined): unknown {
  if (p === undefined) return undefined;
  if (typeof p === 'string') return p;
  const t = strictText(p);
  if (t === undefined) return binaryJson(p);
  const j = t.length > 0 ? tryJson(t) : undefined;
  return j !== undefined && typeof j === 'object' ? j : t;
}

/** The decoded form of one MQTT packet. */
export function describeMqtt(p: Packet): Decoded {
  const name = p.cmd.toUpperCase();
  const d: Decoded = { protocol: 'mqtt', type: name, summary: name, packet: p.cmd };
  const any = p as unknown as Record<string, unknown>;
  if (p.messageId !== undefined) d.packetId = p.messageId;
  if (typeof any.topic === 'string') d.topic = any.topic;
  if (typeof any.qos === 'number') d.qos = any.qos;
  if (p.cmd === 'publish') {
    d.payload = payloadJson(p.payload);
    if (p.retain) d.retain = true;
    if (p.dup) d.dup = true;
  }
  if (p.cmd === 'subscribe') d.subscriptions = p.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos }));
  if (p.cmd === 'unsubscribe') d.unsubscriptions = p.unsubscriptions;
  if (p.cmd === 'suback') d.granted = p.granted;
  if (p.cmd === 'connack') d.returnCode = p.returnCode ?? p.reasonCode;
  if (typeof any.reasonCode === 'number') d.reasonCode = any.reasonCode;
  if (p.cmd === 'connect') {
    d.clientId = p.clientId;
    d.protocolVersion = p.protocolVersion;
    d.keepalive = p.keepalive;
    if (p.username !== undefined) d.username = p.username;
  }
  const id = p.messageId;
  if (id !== undefined && (REQUESTS.has(p.cmd) || REPLIES[p.cmd])) {
    if (p.cmd !== 'publish' || (p.qos ?? 0) > 0) {
      d.key = String(id);
      d.role = REQUESTS.has(p.cmd) ? 'request' : REPLIES[p.cmd];
    }
  }
  if (p.cmd === 'connect') { d.key = 'connect'; d.role = 'request'; }
  if (p.cmd === 'connack') { d.key = 'connect'; d.role = 'reply'; }
  if (p.cmd === 'pingreq') { d.key = 'ping'; d.role = 'request'; }
  if (p.cmd === 'pingresp') { d.key = 'ping'; d.role = 'reply'; }
  switch (p.cmd) {
    case 'publish':
      d.summary = `PUBLISH ${p.topic} qos ${p.qos ?? 0}${id !== undefined && p.qos ? ` id ${id}` : ''}${p.retain ? ' retain' : ''} ${typeof d.payload === 'string' ? oneLine(d.payload, 50) : short(d.payload, 50)}`;
      break;
    case 'subscribe':
      d.summary = `SUBSCRIBE ${p.subscriptions.map((s) => `${s.topic} qos ${s.qos}`).join(', ')} id ${id ?? '?'}`;
      break;
    case 'unsubscribe':
      d.summary = `UNSUBSCRIBE ${p.unsubscriptions.join(', ')} id ${id ?? '?'}`;
      break;
    case 'suback':
      d.summary = `SUBACK ${id ?? '?'} granted ${JSON.stringify(p.granted)}`;
      break;
    case 'connect':
      d.summary = `CONNECT ${p.clientId} v${p.protocolVersion ?? 4} keepalive ${p.keepalive ?? 0}`;
      break;
    case 'connack':
      d.summary = `CONNACK rc ${String(d.returnCode ?? 0)}${p.sessionPresent ? ' session present' : ''}`;
      break;
    default:
      d.summary = `${name}${id !== undefined ? ` ${id}` : ''}`;
  }
  return d;
}

/** Decodes an MQTT-over-WebSocket connection (binary messages). */
export class MqttDecoder implements ProtocolDecoder {
  readonly protocol = 'mqtt' as const;
  private readonly parsers: Partial<Record<Dir, Parser>> = {};
  private version = 4;

  private parser(dir: Dir): Parser {
    let p = this.parsers[dir];
    if (!p) {
      p = loadMqttPacket().parser({ protocolVersion: this.version });
      this.parsers[dir] = p;
    }
    return p;
  }

  decode(msg: WireMessage, dir: Dir): Decoded | undefined {
    const parser = this.parser(dir);
    const got: Packet[] = [];
    let error: string | undefined;
    const onPacket = (p: Packet) => got.push(p);
    const onError = (e: Error) => (error = e.message);
    parser.on('packet', onPacket);
    parser.on('error', onError);
    try {
      parser.parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
    } catch (e) {
      error = (e as Error).message;
    } finally {
      parser.removeListener('packet', onPacket);
      parser.removeListener('error', onError);
    }
    for (const p of got) {
      if (p.cmd === 'connect' && p.protocolVersion && p.protocolVersion !== this.version) {
        // Both directions speak the version the client asked for.
        this.version = p.protocolVersion;
        for (const q of Object.values(this.parsers)) (q as unknown as { settings: { protocolVersion: number } }).settings.protocolVersion = this.version;
      }
    }
    if (error !== undefined) {
      delete this.parsers[dir];
      const why = `MQTT: ${error}`;
      return { protocol: 'mqtt', type: 'invalid', summary: why, invalid: why };
    }
    const items = got.map(describeMqtt);
    if (items.length === 0) return { protocol: 'mqtt', type: 'partial', summary: `part of a packet (${msg.data.length} B)` };
    if (items.length === 1) return items[0];
    return { protocol: 'mqtt', type: 'packets', summary: items.map((i) => i.summary).join('; ').slice(0, 120), items };
  }

  /** The negotiated MQTT protocol level (4 = 3.1.1, 5 = 5.0). */
  get protocolVersion(): number {
    return this.version;
  }
}

/** Encodes one MQTT packet (mqtt-packet's generator). */
export function encodeMqtt(packet: Packet, protocolVersion = 4): Uint8Array {
  return loadMqttPacket().generate(packet, { protocolVersion });
}
