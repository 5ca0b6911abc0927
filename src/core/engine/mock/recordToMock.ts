/**
 * Record-to-mock: turns a client session's timeline into a mock definition that replays the
 * server's side in order. Server messages before the client's first message become the greeting;
 * each client message becomes a rule matching it, answered by the server messages that followed it
 * (with the recorded delay before the first). A message the client sent several times with
 * different answers gets one rule per occurrence, told apart by its position (`count`).
 */
import type { HandshakeEvent, MessageEvent, TimelineEvent } from '../events';
import type { MockDefinition, MockMatch, MockMessage, MockRule } from './definition';
import { isSendableCloseCode } from './validate';
import { loadProtocols } from '../../lazy';

/** Options of recordingToMock. */
export interface RecordToMockOptions {
  /** Name of the mock (default "recorded"). */
  name?: string;
  /** Which connection of the timeline to use (default: the first one that has messages). */
  connection?: string;
  /** Keep the recorded delay between a client message and the first answer (default true). */
  timing?: boolean;
  /** Delays shorter than this are dropped (default 5 ms: network noise). */
  minDelayMs?: number;
  /** Delays are capped at this (default 10 s). */
  maxDelayMs?: number;
  /** Echo messages no recorded rule matches (default false: a replay answers only what it saw). */
  echo?: boolean;
  /**
   * `auto` (default): a session whose protocol is recognised (sub-protocol, URL, first message)
   * becomes a protocol mock with one rule per event/method/operation; `raw`: byte-level rules always.
   */
  protocol?: 'auto' | 'raw';
}

interface Exchange {
  request: MessageEvent;
  /** 1-based index among the client's messages. */
  index: number;
  responses: MessageEvent[];
}

/** Builds a MockDefinition replaying the server side of one recorded client connection. */
export function recordingToMock(events: TimelineEvent[], opts: RecordToMockOptions = {}): MockDefinition {
  const connection = opts.connection ?? events.find((e) => e.kind === 'message')?.connection;
  const mine = events.filter((e) => connection === undefined || e.connection === connection);
  const messages = mine.filter((e): e is MessageEvent => e.kind === 'message');
  const timing = opts.timing ?? true;
  const minDelay = opts.minDelayMs ?? 5;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  if ((opts.protocol ?? 'auto') === 'auto') {
    const { recognise, protocolRecordingToMock } = loadProtocols();
    const protocol = recognise(mine.find((e): e is HandshakeEvent => e.kind === 'handshake'), messages);
    if (protocol) return protocolRecordingToMock(protocol, messages, { name: opts.name ?? 'recorded', echo: opts.echo ?? false, timing, minDelayMs: minDelay, maxDelayMs: maxDelay });
  }
  const greeting: MessageEvent[] = [];
  const exchanges: Exchange[] = [];
  for (const m of messages) {
    if (m.dir === 'out') exchanges.push({ request: m, index: exchanges.length + 1, responses: [] });
    else if (exchanges.length === 0) greeting.push(m);
    else exchanges[exchanges.length - 1]!.responses.push(m);
  }

  // Group by what the client sent: identical requests with identical answers share one rule.
  const byKey = new Map<string, Exchange[]>();
  for (const x of exchanges) {
    const k = keyOf(x.request);
    const list = byKey.get(k);
    if (list) list.push(x);
    else byKey.set(k, [x]);
  }
  const rules: MockRule[] = [];
  const emitted = new Set<string>();
  for (const x of exchanges) {
    const k = keyOf(x.request);
    const same = byKey.get(k)!;
    const allAlike = same.every((s) => JSON.stringify(s.responses.map(keyOf)) === JSON.stringify(same[0]!.responses.map(keyOf)));
    if (allAlike && emitted.has(k)) continue;
    emitted.add(k);
    const match: MockMatch = matchOf(x.request);
    if (!allAlike) match.count = x.index;
    const rule: MockRule = { name: `#${x.index} ${preview(x.request)}`, match, respond: x.responses.map(messageOf) };
    const first = x.responses[0];
    if (timing && first) {
      const d = Math.min(maxDelay, Math.round(first.time - x.request.time));
      if (d >= minDelay) rule.delay = d;
    }
    rules.push(rule);
  }

  const def: MockDefinition = { name: opts.name ?? 'recorded', echo: opts.echo ?? false };
  const hs = mine.find((e) => e.kind === 'handshake');
  if (hs && hs.kind === 'handshake' && hs.subprotocol) def.subprotocols = [hs.subprotocol];
  if (greeting.length > 0) def.greeting = greeting.map(messageOf);
  if (rules.length > 0) def.rules = rules;

  const close = mine.find((e) => e.kind === 'close');
  if (close && close.kind === 'close' && close.initiator === 'server' && isSendableCloseCode(close.code)) {
    const last = exchanges[exchanges.length - 1];
    const lastRule = last ? rules.find((r) => r.name === `#${last.index} ${preview(last.request)}`) : undefined;
    if (lastRule) lastRule.close = { code: close.code, ...(close.reason ? { reason: close.reason } : {}) };
    else {
      const lastTime = messages[messages.length - 1]?.time ?? close.time;
      def.faults = [{ type: 'close', code: close.code, ...(close.reason ? { reason: close.reason } : {}), afterMs: timing ? Math.max(0, Math.min(maxDelay, Math.round(close.time - lastTime))) : 0 }];
    }
  }
  return def;
}

/** The same, reading spilled payloads back from a TimelineStore first. */
export async function storeToMock(
  store: { length: number; slice(from: number, to: number): TimelineEvent[]; readPayload(id: number): Promise<Uint8Array> },
  opts: RecordToMockOptions = {},
): Promise<MockDefinition> {
  const events = store.slice(0, store.length);
  const full = await Promise.all(
    events.map(async (e) => (e.kind === 'message' && (e as { spilled?: boolean }).spilled ? { ...e, data: await store.readPayload(e.id) } : e)),
  );
  return recordingToMock(full, opts);
}

function keyOf(m: MessageEvent): string {
  return `${m.binary ? 'b' : 't'}:${Buffer.from(m.data).toString(m.binary ? 'hex' : 'utf8')}`;
}

function matchOf(m: MessageEvent): MockMatch {
  if (m.binary) return { binary: true, binaryPrefix: Buffer.from(m.data).toString('hex') };
  return { text: Buffer.from(m.data).toString('utf8') };
}

function messageOf(m: MessageEvent): MockMessage {
  if (m.binary) return { hex: Buffer.from(m.data).toString('hex') };
  const text = Buffer.from(m.data).toString('utf8');
  // Recorded text is data, not a template.
  return text.includes('{{') ? { text, literal: true } : text;
}

function preview(m: MessageEvent): string {
  const s = m.binary ? `<${m.size} bytes>` : Buffer.from(m.data).toString('utf8');
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}
