/**
 * The SignalR hub server side of a mock (JSON and MessagePack hub protocols): `negotiate` as an
 * HTTP POST on the same port (behind the mock's Host and Origin gate; CORS answered only for
 * allowed origins), the handshake, keep-alive Pings, invocations matched by `target` whose `reply`
 * becomes the Completion's result (or `{"error":…}`), stream invocations answered with StreamItems
 * then a Completion, and server-to-client invocations from `respond`. Decoded by the client's
 * decoder; a MessagePack session's records are written by the client layer's encoder, so rules
 * and templates see the same decoded shapes in both protocols.
 */
import type * as http from 'node:http';
import { encodeSignalr, SignalrDecoder } from '../../../protocols/signalr';
import { encodeSignalrMsgpack, type HubRecord } from '../../../protocols/signalrMsgpack';
import type { Decoded } from '../../../protocols/types';
import { isObject } from '../../../protocols/util';
import type { MockFault, MockMessage } from '../definition';
import { pathMatches } from '../definition';
import { renderJson, type TemplateContext } from '../template';
import { isKindItem, RuledEndpoint, sendRaw, type Answer, type RulePeer } from './runner';
import type { ProtocolConnection, ProtocolEndpoint, ProtocolHost } from './types';

/** protocolOptions of a SignalR mock. */
export interface SignalrMockOptions {
  /** Hub path for negotiate (`<hubPath>/negotiate`); default the endpoint's path, any path on a `*` endpoint. */
  hubPath?: string;
  /** Send a Ping record this often (ms, default 15000 as ASP.NET Core). */
  keepAliveMs?: number;
  /** Hub protocols the handshake accepts (default both `json` and `messagepack`). */
  hubProtocols?: string[];
}

/** The hub protocols this mock speaks. */
const SPOKEN = ['json', 'messagepack'];

/** A MessagePack record cut short (its length prefix says 5 bytes, 1 follows): what `malformedPacket` sends in a MessagePack session. */
const CUT_MSGPACK_RECORD = Uint8Array.from([0x05, 0x94]);

class SignalrConnection implements ProtocolConnection {
  private readonly decoder = new SignalrDecoder();
  private handshaken = false;
  /** The hub protocol agreed in the handshake. */
  hubProtocol: 'json' | 'messagepack' = 'json';
  private heartbeats = true;
  private count = 0;
  private readonly streams = new Set<string>();

  constructor(
    private readonly ep: SignalrEndpoint,
    readonly peer: RulePeer,
  ) {}

  /** Writes hub records in the session's hub protocol. */
  send(...records: HubRecord[]): void {
    if (this.hubProtocol === 'messagepack') this.peer.sendBinary(encodeSignalrMsgpack(...records));
    else this.peer.sendText(encodeSignalr(...records));
  }

  message(data: Buffer, binary: boolean): void {
    this.count++;
    const d = this.decoder.decode({ binary, data });
    if (!d) return;
    for (const r of d.items ?? [d]) this.onRecord(r, data);
  }

  private onRecord(d: Decoded, data: Buffer): void {
    if (!this.handshaken) {
      if (d.type !== 'Handshake') return this.peer.close(1002, 'expected the SignalR handshake');
      const asked = String(d.hubProtocol);
      const accepted = this.ep.options.hubProtocols ?? SPOKEN;
      if (!SPOKEN.includes(asked) || !accepted.includes(asked)) {
        this.peer.sendText(encodeSignalr({ error: `Requested protocol '${asked}' is not available.` }));
        this.peer.later(10, () => this.peer.close(1000, 'handshake refused'));
        return;
      }
      this.handshaken = true;
      this.hubProtocol = asked as 'json' | 'messagepack';
      // The handshake response is JSON in either protocol; a MessagePack session gets it in a binary frame, as ASP.NET Core sends it.
      if (this.hubProtocol === 'messagepack') this.peer.sendBinary(Buffer.from(encodeSignalr({})));
      else this.peer.sendText(encodeSignalr({}));
      const every = this.ep.options.keepAliveMs ?? 15_000;
      const ping = () => {
        if (!this.heartbeats) return;
        this.send({ type: 6 });
        this.peer.later(every, ping);
      };
      if (every > 0) this.peer.later(every, ping);
      this.ep.pusher.ready(this.peer);
      return;
    }
    switch (d.type) {
      case 'Invocation':
      case 'StreamInvocation':
        return this.invoke(d, data);
      case 'CancelInvocation':
        this.streams.delete(String(d.invocationId));
        return;
      case 'Close':
        this.peer.close(1000, 'client sent Close');
        return;
    }
  }

  private invoke(d: Decoded, data: Buffer): void {
    const id = typeof d.invocationId === 'string' ? d.invocationId : undefined;
    const stream = d.type === 'StreamInvocation';
    if (stream && id !== undefined) this.streams.add(id);
    const s = { type: String(d.type), target: String(d.target), payload: Array.isArray(d.arguments) ? d.arguments : [] };
    const fired = this.ep.runner.answer(this.peer, { data, binary: false, count: this.count, path: this.peer.path, query: this.peer.query }, s, (a) => this.answer(a, id, stream));
    if (!fired && id !== undefined) this.send({ type: 3, invocationId: id, error: `Failed to invoke '${s.target}': no mock rule answers it.` });
  }

  private answer(a: Answer, id: string | undefined, stream: boolean): void {
    for (const m of a.respond) this.ep.sendItem(this.peer, m, Boolean(a.rule.broadcast));
    if (id === undefined || a.replyDropped) return;
    const reply = a.reply;
    if (isObject(reply) && Object.keys(reply).length === 1 && reply.error !== undefined) {
      this.streams.delete(id);
      return this.send({ type: 3, invocationId: id, error: String(reply.error) });
    }
    if (!stream) return this.send(reply === undefined ? { type: 3, invocationId: id } : { type: 3, invocationId: id, result: reply });
    for (const item of Array.isArray(reply) ? reply : reply === undefined ? [] : [reply]) {
      if (!this.streams.has(id)) return; // cancelled
      this.send({ type: 2, invocationId: id, item });
    }
    this.streams.delete(id);
    this.send({ type: 3, invocationId: id });
  }

  fault(f: MockFault): boolean {
    if (f.type === 'noHeartbeat') {
      this.heartbeats = false;
      return true;
    }
    if (f.type === 'malformedPacket') {
      if (this.hubProtocol === 'messagepack') this.peer.sendBinary(CUT_MSGPACK_RECORD);
      else this.peer.sendText('{"type":1,"target":"broken"'); // no record separator, not JSON
      return true;
    }
    return false;
  }

  closed(): void {
    this.ep.conns.delete(this.peer);
  }
}

/** A SignalR mock endpoint. */
export class SignalrEndpoint extends RuledEndpoint<RulePeer> implements ProtocolEndpoint {
  readonly protocol = 'signalr' as const;
  readonly subprotocols: string[] = [];
  readonly options: SignalrMockOptions;
  /** Open connections (handshaken or not), by peer. */
  readonly conns = new Map<RulePeer, SignalrConnection>();

  constructor(host: ProtocolHost) {
    super(host, 'signalr');
    this.options = host.ep.protocolOptions as SignalrMockOptions;
  }

  protected readyPeers(): RulePeer[] {
    return [...this.conns.keys()];
  }

  protected push(peer: RulePeer, item: MockMessage, ctx: TemplateContext): void {
    if (!isKindItem(item)) return sendRaw(peer, item, ctx);
    this.sendItem(peer, renderJson(item, ctx) as Record<string, unknown>, false);
  }

  /** A `signalr` item: the server invokes a client method (no invocation id: nothing to complete), in each receiver's hub protocol. */
  sendItem(peer: RulePeer, m: Record<string, unknown>, broadcast: boolean): void {
    const record: HubRecord = { type: 1, target: String(m.target), arguments: Array.isArray(m.arguments) ? m.arguments : [] };
    for (const p of broadcast ? [...this.conns.keys()] : [peer]) if (p.open) this.conns.get(p)?.send(record);
  }

  /** The negotiate path this endpoint answers. */
  httpPath(pathname: string): boolean {
    if (!pathname.endsWith('/negotiate')) return false;
    const base = pathname.slice(0, -'/negotiate'.length) || '/';
    const hub = this.options.hubPath;
    return hub !== undefined ? base === (hub.replace(/\/+$/, '') || '/') : pathMatches(this.host.ep.path, base);
  }

  /** negotiate (POST, version 0 or 1) and its CORS preflight; the gate already let the request in. */
  http(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    const origin = req.headers.origin;
    // CORS only for an origin the gate allowed (never `*`): a page the mock does not trust gets no access.
    const cors: Record<string, string> = origin ? { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' } : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': String(req.headers['access-control-request-headers'] ?? ''), 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { ...cors, Allow: 'POST', 'Content-Type': 'text/plain' });
      res.end('negotiate is a POST');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://mock.invalid');
    const version = url.searchParams.get('negotiateVersion') === '1' ? 1 : 0;
    const connectionId = this.host.uuid();
    const body = JSON.stringify({
      negotiateVersion: version,
      connectionId,
      ...(version === 1 ? { connectionToken: this.host.uuid() } : {}),
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
    });
    this.host.info(undefined, `signalr: negotiate ${url.pathname} (version ${version})`, { negotiate: url.pathname, connectionId });
    res.writeHead(200, { ...cors, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  connect(peer: RulePeer): ProtocolConnection {
    const c = new SignalrConnection(this, peer);
    this.conns.set(peer, c);
    return c;
  }

}
