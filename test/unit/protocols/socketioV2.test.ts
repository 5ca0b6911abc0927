/**
 * Engine.IO 3: the client against a real Socket.IO 2 server (socket.io@2, installed as
 * `socket.io-v2`): the server connects `/` by itself, the client pings, namespaces with a query
 * token, acks, binary attachments with the 0x04 frame prefix, and a ping timeout when the client
 * is silent.
 */
import assert from 'node:assert/strict';
import { client, exchangeOf, httpServer, type Client } from './helpers';

const ioV2 = require('socket.io-v2') as (srv: unknown, opts: object) => any;


describe('protocols: Socket.IO against a real Socket.IO 2 server (Engine.IO 3)', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let io: any;
  let c: Client | undefined;
  const reasons: string[] = [];
  const got: unknown[] = [];

  beforeEach(async () => {
    reasons.length = 0;
    got.length = 0;
    http = await httpServer();
    io = ioV2(http.server, { transports: ['websocket'], pingInterval: 200, pingTimeout: 150 });
    io.on('connection', (s: any) => {
      s.on('disconnect', (why: string) => reasons.push(why));
      s.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
      s.on('bin', (b: Buffer, ack: (x: unknown) => void) => {
        got.push(b);
        ack(Buffer.from([9, 8]));
      });
    });
    io.of('/admin').use((s: any, next: (e?: Error) => void) => (s.handshake.query.token === 'ok' ? next() : next(new Error('not authorized'))));
    io.of('/admin').on('connection', (s: any) => s.on('who', (ack: (x: string) => void) => ack(s.nsp.name)));
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    io.close();
    await http.close();
  });

  it('connects (the server connects /), pings, acks and binary attachments', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io', { protocolOptions: { eio: 3 } });
    await c.session.ready();
    const hs = c.out.find((o) => o.type === 'event' && o.event.kind === 'handshake') as { event: { request: { path: string } } };
    assert.equal(hs.event.request.path, '/socket.io/?EIO=3&transport=websocket');
    assert.ok(!c.decoded('out').some((d) => d.type === 'CONNECT'), 'no CONNECT for / on Socket.IO 2');
    await c.session.send({ kind: 'socket.io', event: 'sum', args: [2, 3], ack: true });
    await c.waitFor(exchangeOf('1'));
    assert.deepEqual(c.decoded('in').find((d) => d.type === 'ACK')!.args, [5]);
    await c.session.send({ kind: 'socket.io', event: 'bin', args: [{ $binary: Buffer.from([1, 2]).toString('base64') }], ack: true });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'ATTACHMENT' && o.decoded.complete === true && (o.event as { dir?: string }).dir === 'in');
    assert.equal((got[0] as Buffer).toString('hex'), '0102');
    assert.deepEqual(c.decoded('in').find((d) => d.type === 'ATTACHMENT')!.args, [{ $binary: Buffer.from([9, 8]).toString('base64') }]);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(c.conn.state, 'open', 'the client pings, so the server keeps the session');
    assert.ok(c.decoded('out').filter((d) => d.type === 'PING').length >= 2);
    assert.ok(c.decoded('in').some((d) => d.type === 'PONG'));
  });

  it('connects a namespace with a query token; a refused one fails ready()', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/admin`, 'socket.io', { protocolOptions: { eio: 3, query: { token: 'ok' } } });
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', event: 'who', ack: true });
    await c.waitFor(exchangeOf('/admin#1'));
    assert.deepEqual(c.decoded('in').find((d) => d.type === 'ACK')!.args, ['/admin']);
    await c.close();

    c = await client(`ws://127.0.0.1:${http.port}/admin`, 'socket.io', { protocolOptions: { eio: 3, query: { token: 'no' } } });
    await assert.rejects(c.session.ready(), /namespace \/admin refused: not authorized/);
  });

  it('with autoAnswer off (no pings) the server drops the session after its ping timeout', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io', { protocolOptions: { eio: 3, autoAnswer: false } });
    await c.session.ready();
    await c.waitFor((o) => o.type === 'event' && o.event.kind === 'close', 3000);
    assert.ok(!c.decoded('out').some((d) => d.type === 'PING'));
    assert.deepEqual(reasons, ['ping timeout']);
  });
});
