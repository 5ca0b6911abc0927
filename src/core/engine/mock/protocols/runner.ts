/**
 * What every protocol mock does with its rules: find the first rule that holds for a decoded
 * packet, record that it fired, wait its delay, render `respond` and `reply` with the decoded
 * payload as `{{json.…}}`, hand them to the protocol to encode, then apply the rule's faults and
 * close. Raw items of `respond` (text, json, hex, base64) are sent as they are.
 */
import type { MockFault, MockMessage, MockRule } from '../definition';
import { renderJson, renderMessage, type TemplateContext } from '../template';
import type { MatchInput } from '../rules';
import { compileProtocolRules, findProtocolRule, type ProtocolRule, type Subject } from './match';
import type { ProtocolName } from '../../../protocols/types';
import type { ProtocolHost, ProtocolPeer } from './types';

/** A rule that fired, its items rendered. */
export interface Answer {
  rule: MockRule;
  ctx: TemplateContext;
  /** Rendered `respond` items that have a protocol `kind`. */
  respond: Record<string, unknown>[];
  /** Rendered `reply` (undefined when the rule has none, or a `dropReply` fault drops it). */
  reply: unknown;
  /** The rule has a reply and a `dropReply` fault dropped it. */
  replyDropped: boolean;
}

/** Peers extended with what rules need from the server: its faults (drop, close, malformed frames…). */
export interface RulePeer extends ProtocolPeer {
  fault(f: MockFault): void;
}

/** Whether a respond item is a protocol message (has a `kind`). */
export function isKindItem(m: unknown): m is Record<string, unknown> & { kind: string } {
  return typeof m === 'object' && m !== null && typeof (m as { kind?: unknown }).kind === 'string';
}

/** Sends a raw respond item (text, json, hex, base64) as the bytes it renders to. */
export function sendRaw(peer: ProtocolPeer, m: MockMessage, ctx: TemplateContext): void {
  const r = renderMessage(m, ctx);
  if (r.binary) peer.sendBinary(r.data);
  else peer.sendText(r.data.toString('utf8'));
}

/** Applies a protocol endpoint's rules. */
export class RuleRunner {
  constructor(
    private readonly host: ProtocolHost,
    private readonly rules: ProtocolRule[],
  ) {}

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Finds the rule for a decoded packet; when one holds, records it, and after its delay calls
   * `deliver` with the rendered answer (raw respond items already sent to `peer`). False when no rule holds.
   */
  answer(peer: RulePeer, input: MatchInput, s: Subject, deliver: (a: Answer) => void): boolean {
    if (this.rules.length === 0) return false;
    const hit = findProtocolRule(this.rules, input, s);
    if (!hit) return false;
    const rule = hit.rule.rule;
    this.host.info(peer, `rule ${rule.name ?? '#' + hit.rule.index} matched`, { rule: hit.rule.index, ...(rule.name ? { name: rule.name } : {}), type: s.type });
    const ctx = this.host.context(peer, s.payload, hit.result.captures);
    const run = () => {
      if (!peer.open) return;
      const respond: Record<string, unknown>[] = [];
      for (const m of rule.respond ?? []) {
        if (isKindItem(m)) respond.push(renderJson(m, ctx) as Record<string, unknown>);
        else sendRaw(peer, m, ctx);
      }
      const dropped = rule.reply !== undefined && (rule.faults ?? []).some((f) => f.type === 'dropReply');
      if (dropped) this.host.info(peer, 'fault: reply dropped', { fault: 'dropReply' });
      deliver({ rule, ctx, respond, reply: rule.reply === undefined || dropped ? undefined : renderJson(rule.reply, ctx), replyDropped: dropped });
      for (const f of rule.faults ?? []) if (f.type !== 'dropReply' && f.type !== 'fragment') peer.fault(f);
      if (rule.close && peer.open) peer.close(rule.close.code, rule.close.reason ?? '');
    };
    const d = rule.delay;
    const ms = d === undefined ? 0 : typeof d === 'number' ? d : Math.round(d.min + this.host.random() * (d.max - d.min));
    if (ms > 0) peer.later(ms, run);
    else run();
    return true;
  }
}

/**
 * Greetings and schedules of a protocol endpoint: each item goes through `send` (the protocol's
 * encoder). Per-peer schedules start when the protocol's handshake is done; broadcast schedules run
 * from start() to stop().
 */
export class ItemPusher<P extends ProtocolPeer> {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly host: ProtocolHost,
    private readonly send: (peer: P, item: MockMessage, ctx: TemplateContext) => void,
  ) {}

  /** The greeting and per-peer schedules, once the peer's protocol session is ready. */
  ready(peer: P): void {
    const ep = this.host.ep;
    const ctx = this.host.context(peer);
    for (const m of ep.greeting) this.send(peer, m, ctx);
    for (const s of ep.schedules) {
      if (s.broadcast) continue;
      let sent = 0;
      const tick = () => {
        if (!peer.open) return;
        const c = this.host.context(peer);
        for (const m of s.messages) this.send(peer, m, c);
        if (s.count === undefined || ++sent < s.count) peer.later(s.everyMs, tick);
      };
      peer.later(s.initialDelayMs ?? s.everyMs, tick);
    }
  }

  /** Broadcast schedules to every ready peer `ready()` lists. */
  start(readyPeers: () => P[]): void {
    for (const s of this.host.ep.schedules) {
      if (!s.broadcast) continue;
      let sent = 0;
      const tick = () => {
        for (const p of readyPeers()) {
          if (!p.open) continue;
          const c = this.host.context(p);
          for (const m of s.messages) this.send(p, m, c);
        }
        if (s.count === undefined || ++sent < s.count) arm(s.everyMs);
      };
      const arm = (ms: number) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          try {
            tick();
          } catch (err) {
            this.host.info(undefined, `schedule failed: ${(err as Error).message}`);
          }
        }, ms);
        this.timers.add(t);
      };
      arm(s.initialDelayMs ?? s.everyMs);
    }
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * Base of the protocol endpoints: their compiled rules, and greetings/schedules pushed through
 * the protocol's own encoder (`push`).
 */
export abstract class RuledEndpoint<P extends ProtocolPeer = RulePeer> {
  readonly runner: RuleRunner;
  readonly pusher: ItemPusher<P>;

  constructor(
    readonly host: ProtocolHost,
    protocol: ProtocolName,
  ) {
    this.runner = new RuleRunner(host, compileProtocolRules(host.ep.rules, protocol));
    this.pusher = new ItemPusher<P>(host, (peer, item, ctx) => this.push(peer, item, ctx));
    this.pusher.start(() => this.readyPeers());
  }

  /** Sends one greeting or schedule item to a peer. */
  protected abstract push(peer: P, item: MockMessage, ctx: TemplateContext): void;

  /** Peers whose protocol session is open (broadcast schedules go to them). */
  protected abstract readyPeers(): P[];

  stop(): Promise<void> {
    this.pusher.stop();
    return Promise.resolve();
  }
}
