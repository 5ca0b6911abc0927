/**
 * What a recorded session can become: a replay schedule (the client's messages again, with the
 * original, compressed or no timing) and a mock definition that answers like the recorded server
 * (record-to-mock). Pure: the extension and CLI drive a Connection / MockServer with the result.
 */
import type { MessageEvent, TimelineEvent } from '../engine/events';
import type { MockDefinition, MockMessage, MockRule } from '../engine/mock/definition';

/** How replay spaces the messages. */
export type ReplayTiming = 'original' | 'compressed' | 'immediate';

/** One message to send, `delayMs` after the previous one (or after open, for the first). */
export interface ReplayStep {
  delayMs: number;
  binary: boolean;
  data: Uint8Array;
  /** Id of the recorded event it comes from. */
  sourceId: number;
}

/** Connection ids in order of first appearance. */
export function connectionsOf(events: readonly TimelineEvent[]): string[] {
  const seen = new Set<string>();
  for (const e of events) seen.add(e.connection);
  return [...seen];
}

function pick(events: readonly TimelineEvent[], connection?: string): TimelineEvent[] {
  const id = connection ?? connectionsOf(events)[0];
  return events.filter((e) => e.connection === id);
}

/**
 * The messages we sent on one connection (default: the first), to send again. `compressed` keeps
 * the order and rhythm but caps every gap at `maxGapMs` (default 1000).
 */
export function replaySchedule(
  events: readonly TimelineEvent[],
  opts: { connection?: string; timing?: ReplayTiming; maxGapMs?: number } = {},
): ReplayStep[] {
  const list = pick(events, opts.connection);
  const timing = opts.timing ?? 'original';
  const cap = opts.maxGapMs ?? 1000;
  const open = list.find((e) => e.kind === 'state' && e.state === 'open') ?? list.find((e) => e.kind === 'handshake');
  let last = open?.time;
  const steps: ReplayStep[] = [];
  for (const e of list) {
    if (e.kind !== 'message' || e.dir !== 'out') continue;
    const gap = last === undefined ? 0 : Math.max(0, e.time - last);
    last = e.time;
    const delayMs = timing === 'immediate' ? 0 : timing === 'compressed' ? Math.min(gap, cap) : gap;
    steps.push({ delayMs: Math.round(delayMs), binary: e.binary, data: e.data, sourceId: e.id });
  }
  return steps;
}

function asMockMessage(m: MessageEvent): MockMessage {
  const buf = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  if (m.binary) return { base64: buf.toString('base64') };
  // Recorded text is data, not a template: `literal` keeps a `{{…}}` in it as written.
  const literal: { text: string; literal: boolean } = { text: buf.toString('utf8'), literal: true };
  return literal as MockMessage;
}

/**
 * A mock that answers like the recorded server: what the server sent before our first message
 * becomes the greeting; each message we sent becomes a rule (exact text, or the exact bytes for
 * binary) responding with what the server sent until our next message. Identical requests keep
 * their first answer unless `ordered` is set, which matches the n-th message of a connection
 * instead, to replay a conversation step by step. `delays` keeps the recorded response times.
 */
export function transcriptToMock(
  events: readonly TimelineEvent[],
  opts: { name?: string; connection?: string; ordered?: boolean; delays?: boolean; port?: number } = {},
): MockDefinition {
  const list = pick(events, opts.connection);
  const greeting: MockMessage[] = [];
  const rules: MockRule[] = [];
  const seen = new Set<string>();
  let current: { rule: MockRule; sentAt: number; firstReplyAt?: number } | undefined;
  let index = 0;
  const close = () => {
    if (current && opts.delays && current.firstReplyAt !== undefined) {
      current.rule.delay = Math.max(0, Math.round(current.firstReplyAt - current.sentAt));
    }
  };
  for (const e of list) {
    if (e.kind !== 'message') continue;
    if (e.dir === 'out') {
      close();
      index++;
      const buf = Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength);
      const key = (e.binary ? 'b:' : 't:') + (e.binary ? buf.toString('hex') : buf.toString('utf8'));
      const match: NonNullable<MockRule['match']> = e.binary ? { binary: true, binaryPrefix: buf.toString('hex') } : { binary: false, text: buf.toString('utf8') };
      if (opts.ordered) match.count = index;
      const rule: MockRule = { name: `recorded #${index}`, match, respond: [] };
      if (opts.ordered || !seen.has(key)) rules.push(rule);
      seen.add(key);
      current = { rule, sentAt: e.time };
    } else if (!current) {
      greeting.push(asMockMessage(e));
    } else {
      current.firstReplyAt ??= e.time;
      current.rule.respond!.push(asMockMessage(e));
    }
  }
  close();
  const hs = list.find((e) => e.kind === 'handshake');
  const def: MockDefinition = { name: opts.name ?? 'recorded', echo: false, rules };
  if (opts.port !== undefined) def.port = opts.port;
  if (greeting.length) def.greeting = greeting;
  if (hs?.kind === 'handshake' && hs.subprotocol) def.subprotocols = [hs.subprotocol];
  return def;
}
