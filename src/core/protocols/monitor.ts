/**
 * What a connection's timeline needs from the protocol layer: which protocol it speaks (the
 * setting, or detection for `auto`), the decoded form of each message, and the pairs and
 * unanswered requests. One monitor per connection; the caller feeds it the handshake and each
 * data message with the event id and a time in ms.
 */
import type { CodecSet, PayloadDecoder } from '../codecs/bindings';
import { createDecoder } from './codecs';
import { detectFromHandshake, fromFirstMessage } from './detect';
import { PairingTable, type Exchange, type PairingOptions, type Unanswered } from './pairing';
import type { Decoded, Dir, ProtocolDecoder, ProtocolName, ProtocolSetting, WireMessage } from './types';

/** Options of a monitor. */
export interface MonitorOptions extends PairingOptions {
  /** Engine.IO framing version for Socket.IO (default 4). */
  eio?: 3 | 4;
  /** `codecs` rules (MessagePack, CBOR, Protobuf) for binary messages no protocol decoder claims. */
  codecs?: CodecSet;
}

/** Decoding and pairing for one connection. */
export class ProtocolMonitor {
  readonly pairs: PairingTable;
  private decoder: ProtocolDecoder | undefined;
  /** auto only: whether the first message was already looked at. */
  private decided: boolean;
  /** The codec rules that hold for this connection (bound at the handshake). */
  private payload: PayloadDecoder | undefined;
  private payloadBound = false;

  constructor(readonly setting: ProtocolSetting, private readonly opts: MonitorOptions = {}) {
    this.pairs = new PairingTable(opts);
    this.decided = setting !== 'auto';
    if (setting !== 'auto' && setting !== 'raw') this.decoder = createDecoder(setting, opts);
  }

  /** The protocol being decoded (undefined while auto has not recognised one, and for raw). */
  get protocol(): ProtocolName | undefined {
    return this.decoder?.protocol;
  }

  /** Whether `codecs` rules may still decode this connection's binary messages (none bound, or none held for it: false). */
  get decodesPayloads(): boolean {
    return this.opts.codecs !== undefined && (!this.payloadBound || this.payload !== undefined);
  }

  /** The handshake: for auto, the negotiated sub-protocol and the URL may name the protocol. */
  handshake(subprotocol: string | undefined, url: string | undefined): void {
    this.bindPayload(subprotocol, url);
    if (this.setting !== 'auto' || this.decoder) return;
    const p = detectFromHandshake(subprotocol, url);
    if (p) {
      this.decoder = createDecoder(p, this.opts);
      this.decided = true;
    }
  }

  /** Decodes one data message and pairs it; `time` in ms (a fine clock gives fine latencies). */
  message(msg: WireMessage, dir: Dir, eventId: number, time: number): { decoded?: Decoded; exchanges: Exchange[] } {
    if (!this.decoder && !this.decided) {
      this.decided = true;
      const p = fromFirstMessage(msg);
      if (p) this.decoder = createDecoder(p, this.opts);
    }
    const decoded = this.decoder?.decode(msg, dir);
    if (!decoded) {
      if (!msg.binary || !this.opts.codecs) return { exchanges: [] };
      if (!this.payloadBound) this.bindPayload(undefined, undefined);
      const p = this.payload?.decode(msg, dir);
      return p ? { decoded: p, exchanges: [] } : { exchanges: [] };
    }
    return { decoded, exchanges: this.pairs.observe(decoded, dir, eventId, time) };
  }

  private bindPayload(subprotocol: string | undefined, url: string | undefined): void {
    this.payloadBound = true;
    this.payload = this.opts.codecs?.forConnection(subprotocol, url);
  }

  /** Requests past their timeout at `now`. */
  expire(now: number): Unanswered[] {
    return this.pairs.expire(now);
  }

  /** Requests still waiting when the connection ends. */
  drain(now: number): Unanswered[] {
    return this.pairs.drain(now);
  }
}

/** The decoded packet without the fields only the pairing table reads (what NDJSON prints). */
export function publicDecoded(d: Decoded): Record<string, unknown> {
  // summary may be a getter (LazyPacket): named explicitly, it is read and comes third.
  const { protocol, type, summary } = d;
  const o: Record<string, unknown> = { protocol, type, summary };
  for (const k of Object.keys(d)) {
    if (k === 'role' || k === 'protocol' || k === 'type' || k === 'summary') continue;
    o[k] = k === 'items' ? d.items!.map(publicDecoded) : d[k];
  }
  // Fields a packet parses only when read (Socket.IO arguments): read them by name.
  const lazy = (d as { lazyFields?: () => readonly string[] }).lazyFields?.();
  if (lazy) for (const k of lazy) if (d[k] !== undefined) o[k] = d[k];
  return o;
}
