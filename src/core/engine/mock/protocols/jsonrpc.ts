/**
 * The JSON-RPC 2.0 server side of a mock: requests matched by `method` answer with the rule's
 * `reply` as the result (or `{"error":…}`), notifications get no response, batches get one array
 * of responses (none when they held only notifications), and what no rule answers is
 * "Method not found" (-32601). Parsed by the client's decoder (describeRpc), so shapes match.
 */
import { JsonRpcDecoder } from '../../../protocols/jsonrpc';
import type { Decoded } from '../../../protocols/types';
import { isObject } from '../../../protocols/util';
import type { MockFault, MockMessage } from '../definition';
import { renderJson, type TemplateContext } from '../template';
import { isKindItem, RuledEndpoint, sendRaw, type RulePeer } from './runner';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost } from './types';

/** A JSON-RPC response object for a reply value: `{"error":…}` alone is an error, `{"result":…}` alone a result, anything else the result. */
export function rpcResponse(id: unknown, reply: unknown): Record<string, unknown> {
  if (isObject(reply) && Object.keys(reply).length === 1 && isObject(reply.error)) return { jsonrpc: '2.0', id, error: reply.error };
  if (isObject(reply) && Object.keys(reply).length === 1 && 'result' in reply) return { jsonrpc: '2.0', id, result: reply.result };
  return { jsonrpc: '2.0', id, result: reply ?? null };
}

class RpcConnection implements ProtocolConnection {
  private readonly decoder = new JsonRpcDecoder();
  private count = 0;

  constructor(
    private readonly ep: JsonRpcEndpoint,
    private readonly peer: RulePeer,
  ) {
    ep.pusher.ready(peer);
  }

  message(data: Buffer, binary: boolean): void {
    this.count++;
    const d = this.decoder.decode({ binary, data });
    if (!d) return;
    if (d.type === 'invalid') {
      const parse = d.summary.startsWith('not JSON');
      this.send({ jsonrpc: '2.0', id: null, error: parse ? { code: -32700, message: 'Parse error' } : { code: -32600, message: 'Invalid Request' } });
      return;
    }
    const items = d.items ?? [d];
    if (d.items && items.length === 0) {
      this.send({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
      return;
    }
    // Answers of a batch are collected (each after its own rule delay) and sent as one array.
    const out: (Record<string, unknown> | undefined)[] = new Array(items.length);
    let waiting = items.length;
    const done = (i: number, r: Record<string, unknown> | undefined) => {
      out[i] = r;
      if (--waiting > 0) return;
      const responses = out.filter((x): x is Record<string, unknown> => x !== undefined);
      if (responses.length === 0) return;
      this.send(d.items ? responses : responses[0]!);
    };
    items.forEach((item, i) => this.one(item, data, i, done));
  }

  private one(item: Decoded, data: Buffer, i: number, done: (i: number, r: Record<string, unknown> | undefined) => void): void {
    if (item.type === 'invalid') return done(i, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request' } });
    if (item.type !== 'request' && item.type !== 'notification') return done(i, undefined);
    const isRequest = item.type === 'request';
    const s = { type: item.type, method: String(item.method), payload: item.params ?? [] };
    const fired = this.ep.runner.answer(this.peer, { data, binary: false, count: this.count, path: this.peer.path, query: this.peer.query }, s, (a) => {
      for (const m of a.respond) this.ep.sendItem(this.peer, m);
      if (!isRequest || a.replyDropped) return done(i, undefined);
      done(i, rpcResponse(item.id, a.reply));
    });
    if (!fired) done(i, isRequest ? { jsonrpc: '2.0', id: item.id, error: { code: -32601, message: 'Method not found', data: { method: item.method } } } : undefined);
  }

  private send(v: unknown): void {
    this.peer.sendText(JSON.stringify(v));
  }

  fault(f: MockFault): boolean {
    if (f.type === 'malformedPacket') {
      this.peer.sendText('{"jsonrpc":"2.0","id":');
      return true;
    }
    return false;
  }

  closed(): void {
    this.ep.conns.delete(this.peer);
  }
}

/** A JSON-RPC mock endpoint. */
export class JsonRpcEndpoint extends RuledEndpoint<RulePeer> implements ProtocolEndpoint {
  readonly protocol = 'json-rpc' as const;
  readonly subprotocols: string[] = [];
  readonly conns = new Set<RulePeer>();

  constructor(host: ProtocolHost) {
    super(host, 'json-rpc');
  }

  protected readyPeers(): RulePeer[] {
    return [...this.conns];
  }

  protected push(peer: RulePeer, item: MockMessage, ctx: TemplateContext): void {
    if (!isKindItem(item)) return sendRaw(peer, item, ctx);
    this.sendItem(peer, renderJson(item, ctx) as Record<string, unknown>);
  }

  /** A `json-rpc` item from the mock: a notification (the server calling the client), or a request with a fresh id. */
  sendItem(peer: RulePeer, m: Record<string, unknown>): void {
    const call: Record<string, unknown> = { jsonrpc: '2.0', method: m.method };
    if (m.params !== undefined) call.params = m.params;
    if (m.notification === false) call.id = this.host.uuid();
    peer.sendText(JSON.stringify(call));
  }

  connect(peer: RulePeer): ProtocolConnection {
    this.conns.add(peer);
    return new RpcConnection(this, peer);
  }

}
