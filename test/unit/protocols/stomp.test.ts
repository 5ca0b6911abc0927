/**
 * The STOMP client against a broker peer whose frames are read and written by @stomp/stompjs's
 * own Parser and FrameImpl (no STOMP broker package runs here, so the official client's protocol
 * code is the oracle): CONNECT/CONNECTED with login and heart-beats, SUBSCRIBE ids, MESSAGE
 * delivery paired by subscription, receipts, ACK in client-individual mode, a refused CONNECT.
 */
import assert from 'node:assert/strict';
import { FrameImpl, Parser, type IFrame } from '@stomp/stompjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { client, exchangeOf, httpServer, type Client } from './helpers';

describe('protocols: STOMP client against a broker speaking through @stomp/stompjs protocol code', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let c: Client | undefined;
  const frames: IFrame[] = [];
  let heartbeats = 0;

  const send = (ws: WebSocket, command: string, headers: Record<string, string>, body = '') =>
    ws.send(FrameImpl.marshall({ command, headers, body, escapeHeaderValues: command !== 'CONNECTED', skipContentLengthHeader: false }) as string);

  beforeEach(async () => {
    frames.length = 0;
    heartbeats = 0;
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
    wss.on('connection', (ws) => {
      const subs = new Map<string, { id: string; ack: string }>();
      let n = 0;
      const parser = new Parser(
        (raw) => {
          const f = FrameImpl.fromRawFrame(raw, raw.command !== 'CONNECT');
          frames.push(f);
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
        () => heartbeats++,
      );
      ws.on('message', (d) => parser.parseChunk(d.toString()));
    });
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
    const connect = frames[0]!;
    assert.deepEqual([connect.command, connect.headers['accept-version'], connect.headers.host, connect.headers.login, connect.headers['heart-beat']], ['CONNECT', '1.2,1.1,1.0', '127.0.0.1', 'ann', '30,0']);
    assert.ok(c.out.some(exchangeOf('connect')));
    await c.session.send({ kind: 'stomp', command: 'SUBSCRIBE', headers: { destination: '/queue/a', ack: 'client-individual' } });
    await c.session.send({ kind: 'stomp', command: 'SEND', headers: { destination: '/queue/a', receipt: 'r-1', 'content-type': 'application/json' }, body: '{"n":1}' });
    await c.waitFor(exchangeOf('receipt:r-1'));
    await c.waitFor(exchangeOf('sub:sub-1'));
    const msg = c.decoded('in').find((d) => d.type === 'MESSAGE')!;
    assert.deepEqual([msg.body, msg.json, (msg.headers as Record<string, string>).subscription], ['{"n":1}', { n: 1 }, 'sub-1']);
    await c.waitFor(() => frames.some((f) => f.command === 'ACK'));
    assert.equal(frames.find((f) => f.command === 'ACK')!.headers.id, 'a1');
    // Heart-beats every max(30, 40) ms.
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(heartbeats >= 2, `heart-beats seen by the peer: ${heartbeats}`);
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
    assert.equal(heartbeats, 0);
    assert.ok(!frames.some((f) => f.command === 'ACK'));
  });
});
