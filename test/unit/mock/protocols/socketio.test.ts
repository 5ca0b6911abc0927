/**
 * The Socket.IO mock against the real socket.io-client 4 (websocket transport): namespaces, the
 * connect-time auth check, acks from `reply`, rooms joined by a rule and broadcast to a room,
 * binary arguments, echo, protocol faults (dropped ack, no heartbeat), and the security gate.
 */
import assert from 'node:assert/strict';
import { io as ioc, type Socket } from 'socket.io-client';
import { Resources, delay } from '../helpers';
import type { MockDefinition } from '../../../../src/core/engine/mock/definition';

const CHAT: Partial<MockDefinition> = {
  protocol: 'socket.io',
  protocolOptions: { auth: { token: 'secret' }, namespaces: ['/', '/admin'] },
  rules: [
    { name: 'sum', match: { event: 'sum' }, reply: ['{{json.0}}', 'ok'] },
    { name: 'join', match: { event: 'join' }, join: '{{json.0}}', reply: 'joined {{json.0}}' },
    { name: 'say', match: { event: 'say', namespace: '/' }, broadcast: true, room: '{{json.0}}', respond: [{ kind: 'socket.io', event: 'said', args: ['{{json.0}}', '{{json.1}}'] }] },
    { name: 'hello', match: { event: 'hello', json: { path: '0.name', exists: true } }, respond: [{ kind: 'socket.io', event: 'welcome', args: ['hi {{json.0.name}}'] }] },
    { name: 'admin', match: { event: 'stats', namespace: '/admin' }, reply: [{ users: 3 }] },
    { name: 'silent', match: { event: 'lost' }, reply: ['never'], faults: [{ type: 'dropReply' }] },
    { name: 'late', match: { event: 'late' }, reply: ['late'], delay: 150 },
  ],
};

describe('mock protocols: Socket.IO with the real socket.io-client', function () {
  const r = new Resources();
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.disconnect();
    await r.dispose();
  });

  function connect(port: number, nsp = '/', opts: Record<string, unknown> = {}): Socket {
    const s = ioc(`http://127.0.0.1:${port}${nsp}`, { transports: ['websocket'], reconnection: false, auth: { token: 'secret' }, forceNew: true, ...opts });
    sockets.push(s);
    return s;
  }
  /** Emits with an ack and resolves with every argument of the ack (emitWithAck keeps only the first). */
  const ack = (s: Socket, event: string, ...args: unknown[]) =>
    new Promise<unknown[]>((res, rej) => s.timeout(2000).emit(event, ...args, (err: Error | null, ...got: unknown[]) => (err ? rej(err) : res(got))));
  const connected = (s: Socket) => new Promise<void>((res, rej) => { s.once('connect', () => res()); s.once('connect_error', rej); });

  it('connects with auth, answers acks from reply (templated from the arguments) and echoes unmatched events', async () => {
    const { port, events } = await r.mock(CHAT);
    const s = connect(port);
    await connected(s);
    assert.deepEqual(await ack(s, 'sum', 42), [42, 'ok']);
    const echoed = new Promise<unknown[]>((res) => s.once('ping-me', (...a: unknown[]) => res(a)));
    s.emit('ping-me', 'a', { b: 1 });
    assert.deepEqual(await echoed, ['a', { b: 1 }]);
    const welcome = new Promise<unknown[]>((res) => s.once('welcome', (...a: unknown[]) => res(a)));
    s.emit('hello', { name: 'Ada' });
    assert.deepEqual(await welcome, ['hi Ada']);
    // Sends are corked per tick: the tap still records each message once, as a frame then a message, in order.
    const out = events.filter((e) => (e.kind === 'frame' || e.kind === 'message') && e.dir === 'out');
    const frames = out.filter((e) => e.kind === 'frame');
    const messages = out.filter((e) => e.kind === 'message');
    assert.equal(frames.length, messages.length);
    assert.deepEqual(frames.map((f) => (f.kind === 'frame' ? Buffer.from(f.payload).toString() : '')), messages.map((m) => (m.kind === 'message' ? Buffer.from(m.data).toString() : '')));
    assert.ok(messages.some((m) => m.kind === 'message' && Buffer.from(m.data).toString() === '42["welcome","hi Ada"]'));
  });

  it('refuses a wrong auth payload with connect_error, and a namespace it does not serve', async () => {
    const { port } = await r.mock(CHAT);
    const bad = connect(port, '/', { auth: { token: 'nope' } });
    const err = await new Promise<Error>((res) => bad.once('connect_error', res));
    assert.equal(err.message, 'unauthorized');
    const other = connect(port, '/elsewhere');
    const err2 = await new Promise<Error>((res) => other.once('connect_error', res));
    assert.equal(err2.message, 'Invalid namespace');
  });

  it('serves namespaces: a rule matching /admin answers there only', async () => {
    const { port } = await r.mock(CHAT);
    const admin = connect(port, '/admin');
    await connected(admin);
    assert.deepEqual(await ack(admin, 'stats'), [{ users: 3 }]);
    const main = connect(port, '/');
    await connected(main);
    // On `/` no rule holds for "stats": the echo answers the ack with the arguments sent.
    assert.deepEqual(await ack(main, 'stats', 'x'), ['x']);
  });

  it('joins rooms from a rule and broadcasts to the room only', async () => {
    const { port } = await r.mock(CHAT);
    const [a, b, c] = [connect(port), connect(port), connect(port)];
    await Promise.all([a, b, c].map(connected));
    assert.deepEqual(await ack(a, 'join', 'red'), ['joined red']);
    assert.deepEqual(await ack(b, 'join', 'red'), ['joined red']);
    assert.deepEqual(await ack(c, 'join', 'blue'), ['joined blue']);
    const got: string[] = [];
    for (const [name, s] of [['a', a], ['b', b], ['c', c]] as const) s.on('said', (room: string, text: string) => got.push(`${name}:${room}:${text}`));
    a.emit('say', 'red', 'hello reds');
    await delay(150);
    assert.deepEqual(got.sort(), ['a:red:hello reds', 'b:red:hello reds']);
  });

  it('carries binary arguments both ways (echo of a Buffer)', async () => {
    const { port } = await r.mock(CHAT);
    const s = connect(port);
    await connected(s);
    const back = await ack(s, 'blob', Buffer.from([1, 2, 3, 255]), 'tag');
    assert.ok(Buffer.isBuffer(back[0]), 'the first argument comes back as bytes');
    assert.deepEqual([...(back[0] as Buffer)], [1, 2, 3, 255]);
    assert.equal(back[1], 'tag');
  });

  it('drops an ack with a dropReply fault, and answers late with a delay', async () => {
    const { port, events } = await r.mock(CHAT);
    const s = connect(port);
    await connected(s);
    await assert.rejects(new Promise((res, rej) => s.timeout(300).emit('lost', (err: Error | null) => (err ? rej(err) : res(undefined)))), /operation has timed out/);
    assert.ok(events.some((e) => e.kind === 'info' && e.message === 'fault: reply dropped'));
    const t0 = Date.now();
    assert.deepEqual(await ack(s, 'late'), ['late']);
    assert.ok(Date.now() - t0 >= 140, 'the ack waited for the rule delay');
  });

  it('pings at pingInterval; with noHeartbeat the client gives up after its ping timeout', async () => {
    const { port } = await r.mock({ ...CHAT, protocolOptions: { pingInterval: 100, pingTimeout: 100 } });
    const s = connect(port, '/', { auth: {} });
    await connected(s);
    await delay(350); // several ping/pong rounds
    assert.equal(s.connected, true);
    const { port: port2 } = await r.mock({ ...CHAT, protocolOptions: { pingInterval: 100, pingTimeout: 100 }, faults: [{ type: 'noHeartbeat' }] });
    const quiet = connect(port2, '/', { auth: {} });
    await connected(quiet);
    const reason = await new Promise<string>((res) => quiet.once('disconnect', res));
    assert.equal(reason, 'ping timeout');
  });

  it('keeps the Origin gate: a foreign page is refused before the Engine.IO session', async () => {
    const { port, events } = await r.mock(CHAT);
    const s = connect(port, '/', { extraHeaders: { Origin: 'https://evil.example' } });
    await new Promise<Error>((res) => s.once('connect_error', res));
    assert.ok(events.some((e) => e.kind === 'error' && e.code === 'WSWB_MOCK_ORIGIN_REJECTED'));
  });
});
