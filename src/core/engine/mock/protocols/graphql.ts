/**
 * The GraphQL-over-WebSocket server side of a mock: graphql-transport-ws (the graphql-ws library's
 * protocol) and the legacy subscriptions-transport-ws (sub-protocol `graphql-ws`), chosen by the
 * negotiated sub-protocol. connection_init within the wait timeout (else 4408), its payload checked
 * against `connectionParams` (else 4403), subscribe before the ack refused (4401), a duplicate
 * operation id refused (4409); rules match `operationName` / `query` and their `reply` streams
 * `next` payloads then `complete` (or errors). Messages are decoded by the client's decoder.
 */
import { GraphqlWsDecoder } from '../../../protocols/graphqlws';
import type { Decoded } from '../../../protocols/types';
import { isObject } from '../../../protocols/util';
import type { MockFault, MockMessage } from '../definition';
import type { TemplateContext } from '../template';
import { isKindItem, RuledEndpoint, sendRaw, type Answer, type RulePeer } from './runner';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost } from './types';
import { paramsMatch } from './util';

/** protocolOptions of a GraphQL mock. */
export interface GraphqlMockOptions {
  /** How long a client has to send connection_init (ms, default 3000; 0 = no limit). */
  connectionInitWaitTimeout?: number;
  /** Values connection_init's payload must hold (`"*"`: present); a mismatch closes with 4403 (legacy: connection_error). */
  connectionParams?: Record<string, unknown>;
  /** Legacy protocol: send `ka` keep-alives this often (ms, default 0 = never). */
  keepAliveMs?: number;
  /** Sub-protocols accepted, in order of preference (default both: `graphql-transport-ws`, `graphql-ws`). */
  protocols?: ('graphql-transport-ws' | 'graphql-ws')[];
}

/** A normalised `reply` of a GraphQL rule. */
interface Stream {
  next: unknown[];
  everyMs: number;
  count: number;
  complete: boolean;
  errors?: unknown[];
}

function streamOf(reply: unknown): Stream {
  if (Array.isArray(reply)) return { next: reply, everyMs: 0, count: reply.length, complete: true };
  if (isObject(reply)) {
    if (Array.isArray(reply.errors)) return { next: [], everyMs: 0, count: 0, complete: false, errors: reply.errors };
    const next = Array.isArray(reply.next) ? reply.next : reply.next !== undefined ? [reply.next] : [];
    const everyMs = typeof reply.everyMs === 'number' ? reply.everyMs : 0;
    return { next, everyMs, count: typeof reply.count === 'number' ? reply.count : next.length, complete: reply.complete !== false };
  }
  return { next: reply === undefined ? [] : [reply], everyMs: 0, count: reply === undefined ? 0 : 1, complete: true };
}

class GqlConnection implements ProtocolConnection {
  private readonly decoder = new GraphqlWsDecoder();
  private readonly legacy: boolean;
  private initialised = false;
  private acked = false;
  private heartbeats = true;
  private count = 0;
  /** Operations running, by id. */
  private readonly ops = new Set<string>();

  constructor(
    private readonly ep: GraphqlEndpoint,
    private readonly peer: RulePeer,
  ) {
    this.legacy = peer.subprotocol === 'graphql-ws';
    const wait = ep.options.connectionInitWaitTimeout ?? 3000;
    if (!this.legacy && wait > 0) {
      peer.later(wait, () => {
        if (!this.initialised) this.close(4408, 'Connection initialisation timeout');
      });
    }
  }

  private close(code: number, reason: string): void {
    this.ep.host.info(this.peer, `graphql-ws: close ${code} ${reason}`, { code });
    this.peer.close(code, reason);
  }

  private send(m: Record<string, unknown>): void {
    this.peer.sendText(JSON.stringify(m));
  }

  message(data: Buffer, binary: boolean): void {
    this.count++;
    const d = this.decoder.decode({ binary, data });
    if (!d) return;
    switch (d.type) {
      case 'invalid':
        if (!this.legacy) this.close(4400, String(d.invalid).slice(0, 100));
        return;
      case 'connection_init':
        return this.init(d);
      case 'ping':
        if (this.heartbeats) this.send({ type: 'pong', ...(d.payload !== undefined ? { payload: d.payload } : {}) });
        return;
      case 'subscribe':
      case 'start':
        return this.subscribe(d, data);
      case 'complete':
      case 'stop':
        this.ops.delete(String(d.id));
        return;
      case 'connection_terminate':
        this.peer.close(1000, 'connection_terminate');
        return;
    }
  }

  private init(d: Decoded): void {
    if (this.initialised) return this.close(4429, 'Too many initialisation requests');
    this.initialised = true;
    const required = this.ep.options.connectionParams;
    if (required && !paramsMatch(required, d.payload)) {
      if (!this.legacy) return this.close(4403, 'Forbidden');
      this.send({ type: 'connection_error', payload: { message: 'Forbidden' } });
      this.peer.later(10, () => this.peer.close(1011, 'connection_error'));
      return;
    }
    this.acked = true;
    this.send({ type: 'connection_ack' });
    const ka = this.ep.options.keepAliveMs ?? 0;
    if (this.legacy && ka > 0) {
      const beat = () => {
        if (!this.heartbeats) return;
        this.send({ type: 'ka' });
        this.peer.later(ka, beat);
      };
      beat();
    }
    this.ep.pusher.ready(this.peer);
  }

  private subscribe(d: Decoded, data: Buffer): void {
    const id = String(d.id ?? '');
    if (!this.acked) return this.legacy ? this.send({ type: 'error', id, payload: { message: 'not initialised' } }) : this.close(4401, 'Unauthorized');
    if (this.ops.has(id)) return this.close(4409, `Subscriber for ${id} already exists`);
    this.ops.add(id);
    const p = isObject(d.payload) ? d.payload : {};
    const s = { type: String(d.type), ...(typeof p.operationName === 'string' ? { operationName: p.operationName } : {}), query: typeof p.query === 'string' ? p.query : '', payload: p };
    const fired = this.ep.runner.answer(this.peer, { data, binary: false, count: this.count, path: this.peer.path, query: this.peer.query }, s, (a) => this.stream(id, a));
    if (!fired) this.errors(id, [{ message: `no mock rule answers this operation${s.operationName ? ` (${s.operationName})` : ''}` }]);
  }

  private errors(id: string, errors: unknown[]): void {
    this.ops.delete(id);
    if (this.legacy) {
      this.send({ type: 'data', id, payload: { errors } });
      this.send({ type: 'complete', id });
    } else this.send({ type: 'error', id, payload: errors });
  }

  private stream(id: string, a: Answer): void {
    for (const m of a.respond) this.ep.host.info(this.peer, `graphql-ws: respond items of kind "${String(m.kind)}" are not sent by a server; use raw messages or reply`);
    if (a.replyDropped || a.reply === undefined) return; // the operation stays open, unanswered
    const st = streamOf(a.reply);
    if (st.errors) return this.errors(id, st.errors);
    let i = 0;
    const step = () => {
      if (!this.ops.has(id) || !this.peer.open) return;
      if (i < st.count && st.next.length > 0) {
        this.send({ type: this.legacy ? 'data' : 'next', id, payload: st.next[i % st.next.length] });
        i++;
      }
      if (i < st.count) {
        if (st.everyMs > 0) this.peer.later(st.everyMs, step);
        else step();
        return;
      }
      if (st.complete) {
        this.ops.delete(id);
        this.send({ type: 'complete', id });
      }
    };
    step();
  }

  fault(f: MockFault): boolean {
    if (f.type === 'noHeartbeat') {
      this.heartbeats = false;
      return true;
    }
    if (f.type === 'malformedPacket') {
      this.peer.sendText('{"type":"next","id":');
      return true;
    }
    return false;
  }

  closed(): void {
    this.ops.clear();
    this.ep.conns.delete(this.peer);
  }
}

/** A GraphQL-over-WebSocket mock endpoint. */
export class GraphqlEndpoint extends RuledEndpoint<RulePeer> implements ProtocolEndpoint {
  readonly protocol = 'graphql-ws' as const;
  readonly subprotocols: string[];
  readonly options: GraphqlMockOptions;
  readonly conns = new Set<RulePeer>();

  constructor(host: ProtocolHost) {
    super(host, 'graphql-ws');
    this.options = host.ep.protocolOptions as GraphqlMockOptions;
    this.subprotocols = this.options.protocols ?? ['graphql-transport-ws', 'graphql-ws'];
  }

  protected readyPeers(): RulePeer[] {
    return [...this.conns];
  }

  protected push(peer: RulePeer, item: MockMessage, ctx: TemplateContext): void {
    if (!isKindItem(item)) sendRaw(peer, item, ctx);
  }

  connect(peer: RulePeer): ProtocolConnection {
    this.conns.add(peer);
    return new GqlConnection(this, peer);
  }

}
