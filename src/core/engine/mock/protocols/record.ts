/**
 * Record-to-mock for a recognised protocol: instead of byte-level rules, one rule per event,
 * method, operation, hub method, destination or topic the client used, answered as the server did
 * (its ack, result, completion or `next` payloads as `reply`; what it pushed after it as `respond`
 * items of the protocol's kind). The client's messages are decoded by the same decoders as
 * everywhere else; a transcript imported from HAR goes through here too.
 */
import type { HandshakeEvent, MessageEvent } from '../../events';
import { createDecoder } from '../../../protocols/codecs';
import { ackKey } from '../../../protocols/socketio';
import { detectFromHandshake, fromFirstMessage } from '../../../protocols/detect';
import type { Decoded, ProtocolName } from '../../../protocols/types';
import { isObject } from '../../../protocols/util';
import type { MockDefinition, MockMatch, MockMessage, MockRule } from '../definition';

/** The protocol a recorded client connection spoke, when it is recognised. */
export function recognise(handshake: HandshakeEvent | undefined, messages: MessageEvent[]): ProtocolName | undefined {
  const p = detectFromHandshake(handshake?.subprotocol, handshake?.request.url);
  if (p) return p;
  const first = messages.find((m) => !m.spilled);
  return first ? fromFirstMessage({ binary: first.binary, data: first.data }) : undefined;
}

/** A client request that becomes a rule, with what the server answered. */
interface Recorded {
  signature: string;
  match: MockMatch;
  time: number;
  /** Pairing key of the request (its reply travels under it). */
  key?: string;
  stream?: boolean;
  replies: Decoded[];
  /** What the server pushed after it, as respond items. */
  items: MockMessage[];
  firstAnswer?: number;
  /** Destination / topic the request itself published to (the broker delivers those by itself). */
  own?: string;
}

/** A packet's pairing key; a Socket.IO packet completed by its last attachment pairs under its ack id too. */
function keyOf(d: Decoded): string | undefined {
  if (d.key !== undefined) return d.key;
  return d.type === 'ATTACHMENT' && d.complete && typeof d.ackId === 'number' ? ackKey(String(d.namespace ?? '/'), d.ackId) : undefined;
}

/** The rule a decoded client packet makes, or undefined for packets of the protocol's machinery. */
function requestOf(p: ProtocolName, d: Decoded): Omit<Recorded, 'time' | 'replies' | 'items'> | undefined {
  const key = keyOf(d);
  switch (p) {
    case 'socket.io': {
      const ev = (d.type === 'EVENT' && !d.attachments) || (d.type === 'ATTACHMENT' && d.complete) ? d.event : undefined;
      if (typeof ev !== 'string') return undefined;
      const nsp = String(d.namespace ?? '/');
      return { signature: `${nsp} ${ev}`, match: { event: ev, ...(nsp !== '/' ? { namespace: nsp } : {}) }, ...(key ? { key } : {}) };
    }
    case 'json-rpc':
      if (d.type !== 'request' && d.type !== 'notification') return undefined;
      return { signature: String(d.method), match: { method: String(d.method) }, ...(key ? { key } : {}) };
    case 'graphql-ws': {
      if (d.type !== 'subscribe' && d.type !== 'start') return undefined;
      const pl = isObject(d.payload) ? d.payload : {};
      const op = typeof pl.operationName === 'string' && pl.operationName ? pl.operationName : undefined;
      const q = typeof pl.query === 'string' ? pl.query : '';
      return { signature: op ?? q, match: op ? { operationName: op } : { query: q }, ...(key ? { key } : {}) };
    }
    case 'signalr':
      if (d.type !== 'Invocation' && d.type !== 'StreamInvocation') return undefined;
      return { signature: `${d.type} ${String(d.target)}`, match: { target: String(d.target), ...(d.type === 'StreamInvocation' ? { type: 'StreamInvocation' } : {}) }, ...(key ? { key } : {}), stream: d.type === 'StreamInvocation' };
    case 'stomp': {
      const h = (d.headers ?? {}) as Record<string, string>;
      if ((d.type !== 'SEND' && d.type !== 'SUBSCRIBE') || !h.destination) return undefined;
      return { signature: `${d.type} ${h.destination}`, match: { command: String(d.type), destination: h.destination }, ...(d.type === 'SEND' ? { own: h.destination } : {}) };
    }
    case 'mqtt': {
      if (d.packet === 'publish' && typeof d.topic === 'string') return { signature: `PUBLISH ${d.topic}`, match: { topic: d.topic }, own: d.topic };
      const subs = d.subscriptions as { topic: string }[] | undefined;
      if (d.packet === 'subscribe' && subs?.[0]) return { signature: `SUBSCRIBE ${subs[0].topic}`, match: { topic: subs[0].topic, type: 'SUBSCRIBE' } };
      return undefined;
    }
  }
}

/** A server packet the mock should send by itself (not a reply), as a respond item; undefined when it is machinery. */
function pushOf(p: ProtocolName, d: Decoded, own: string | undefined, subscribing: boolean): MockMessage | undefined {
  switch (p) {
    case 'socket.io':
      if (d.type !== 'EVENT' && !(d.type === 'ATTACHMENT' && d.complete && d.ackId === undefined)) return undefined;
      if (typeof d.event !== 'string') return undefined;
      return { kind: 'socket.io', event: d.event, args: (d.args as unknown[]) ?? [], ...(d.namespace && d.namespace !== '/' ? { namespace: String(d.namespace) } : {}) };
    case 'json-rpc':
      return d.type === 'notification' ? { kind: 'json-rpc', method: String(d.method), ...(d.params !== undefined ? { params: d.params } : {}) } : undefined;
    case 'signalr':
      return d.type === 'Invocation' && d.invocationId === undefined ? { kind: 'signalr', target: String(d.target), arguments: (d.arguments as unknown[]) ?? [] } : undefined;
    case 'stomp': {
      const h = (d.headers ?? {}) as Record<string, string>;
      if (d.type !== 'MESSAGE' || !h.destination || h.destination === own) return undefined;
      const headers: Record<string, string> = { destination: h.destination };
      if (h['content-type']) headers['content-type'] = h['content-type'];
      // To the subscriber that asked (SUBSCRIBE rule), or published to every subscriber (SEND rule).
      return { kind: 'stomp', command: subscribing ? 'MESSAGE' : 'SEND', headers, body: String(d.body ?? '') };
    }
    case 'mqtt':
      if (d.packet !== 'publish' || typeof d.topic !== 'string' || d.topic === own) return undefined;
      return { kind: 'mqtt', packet: 'publish', topic: d.topic, payload: d.payload, qos: (d.qos as 0 | 1 | 2) ?? 0, ...(d.retain ? { retain: true } : {}) };
    case 'graphql-ws':
      return undefined;
  }
}

/** The `reply` of a request from the replies recorded under its key. */
function replyOf(p: ProtocolName, r: Recorded): unknown {
  const rs = r.replies;
  if (rs.length === 0) return undefined;
  switch (p) {
    case 'socket.io':
      // A BINARY_ACK's header holds placeholders; its last attachment holds the arguments with their bytes.
      return (rs.find((x) => x.type === 'ATTACHMENT' && x.complete) ?? rs[0]!).args ?? [];
    case 'json-rpc':
      return rs[0]!.type === 'error' ? { error: rs[0]!.error } : { result: rs[0]!.result };
    case 'graphql-ws': {
      const err = rs.find((x) => x.type === 'error');
      if (err) return { errors: Array.isArray(err.payload) ? err.payload : [err.payload] };
      return rs.filter((x) => x.type === 'next' || x.type === 'data').map((x) => x.payload);
    }
    case 'signalr': {
      const done = rs.find((x) => x.type === 'Completion');
      if (done?.error !== undefined) return { error: done.error };
      if (r.stream) return rs.filter((x) => x.type === 'StreamItem').map((x) => x.item);
      return done?.result;
    }
    default:
      return undefined;
  }
}

const isReplyItem = (d: Decoded) => d.role === 'reply' || d.role === 'partial';

/**
 * The protocol-level mock of one recorded client connection (its messages in order; `dir: out` =
 * the client's). Identical requests share one rule (the first answers).
 */
export function protocolRecordingToMock(
  protocol: ProtocolName,
  messages: MessageEvent[],
  opts: { name: string; echo: boolean; timing: boolean; minDelayMs: number; maxDelayMs: number },
): MockDefinition {
  const decoder = createDecoder(protocol);
  const requests: Recorded[] = [];
  const byKey = new Map<string, Recorded>();
  const greeting: MockMessage[] = [];
  let current: Recorded | undefined;
  for (const m of messages) {
    if (m.spilled) continue;
    const d = decoder.decode({ binary: m.binary, data: m.data }, m.dir);
    if (!d) continue;
    for (const item of d.items ?? [d]) {
      if (m.dir === 'out') {
        const req = requestOf(protocol, item);
        if (!req) continue;
        current = { ...req, time: m.time, replies: [], items: [] };
        requests.push(current);
        if (req.key !== undefined) byKey.set(req.key, current);
        continue;
      }
      const key = keyOf(item);
      const owner = key !== undefined && (isReplyItem(item) || (item.type === 'ATTACHMENT' && item.event === undefined)) ? byKey.get(key) : undefined;
      if (owner) {
        owner.replies.push(item);
        owner.firstAnswer ??= m.time;
        continue;
      }
      const push = pushOf(protocol, item, current?.own, current?.match.command === 'SUBSCRIBE');
      if (!push) continue;
      if (current) {
        current.items.push(push);
        current.firstAnswer ??= m.time;
      } else greeting.push(push);
    }
  }
  const rules: MockRule[] = [];
  const seen = new Set<string>();
  for (const r of requests) {
    if (seen.has(r.signature)) continue;
    seen.add(r.signature);
    const rule: MockRule = { name: r.signature.length > 60 ? r.signature.slice(0, 57) + '...' : r.signature, match: r.match };
    const reply = replyOf(protocol, r);
    if (reply !== undefined) rule.reply = reply;
    if (r.items.length > 0) rule.respond = r.items;
    if (rule.reply === undefined && !rule.respond) continue;
    if (opts.timing && r.firstAnswer !== undefined) {
      const ms = Math.min(opts.maxDelayMs, Math.round(r.firstAnswer - r.time));
      if (ms >= opts.minDelayMs) rule.delay = ms;
    }
    rules.push(rule);
  }
  const def: MockDefinition = { name: opts.name, protocol, echo: opts.echo };
  if (greeting.length > 0) def.greeting = greeting;
  if (rules.length > 0) def.rules = rules;
  return def;
}
