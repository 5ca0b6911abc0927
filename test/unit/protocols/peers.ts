/**
 * Loopback peers for the protocols no npm server speaks here, each reading and writing every byte
 * with the official client library's own protocol code (the oracle): a SignalR hub on
 * @microsoft/signalr's JsonHubProtocol and TextMessageFormat, a STOMP broker on @stomp/stompjs's
 * Parser and FrameImpl. Used by the client tests and the `run` tests until the protocol mocks land.
 */
import { JsonHubProtocol, MessageType, NullLogger, type HubMessage } from '@microsoft/signalr';
import { FrameImpl, Parser, type IFrame } from '@stomp/stompjs';
import type { WebSocket, WebSocketServer } from 'ws';

const { TextMessageFormat } = require('@microsoft/signalr/dist/cjs/TextMessageFormat') as typeof import('@microsoft/signalr/dist/esm/TextMessageFormat');

/** What a SignalR hub peer saw. */
export interface SignalrPeer {
  /** Every hub message read from clients (handshakes excepted). */
  seen: HubMessage[];
  /** The last handshake request read. */
  handshake?: unknown;
}

/**
 * A hub on `wss`: `Add(a, b)` completes with a + b, any other invocation with an id completes with
 * the error "no such method", a StreamInvocation streams 0, 1, 2 then completes, `Echo(x)` sent
 * without an id makes the hub invoke `echo(x)` on the client, `Bye` makes it send a Close record.
 */
export function signalrHubPeer(wss: WebSocketServer): SignalrPeer {
  const peer: SignalrPeer = { seen: [] };
  const hub = new JsonHubProtocol();
  wss.on('connection', (ws) => {
    let shaken = false;
    ws.on('message', (data) => {
      let text = data.toString();
      if (!shaken) {
        const [first, ...rest] = TextMessageFormat.parse(text);
        peer.handshake = JSON.parse(first!);
        shaken = true;
        ws.send(TextMessageFormat.write('{}'));
        text = rest.map((r) => TextMessageFormat.write(r)).join('');
        if (!text) return;
      }
      // The client-side parser skips StreamInvocation (a client never receives one): those
      // records are read as JSON, the rest by the official parser.
      const records = TextMessageFormat.parse(text);
      const messages = records.flatMap((r) => ((JSON.parse(r) as { type: number }).type === MessageType.StreamInvocation ? [JSON.parse(r) as HubMessage] : hub.parseMessages(TextMessageFormat.write(r), NullLogger.instance)));
      for (const m of messages) {
        peer.seen.push(m);
        if (m.type === MessageType.Invocation && m.invocationId) {
          const [a, b] = m.arguments as number[];
          const reply: HubMessage = m.target === 'Add' ? { type: MessageType.Completion, invocationId: m.invocationId, result: a! + b!, headers: {} } : { type: MessageType.Completion, invocationId: m.invocationId, error: 'no such method', headers: {} };
          ws.send(hub.writeMessage(reply));
        } else if (m.type === MessageType.StreamInvocation) {
          for (let i = 0; i < 3; i++) ws.send(hub.writeMessage({ type: MessageType.StreamItem, invocationId: m.invocationId, item: i, headers: {} }));
          ws.send(hub.writeMessage({ type: MessageType.Completion, invocationId: m.invocationId, headers: {} }));
        } else if (m.type === MessageType.Invocation && m.target === 'Echo') {
          ws.send(hub.writeMessage({ type: MessageType.Invocation, target: 'echo', arguments: m.arguments, headers: {} }));
        } else if (m.type === MessageType.Invocation && m.target === 'Bye') {
          ws.send(hub.writeMessage({ type: MessageType.Close, error: 'server going away', allowReconnect: false }));
        }
      }
    });
  });
  return peer;
}

/** What a STOMP broker peer saw. */
export interface StompPeer {
  frames: IFrame[];
  /** Heart-beat EOLs read. */
  heartbeats: number;
}

/**
 * A broker on `wss` (offer it `v12.stomp`): CONNECT with passcode `pw` is answered CONNECTED with
 * heart-beat `0,40`, else ERROR; SEND is delivered as MESSAGE to the subscription of its
 * destination (with an `ack` header for client acks); a `receipt` header is answered with RECEIPT.
 */
export function stompBrokerPeer(wss: WebSocketServer): StompPeer {
  const peer: StompPeer = { frames: [], heartbeats: 0 };
  const send = (ws: WebSocket, command: string, headers: Record<string, string>, body = '') =>
    ws.send(FrameImpl.marshall({ command, headers, body, escapeHeaderValues: command !== 'CONNECTED', skipContentLengthHeader: false }) as string);
  wss.on('connection', (ws) => {
    const subs = new Map<string, { id: string; ack: string }>();
    let n = 0;
    const parser = new Parser(
      (raw) => {
        const f = FrameImpl.fromRawFrame(raw, raw.command !== 'CONNECT');
        peer.frames.push(f);
        const h = f.headers;
        if (f.command === 'CONNECT') {
          if (h.passcode !== 'pw') return send(ws, 'ERROR', { message: 'bad credentials' });
          return send(ws, 'CONNECTED', { version: '1.2', 'heart-beat': '0,40', server: 'peer' });
        }
        if (f.command === 'SUBSCRIBE') subs.set(h.destination!, { id: h.id!, ack: h.ack ?? 'auto' });
        if (f.command === 'SEND') {
          const s = subs.get(h.destination!);
          if (s) send(ws, 'MESSAGE', { subscription: s.id, 'message-id': String(++n), destination: h.destination!, ...(s.ack !== 'auto' ? { ack: `a${n}` } : {}) }, f.body);
        }
        if (h.receipt) send(ws, 'RECEIPT', { 'receipt-id': h.receipt });
      },
      () => peer.heartbeats++,
    );
    ws.on('message', (d) => parser.parseChunk(d.toString()));
  });
  return peer;
}
