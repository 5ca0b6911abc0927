/**
 * The STOMP client against a broker peer whose frames are read and written by @stomp/stompjs's
 * own Parser and FrameImpl (no STOMP broker package runs here, so the official client's protocol
 * code is the oracle): CONNECT/CONNECTED with login and heart-beats, SUBSCRIBE ids, MESSAGE
 * delivery paired by subscription, receipts, ACK in client-individual mode, a refused CONNECT.
 */
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { stompBrokerPeer, type StompPeer } from './peers';
import { client, exchangeOf, httpServer, type Client } from './helpers';

describe('protocols: STOMP client against a broker speaking through @stomp/stompjs protocol code', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let c: Client | undefined;
  let peer: StompPeer;

  beforeEach(async () => {
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
    peer = stompBrokerPeer(wss);
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('connects with login and heart-beats, subscribes, sends with a receipt, ACKs client-individual messages', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/ws`, 'stomp', { protocolOptions: { login: 'ann', passcode: 'pw', heartBeat: '30,0' } });
    await c.session.ready();
    const connect = peer.frames[0]!;
    assert.deepEqual([connect.command, connect.headers['accept-version'], connect.headers.host, connect.headers.login, connect.headers['heart-beat']], ['CONNECT', '1.2,1.1,1.0', '127.0.0.1', 'ann', '30,0']);
    assert.ok(c.out.some(exchangeOf('connect')));
    await c.session.send({ kind: 'stomp', command: 'SUBSCRIBE', headers: { destination: '/queue/a', ack: 'client-individual' } });
    await c.session.send({ kind: 'stomp', command: 'SEND', headers: { destination: '/queue/a', receipt: 'r-1', 'content-type': 'application/json' }, body: '{"n":1}' });
    await c.waitFor(exchangeOf('receipt:r-1'));
    await c.waitFor(exchangeOf('sub:sub-1'));
    const msg = c.decoded('in').find((d) => d.type === 'MESSAGE')!;
    assert.deepEqual([msg.body, msg.json, (msg.headers as Record<string, string>).subscription], ['{"n":1}', { n: 1 }, 'sub-1']);
    await c.waitFor(() => peer.frames.some((f) => f.command === 'ACK'));
    assert.equal(peer.frames.find((f) => f.command === 'ACK')!.headers.id, 'a1');
    // Heart-beats every max(30, 40) ms.
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(peer.heartbeats >= 2, `heart-beats seen by the peer: ${peer.heartbeats}`);
  });

  it('a refused CONNECT fails ready(); autoAnswer off sends no heart-beat and no ACK', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/ws`, 'stomp', { protocolOptions: { passcode: 'nope' } });
    await assert.rejects(c.session.ready(), /STOMP CONNECT refused: bad credentials/);
    await c.close();

    c = await client(`ws://127.0.0.1:${http.port}/ws`, 'stomp', { protocolOptions: { passcode: 'pw', heartBeat: '20,0', autoAnswer: false } });
    await c.session.ready();
    await c.session.send({ kind: 'stomp', command: 'SUBSCRIBE', headers: { destination: '/q', ack: 'client' } });
    await c.session.send({ kind: 'stomp', command: 'SEND', headers: { destination: '/q' }, body: 'x' });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'MESSAGE');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(peer.heartbeats, 0);
    assert.ok(!peer.frames.some((f) => f.command === 'ACK'));
  });
});
