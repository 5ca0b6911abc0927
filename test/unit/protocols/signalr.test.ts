/**
 * The SignalR client against a hub peer whose every byte is read and written by
 * @microsoft/signalr's own protocol code (JsonHubProtocol, TextMessageFormat): no ASP.NET server
 * runs here, so the official protocol implementation is the oracle. End to end against a real hub
 * comes with the mocks of the next issue.
 */
import assert from 'node:assert/strict';
import { JsonHubProtocol, MessageType, NullLogger, type HubMessage } from '@microsoft/signalr';
import { WebSocketServer } from 'ws';
import { client, exchangeOf, httpServer, type Client } from './helpers';

const { TextMessageFormat } = require('@microsoft/signalr/dist/cjs/TextMessageFormat') as typeof import('@microsoft/signalr/dist/esm/TextMessageFormat');

describe('protocols: SignalR client against a hub speaking through @microsoft/signalr protocol code', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let c: Client | undefined;
  const seen: HubMessage[] = [];
  let handshake: unknown;

  beforeEach(async () => {
    seen.length = 0;
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server });
    const hub = new JsonHubProtocol();
    wss.on('connection', (ws) => {
      let shaken = false;
      ws.on('message', (data) => {
        let text = data.toString();
        if (!shaken) {
          const [first, ...rest] = TextMessageFormat.parse(text);
          handshake = JSON.parse(first!);
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
          seen.push(m);
          if (m.type === MessageType.Invocation && m.invocationId) {
            const [a, b] = m.arguments as number[];
            const reply: HubMessage = m.target === 'Add' ? { type: MessageType.Completion, invocationId: m.invocationId, result: a! + b!, headers: {} } : { type: MessageType.Completion, invocationId: m.invocationId, error: 'no such method', headers: {} };
            ws.send(hub.writeMessage(reply));
          } else if (m.type === MessageType.StreamInvocation) {
            for (let i = 0; i < 3; i++) ws.send(hub.writeMessage({ type: MessageType.StreamItem, invocationId: m.invocationId, item: i, headers: {} }));
            ws.send(hub.writeMessage({ type: MessageType.Completion, invocationId: m.invocationId, headers: {} }));
          } else if (m.type === MessageType.Invocation && m.target === 'Bye') {
            ws.send(hub.writeMessage({ type: MessageType.Close, error: 'server going away', allowReconnect: false }));
          }
        }
      });
    });
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('handshakes, invokes (result and error), streams, sends without an id, and keeps alive with Ping', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/chat`, 'signalr', { protocolOptions: { keepAliveMs: 50 } });
    await c.session.ready();
    assert.deepEqual(handshake, { protocol: 'json', version: 1 });
    assert.ok(c.out.some(exchangeOf('handshake')));
    await c.session.send({ kind: 'signalr', target: 'Add', arguments: [2, 3] });
    await c.session.send({ kind: 'signalr', target: 'Nope', arguments: [] });
    await c.session.send({ kind: 'signalr', target: 'Count', arguments: [3], invocation: 'stream' });
    await c.session.send({ kind: 'signalr', target: 'Notify', arguments: ['x'], invocation: 'send' });
    await c.waitFor(exchangeOf('1'));
    await c.waitFor(exchangeOf('2'));
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'Completion' && o.decoded.invocationId === '3');
    assert.equal(c.decoded('in').find((d) => d.invocationId === '1' && d.type === 'Completion')!.result, 5);
    assert.equal(c.decoded('in').find((d) => d.invocationId === '2')!.error, 'no such method');
    assert.deepEqual(c.decoded('in').filter((d) => d.type === 'StreamItem').map((d) => d.item), [0, 1, 2]);
    assert.equal(c.out.filter((o) => o.type === 'exchange' && o.key === '3').length, 1, 'a stream pairs once');
    // What the official parser read from us.
    assert.deepEqual(seen.filter((m) => m.type !== MessageType.Ping).map((m) => [m.type, (m as { target?: string }).target, (m as { invocationId?: string }).invocationId]), [
      [1, 'Add', '1'],
      [1, 'Nope', '2'],
      [4, 'Count', '3'],
      [1, 'Notify', undefined],
    ]);
    await new Promise((r) => setTimeout(r, 130));
    assert.ok(seen.filter((m) => m.type === MessageType.Ping).length >= 2, 'keep-alive pings');
  });

  it('reports the hub Close record; with autoAnswer off no keep-alive Ping is sent', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/chat`, 'signalr', { protocolOptions: { keepAliveMs: 20, autoAnswer: false } });
    await c.session.ready();
    await c.session.send({ kind: 'signalr', target: 'Bye', invocation: 'send' });
    await c.waitFor((o) => o.type === 'event' && o.event.kind === 'info' && o.event.message === 'signalr hub closed the connection: server going away');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(seen.filter((m) => m.type === MessageType.Ping).length, 0);
  });
});
