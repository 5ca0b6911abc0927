/**
 * The Socket.IO client against a real socket.io 4.x server on 127.0.0.1: namespaces, auth, acks
 * in both encodings, binary attachments, server-side disconnect, and a ping timeout when the
 * client is told not to answer pings.
 */
import assert from 'node:assert/strict';
import { Server } from 'socket.io';
import { socketIoEndpoint } from '../../../src/core/protocols/session';
import type { Exchange, Unanswered } from '../../../src/core/protocols/pairing';
import type { SessionOutput } from '../../../src/core/protocols/connectionSession';
import { client, exchangeOf, describe as describeOutput, httpServer, type Client } from './helpers';

const isExchange = (o: SessionOutput): o is Exchange => o.type === 'exchange';

describe('protocols: Socket.IO against a real socket.io server', function () {
  let io: Server;
  let http: Awaited<ReturnType<typeof httpServer>>;
  let c: Client | undefined;
  const seen: { event: string; args: unknown[]; nsp: string; auth?: unknown }[] = [];
  const disconnects: string[] = [];

  beforeEach(async () => {
    seen.length = 0;
    disconnects.length = 0;
    http = await httpServer();
    io = new Server(http.server, { transports: ['websocket'], pingInterval: 300, pingTimeout: 200 });
    io.on('connection', (s) => {
      s.on('disconnect', (reason) => disconnects.push(reason));
      s.onAny((event: string, ...args: unknown[]) => {
        const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (...a: unknown[]) => void) : undefined;
        seen.push({ event, args, nsp: '/', auth: s.handshake.auth });
        if (event === 'sum' && ack) ack((args as number[]).reduce((a, b) => a + b, 0));
        if (event === 'upload' && ack) ack({ got: Buffer.isBuffer(args[0]) ? (args[0] as Buffer).toString('hex') : null }, Buffer.from([0xca, 0xfe]));
        if (event === 'kick') setTimeout(() => s.disconnect(true), 10);
        if (event === 'push') s.emit('news', 'hello', Buffer.from('bin'));
      });
    });
    const admin = io.of('/admin');
    admin.use((s, next) => (s.handshake.auth.token === 'secret' ? next() : next(new Error('not authorized'))));
    admin.on('connection', (s) => {
      s.on('whoami', (ack: (x: unknown) => void) => ack({ nsp: s.nsp.name, token: s.handshake.auth.token }));
    });
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await new Promise<void>((r) => io.close(() => r()));
    await http.close();
  });

  it('builds the Engine.IO endpoint from a plain URL, its path naming the namespace', () => {
    assert.deepEqual(socketIoEndpoint('http://127.0.0.1:3000'), { url: 'ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket', namespace: '/' });
    assert.deepEqual(socketIoEndpoint('https://h/admin'), { url: 'wss://h/socket.io/?EIO=4&transport=websocket', namespace: '/admin' });
    assert.deepEqual(socketIoEndpoint('ws://h:1/x?token=a', { path: '/rt' }), { url: 'ws://h:1/rt/?token=a&EIO=4&transport=websocket', namespace: '/x' });
    const given = 'ws://h/socket.io/?EIO=4&transport=websocket&sid=abc';
    assert.equal(socketIoEndpoint(given).url, given);
  });

  it('connects with auth, sends an event with an ack, and pairs the ack with its latency', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io', { protocolOptions: { auth: { user: 'ann' } } });
    await c.session.ready();
    assert.equal((await c.waitFor(isExchange)).key, 'connect /');
    await c.session.send({ kind: 'socket.io', event: 'sum', args: [1, 2, 3], ack: true });
    const x = await c.waitFor(exchangeOf('1'));
    assert.equal(x.protocol, 'socket.io');
    assert.equal(x.key, '1');
    assert.ok(x.latencyMs >= 0 && x.latencyMs < 5000);
    const ev = c.decoded('out').find((d) => d.type === 'EVENT')!;
    assert.deepEqual({ event: ev.event, args: ev.args, ackId: ev.ackId, namespace: ev.namespace, summary: ev.summary }, { event: 'sum', args: [1, 2, 3], ackId: 1, namespace: '/', summary: 'sum(1, 2, 3) ack 1' });
    const ack = c.decoded('in').find((d) => d.type === 'ACK')!;
    assert.deepEqual(ack.args, [6]);
    assert.equal(seen[0]!.event, 'sum');
    assert.deepEqual(seen[0]!.auth, { user: 'ann' });
    const open = c.decoded('in')[0]!;
    assert.equal(open.type, 'OPEN');
    assert.match(open.summary, /^open sid=\S+ pingInterval=300 pingTimeout=200$/);
  });

  it('connects a namespace from the URL path with auth; a refused namespace fails ready()', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/admin`, 'socket.io', { protocolOptions: { auth: { token: 'secret' } } });
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', event: 'whoami', ack: true });
    await c.waitFor(exchangeOf('/admin#1'));
    const ack = c.decoded('in').find((d) => d.type === 'ACK')!;
    assert.deepEqual(ack.args, [{ nsp: '/admin', token: 'secret' }]);
    assert.equal(ack.key, '/admin#1');
    await c.close();

    c = await client(`ws://127.0.0.1:${http.port}/admin`, 'socket.io', { protocolOptions: { auth: { token: 'wrong' } } });
    await assert.rejects(c.session.ready(), /namespace \/admin refused: not authorized/);
    const err = c.decoded('in').find((d) => d.type === 'CONNECT_ERROR')!;
    assert.deepEqual(err.data, { message: 'not authorized' });
    // The CONNECT ↔ CONNECT_ERROR pair is an exchange too.
    assert.equal((await c.waitFor(isExchange)).key, 'connect /admin');
  });

  it('a message to another namespace connects it first; a refused one rejects the send', async () => {
    io.of('/open').on('connection', (s) => s.on('hi', (ack: (x: string) => void) => ack(s.nsp.name)));
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io');
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', namespace: '/open', event: 'hi', ack: true });
    await c.waitFor(exchangeOf('/open#1'));
    assert.deepEqual(c.decoded('in').find((d) => d.type === 'ACK')!.args, ['/open']);
    await assert.rejects(c.session.send({ kind: 'socket.io', namespace: '/admin', event: 'whoami' }), /namespace \/admin refused: not authorized/);
    assert.ok(!c.decoded('out').some((d) => d.type === 'EVENT' && d.namespace === '/admin'), 'nothing sent to a refused namespace');
    await c.close();
    // The request's auth goes with every namespace's CONNECT.
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io', { protocolOptions: { auth: { token: 'secret' } } });
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', namespace: '/admin', event: 'whoami', ack: true });
    await c.waitFor(exchangeOf('/admin#1'));
    assert.deepEqual(c.decoded('in').find((d) => d.type === 'ACK')!.args, [{ nsp: '/admin', token: 'secret' }]);
  });

  it('sends binary arguments as attachments and reassembles a BINARY_ACK and a binary server event', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io');
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', event: 'upload', args: [{ $binary: Buffer.from([1, 2, 3]).toString('base64') }], ack: true });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'ATTACHMENT' && o.decoded.complete === true && o.event.kind === 'message' && o.event.dir === 'in');
    assert.equal(seen[0]!.event, 'upload');
    assert.ok(Buffer.isBuffer(seen[0]!.args[0]), 'the server received a Buffer');
    assert.equal((seen[0]!.args[0] as Buffer).toString('hex'), '010203');
    const header = c.decoded('in').find((d) => d.type === 'BINARY_ACK');
    assert.ok(header, c.out.map(describeOutput).join('\n'));
    assert.equal(header.attachments, 1);
    const done = c.decoded('in').find((d) => d.type === 'ATTACHMENT')!;
    assert.deepEqual(done.args, [{ got: '010203' }, { $binary: Buffer.from([0xca, 0xfe]).toString('base64') }]);
    await c.waitFor(exchangeOf('1'));

    await c.session.send({ kind: 'socket.io', event: 'push' });
    const news = await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'ATTACHMENT' && o.decoded.event === 'news');
    assert.deepEqual((news as unknown as { decoded: { args: unknown } }).decoded.args, ['hello', { $binary: Buffer.from('bin').toString('base64') }]);
  });

  it('answers pings (the session outlives the ping timeout) and sees a server-side disconnect', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io');
    await c.session.ready();
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(c.conn.state, 'open');
    assert.ok(c.decoded('out').filter((d) => d.type === 'PONG').length >= 2, 'answered pings');
    await c.session.send({ kind: 'socket.io', event: 'kick' });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'DISCONNECT');
    await c.waitFor((o) => o.type === 'event' && o.event.kind === 'info' && /disconnected by the server/.test(o.event.message));
    assert.deepEqual(disconnects, ['server namespace disconnect']);
  });

  it('with autoAnswer off the server drops the session after its ping timeout', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io', { protocolOptions: { autoAnswer: false } });
    await c.session.ready();
    await c.waitFor((o) => o.type === 'event' && o.event.kind === 'close', 3000);
    assert.equal(c.decoded('out').filter((d) => d.type === 'PONG').length, 0);
    assert.ok(c.decoded('in').some((d) => d.type === 'PING'));
    assert.deepEqual(disconnects, ['ping timeout']);
  });

  it('reports an ack request the server never answers as unanswered after the timeout', async () => {
    c = await client(`http://127.0.0.1:${http.port}`, 'socket.io', { replyTimeoutMs: 150 });
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', event: 'nobody-acks', args: ['x'], ack: true });
    const u = (await c.waitFor((o) => o.type === 'unanswered')) as Unanswered;
    assert.deepEqual({ protocol: u.protocol, key: u.key, afterMs: u.afterMs }, { protocol: 'socket.io', key: '1', afterMs: 150 });
  });
});
