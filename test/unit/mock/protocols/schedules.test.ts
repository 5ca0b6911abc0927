/**
 * Greetings and schedules of protocol mocks: items of the protocol's kind, sent once the
 * protocol's handshake is done, per client or broadcast, with templates.
 */
import assert from 'node:assert/strict';
import { io as ioc, type Socket } from 'socket.io-client';
import { Client, type IMessage } from '@stomp/stompjs';
import { WebSocket } from 'ws';
import { Resources, until } from '../helpers';

describe('mock protocols: greetings and schedules', function () {
  const r = new Resources();
  afterEach(() => r.dispose());

  it('Socket.IO: a greeting event after the namespace connects, a per-client schedule with a count, a broadcast schedule to every client', async () => {
    const { port } = await r.mock({
      protocol: 'socket.io',
      greeting: [{ kind: 'socket.io', event: 'hello', args: ['{{connection.id}}'] }],
      schedules: [
        { everyMs: 30, count: 3, messages: [{ kind: 'socket.io', event: 'tick', args: ['{{count}}'] }] },
        { everyMs: 40, broadcast: true, messages: [{ kind: 'socket.io', event: 'news', args: [{ n: '{{counter}}' }] }] },
      ],
    });
    const got: Record<string, unknown[][]> = {};
    const sockets: Socket[] = [];
    for (const name of ['a', 'b']) {
      const s = ioc(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
      sockets.push(s);
      r.defer(() => s.disconnect());
      s.onAny((event: string, ...args: unknown[]) => (got[`${name}:${event}`] ??= []).push(args));
    }
    await until(() => (got['a:tick']?.length ?? 0) >= 3 && (got['b:news']?.length ?? 0) >= 2 && (got['a:news']?.length ?? 0) >= 2, 3000, 'ticks and news');
    assert.equal(got['a:hello']!.length, 1);
    assert.match(String(got['a:hello']![0]![0]), /^test#\d+$/);
    await new Promise((res) => setTimeout(res, 120));
    assert.equal(got['a:tick']!.length, 3, 'the per-client schedule stops after its count');
  });

  it('STOMP: a broadcast schedule publishes to the subscribers of its destination', async () => {
    const { url } = await r.mock({ protocol: 'stomp', schedules: [{ everyMs: 30, broadcast: true, messages: [{ kind: 'stomp', command: 'SEND', headers: { destination: '/topic/ticks' }, body: '{"n":"{{counter}}"}' }] }] });
    const c = new Client({ webSocketFactory: () => new WebSocket(url, ['v12.stomp']), reconnectDelay: 0, heartbeatIncoming: 0, heartbeatOutgoing: 0 });
    r.defer(() => c.deactivate());
    const got: unknown[] = [];
    await new Promise<void>((res) => {
      c.onConnect = () => res();
      c.activate();
    });
    c.subscribe('/topic/ticks', (m: IMessage) => got.push(JSON.parse(m.body)));
    await until(() => got.length >= 2, 3000, 'two ticks');
    assert.ok(got.every((g) => typeof (g as { n: unknown }).n === 'string'));
  });
});
