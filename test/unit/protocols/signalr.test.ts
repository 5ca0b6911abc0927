/**
 * The SignalR client against a hub peer whose every byte is read and written by
 * @microsoft/signalr's own protocol code (JsonHubProtocol, TextMessageFormat): no ASP.NET server
 * runs here, so the official protocol implementation is the oracle. End to end against a real hub
 * comes with the mocks of the next issue.
 */
import assert from 'node:assert/strict';
import { MessageType } from '@microsoft/signalr';
import { WebSocketServer } from 'ws';
import { client, exchangeOf, httpServer, type Client } from './helpers';
import { signalrHubPeer, type SignalrPeer } from './peers';

describe('protocols: SignalR client against a hub speaking through @microsoft/signalr protocol code', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let c: Client | undefined;
  let peer: SignalrPeer;

  beforeEach(async () => {
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server });
    peer = signalrHubPeer(wss);
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
    assert.deepEqual(peer.handshake, { protocol: 'json', version: 1 });
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
    assert.deepEqual(peer.seen.filter((m) => m.type !== MessageType.Ping).map((m) => [m.type, (m as { target?: string }).target, (m as { invocationId?: string }).invocationId]), [
      [1, 'Add', '1'],
      [1, 'Nope', '2'],
      [4, 'Count', '3'],
      [1, 'Notify', undefined],
    ]);
    await new Promise((r) => setTimeout(r, 130));
    assert.ok(peer.seen.filter((m) => m.type === MessageType.Ping).length >= 2, 'keep-alive pings');
  });

  it('reports the hub Close record; with autoAnswer off no keep-alive Ping is sent', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/chat`, 'signalr', { protocolOptions: { keepAliveMs: 20, autoAnswer: false } });
    await c.session.ready();
    await c.session.send({ kind: 'signalr', target: 'Bye', invocation: 'send' });
    await c.waitFor((o) => o.type === 'event' && o.event.kind === 'info' && o.event.message === 'signalr hub closed the connection: server going away');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(peer.seen.filter((m) => m.type === MessageType.Ping).length, 0);
  });
});
