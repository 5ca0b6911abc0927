/**
 * Record-to-mock (and HAR-to-mock) for recognised protocols: a client session recorded against a
 * real socket.io server, and a JSON-RPC session against a json-rpc-2.0 server, become protocol
 * mocks with one rule per event/method whose replies a real client then gets from the mock; the
 * same JSON-RPC session round-tripped through HAR gives the same rules.
 */
import assert from 'node:assert/strict';
import { Server } from 'socket.io';
import { io as ioc } from 'socket.io-client';
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import { WebSocketServer } from 'ws';
import { recordingToMock } from '../../../../src/core/engine/mock/recordToMock';
import { checkMockDefinition } from '../../../../src/core/engine/mock/validate';
import { exportHar, importHar, transcriptsToEvents } from '../../../../src/core/collections/har';
import type { TimelineEvent } from '../../../../src/core/engine/events';
import { client, httpServer, exchangeOf } from '../../protocols/helpers';
import { Resources } from '../helpers';

const eventsOf = (out: { type: string; event?: TimelineEvent }[]) => out.flatMap((o) => (o.type === 'event' && o.event ? [o.event] : []));

describe('mock protocols: record-to-mock and HAR-to-mock of recognised sessions', function () {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('a Socket.IO session becomes event rules with acks and pushed events, which socket.io-client then gets from the mock', async () => {
    const http = await httpServer();
    r.defer(() => http.close());
    const io = new Server(http.server, { transports: ['websocket'] });
    r.defer(() => io.close());
    io.on('connection', (s) => {
      s.emit('welcome', 'hello');
      s.on('sum', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
      s.on('file', (name: string, ack: (meta: unknown, bytes: Buffer) => void) => ack({ name }, Buffer.from([0xca, 0xfe])));
      s.on('subscribe', (room: string) => s.emit('news', { room, headline: 'recorded' }));
    });
    const c = await client(`ws://127.0.0.1:${http.port}/`, 'socket.io');
    await c.session.ready();
    await c.session.send({ kind: 'socket.io', event: 'sum', args: [2, 3], ack: true });
    await c.waitFor(exchangeOf('1'));
    await c.session.send({ kind: 'socket.io', event: 'file', args: ['a.bin'], ack: true });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'ATTACHMENT' && o.decoded.complete === true);
    await c.session.send({ kind: 'socket.io', event: 'subscribe', args: ['sports'] });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.event === 'news');
    await c.close();

    const def = recordingToMock(eventsOf(c.out), { name: 'replayed', timing: false });
    assert.equal(def.protocol, 'socket.io');
    assert.deepEqual(checkMockDefinition(def), []);
    assert.deepEqual(def.greeting, [{ kind: 'socket.io', event: 'welcome', args: ['hello'] }]);
    assert.deepEqual(def.rules, [
      { name: '/ sum', match: { event: 'sum' }, reply: [5] },
      { name: '/ file', match: { event: 'file' }, reply: [{ name: 'a.bin' }, { $binary: 'yv4=' }] },
      { name: '/ subscribe', match: { event: 'subscribe' }, respond: [{ kind: 'socket.io', event: 'news', args: [{ room: 'sports', headline: 'recorded' }] }] },
    ]);

    const { port } = await r.mock(def);
    const s = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    r.defer(() => s.disconnect());
    const welcome = new Promise<unknown>((res) => s.once('welcome', res));
    assert.equal(await welcome, 'hello');
    assert.equal(await s.timeout(2000).emitWithAck('sum', 2, 3), 5);
    const file = await new Promise<unknown[]>((res) => s.timeout(2000).emit('file', 'a.bin', (_e: unknown, ...a: unknown[]) => res(a)));
    assert.deepEqual(file[0], { name: 'a.bin' });
    assert.deepEqual([...(file[1] as Buffer)], [0xca, 0xfe], 'the recorded bytes come back as bytes');
    const news = new Promise<unknown>((res) => s.once('news', res));
    s.emit('subscribe', 'sports');
    assert.deepEqual(await news, { room: 'sports', headline: 'recorded' });
  });

  it('a JSON-RPC session becomes method rules with results and errors, also after a round trip through HAR', async () => {
    const rpc = new JSONRPCServer({ errorListener: () => undefined });
    rpc.addMethod('sum', ([a, b]: number[]) => a! + b!);
    rpc.addMethod('fail', () => {
      throw new JSONRPCErrorException('nope', -32001);
    });
    const http = await httpServer();
    r.defer(() => http.close());
    const wss = new WebSocketServer({ server: http.server });
    r.defer(() => wss.close());
    wss.on('connection', (ws) => ws.on('message', async (d) => {
      const res = await rpc.receiveJSON(d.toString());
      if (res) ws.send(JSON.stringify(res));
    }));
    const c = await client(`ws://127.0.0.1:${http.port}/`, 'json-rpc');
    await c.session.send({ kind: 'json-rpc', method: 'sum', params: [1, 2] });
    await c.waitFor(exchangeOf('1'));
    await c.session.send({ kind: 'json-rpc', method: 'fail' });
    await c.waitFor(exchangeOf('2'));
    await c.close();
    const events = eventsOf(c.out);

    const def = recordingToMock(events, { name: 'rpc', timing: false });
    assert.equal(def.protocol, 'json-rpc');
    assert.deepEqual(def.rules!.map((x) => [x.match, x.reply]), [
      [{ method: 'sum' }, { result: 3 }],
      [{ method: 'fail' }, { error: { code: -32001, message: 'nope' } }],
    ]);

    const har = importHar(exportHar(events));
    const fromHar = recordingToMock(transcriptsToEvents(har.transcripts), { name: 'rpc', timing: false });
    assert.deepEqual(fromHar.rules, def.rules);
    assert.equal(fromHar.protocol, 'json-rpc');

    // raw stays available.
    const raw = recordingToMock(events, { name: 'rpc', timing: false, protocol: 'raw' });
    assert.equal(raw.protocol, undefined);
    assert.ok(raw.rules!.every((x) => x.match?.text !== undefined));
  });
});
