/**
 * The SignalR mock against the real @microsoft/signalr HubConnection from Node (negotiate over
 * HTTP POST, then WebSockets, JSON hub protocol): invoke with a result from `reply`, an error
 * completion, server-to-client invocations, streams, keep-alive pings; and negotiate behind the
 * mock's gate (a foreign Origin gets 403 and no CORS header). The same with the MessagePack hub
 * protocol (@microsoft/signalr-protocol-msgpack): binary varint-length-prefixed records both ways.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as signalR from '@microsoft/signalr';
import { MessagePackHubProtocol } from '@microsoft/signalr-protocol-msgpack';
import { splitRecords, recordObject } from '../../../../src/core/protocols/signalrMsgpack';
import { Resources, delay, until } from '../helpers';
import type { MockDefinition } from '../../../../src/core/engine/mock/definition';
import type { MessageEvent, TimelineEvent } from '../../../../src/core/engine/events';

const sent = (events: TimelineEvent[]): MessageEvent[] => events.filter((e): e is MessageEvent => e.kind === 'message' && e.dir === 'out');

const HUB: Partial<MockDefinition> = {
  endpoints: [{ path: '/chathub' }],
  protocol: 'signalr',
  protocolOptions: { keepAliveMs: 100 },
  rules: [
    { match: { target: 'Add' }, reply: '{{json.0}}' },
    { match: { target: 'SendMessage' }, broadcast: true, respond: [{ kind: 'signalr', target: 'ReceiveMessage', arguments: ['{{json.0}}', '{{json.1}}'] }] },
    { match: { target: 'Fail' }, reply: { error: 'no such thing' } },
    { match: { target: 'Counter', type: 'StreamInvocation' }, reply: [1, 2, 3] },
  ],
};

describe('mock protocols: SignalR with the @microsoft/signalr HubConnection', function () {
  const r = new Resources();
  const conns: signalR.HubConnection[] = [];
  afterEach(async () => {
    for (const c of conns.splice(0)) await c.stop();
    await r.dispose();
  });

  async function hub(port: number, opts: signalR.IHttpConnectionOptions = {}, msgpack = false): Promise<signalR.HubConnection> {
    const b = new signalR.HubConnectionBuilder()
      .withUrl(`http://127.0.0.1:${port}/chathub`, { transport: signalR.HttpTransportType.WebSockets, ...opts })
      .configureLogging(signalR.LogLevel.None);
    const c = (msgpack ? b.withHubProtocol(new MessagePackHubProtocol()) : b).build();
    conns.push(c);
    await c.start();
    return c;
  }

  it('negotiates over HTTP POST, then invokes: result from reply, error completion', async () => {
    const { port, events } = await r.mock(HUB);
    const c = await hub(port);
    assert.ok(events.some((e) => e.kind === 'info' && /signalr: negotiate \/chathub\/negotiate/.test(e.message)), 'negotiate was served');
    assert.equal(await c.invoke('Add', 41, 1), 41);
    await assert.rejects(c.invoke('Fail'), /no such thing/);
    await assert.rejects(c.invoke('Unknown'), /no mock rule answers it/);
  });

  it('broadcasts server-to-client invocations to every connection', async () => {
    const { port } = await r.mock(HUB);
    const [a, b] = [await hub(port), await hub(port)];
    const got: string[] = [];
    a.on('ReceiveMessage', (u: string, m: string) => got.push(`a:${u}:${m}`));
    b.on('ReceiveMessage', (u: string, m: string) => got.push(`b:${u}:${m}`));
    await a.send('SendMessage', 'ada', 'hello');
    await until(() => got.length === 2, 2000, 'both receivers');
    assert.deepEqual(got.sort(), ['a:ada:hello', 'b:ada:hello']);
  });

  it('streams items then completes, and keeps the connection alive with pings', async () => {
    const { port, events } = await r.mock(HUB);
    const c = await hub(port);
    const items: number[] = [];
    await new Promise<void>((res, rej) => c.stream('Counter', 3).subscribe({ next: (i: number) => items.push(i), error: rej, complete: () => res() }));
    assert.deepEqual(items, [1, 2, 3]);
    await delay(250);
    assert.ok(events.filter((e) => e.kind === 'message' && e.dir === 'out' && e.data.toString() === '{"type":6}\x1e').length >= 2, 'pings every keepAliveMs');
  });

  it('refuses a hub protocol it does not speak, or one hubProtocols leaves out, in the handshake response', async () => {
    const { port } = await r.mock(HUB);
    const c = await r.client(`ws://127.0.0.1:${port}/chathub`);
    c.send('{"protocol":"blorp","version":1}\x1e');
    assert.equal(await c.nextText(), `{"error":"Requested protocol 'blorp' is not available."}\x1e`);
    assert.equal((await c.closed).code, 1000);
    const only = await r.mock({ ...HUB, protocolOptions: { hubProtocols: ['json'] } });
    const d = await r.client(`ws://127.0.0.1:${only.port}/chathub`);
    d.send('{"protocol":"messagepack","version":1}\x1e');
    assert.equal(await d.nextText(), `{"error":"Requested protocol 'messagepack' is not available."}\x1e`);
    await assert.rejects(hub(only.port, {}, true), /messagepack/);
  });

  describe('MessagePack hub protocol', () => {
    it('invokes with a result and an error completion, in binary length-prefixed records', async () => {
      const { port, events } = await r.mock(HUB);
      const c = await hub(port, {}, true);
      assert.equal(await c.invoke('Add', 41, 1), 41);
      assert.deepEqual(await c.invoke('Add', { a: [1, 'two'] }), { a: [1, 'two'] });
      await assert.rejects(c.invoke('Fail'), /no such thing/);
      await assert.rejects(c.invoke('Unknown'), /no mock rule answers it/);
      const out = sent(events);
      assert.equal(out[0]!.binary, true, 'the handshake response comes in a binary frame');
      assert.equal(out[0]!.data.toString(), '{}\x1e');
      const completions = out.slice(1).filter((e) => e.binary).flatMap((e) => splitRecords(e.data).map(recordObject)).filter((o) => o.type === 3);
      assert.deepEqual(completions[0], { type: 3, invocationId: '0', result: 41 });
      assert.ok(!out.slice(1).some((e) => !e.binary), 'no text frame after the handshake');
    });

    it('sends, and delivers server-to-client invocations from rules to JSON and MessagePack clients alike', async () => {
      const { port } = await r.mock(HUB);
      const [a, b] = [await hub(port, {}, true), await hub(port)];
      const got: string[] = [];
      a.on('ReceiveMessage', (u: string, m: string) => got.push(`msgpack:${u}:${m}`));
      b.on('ReceiveMessage', (u: string, m: string) => got.push(`json:${u}:${m}`));
      await a.send('SendMessage', 'ada', 'hello');
      await until(() => got.length === 2, 2000, 'both receivers');
      assert.deepEqual(got.sort(), ['json:ada:hello', 'msgpack:ada:hello']);
    });

    it('streams items then completes, and pings in MessagePack', async () => {
      const { port, events } = await r.mock(HUB);
      const c = await hub(port, {}, true);
      const items: number[] = [];
      await new Promise<void>((res, rej) => c.stream('Counter', 3).subscribe({ next: (i: number) => items.push(i), error: rej, complete: () => res() }));
      assert.deepEqual(items, [1, 2, 3]);
      await delay(250);
      const pings = sent(events).filter((e) => e.binary && Buffer.from(e.data).equals(Buffer.from([0x02, 0x91, 0x06])));
      assert.ok(pings.length >= 2, 'binary pings every keepAliveMs');
      assert.equal(c.state, signalR.HubConnectionState.Connected);
    });

    it('a malformedPacket fault sends a cut MessagePack record, which the client rejects', async () => {
      const { port } = await r.mock({ ...HUB, rules: [...(HUB.rules ?? []), { match: { target: 'Break' }, faults: [{ type: 'malformedPacket' }] }] });
      const c = await hub(port, {}, true);
      const closed = new Promise<Error | undefined>((res) => c.onclose(res));
      await c.send('Break');
      const err = await closed;
      assert.ok(err instanceof Error, `the client closed with an error on the cut record: ${String(err)}`);
      assert.equal(c.state, signalR.HubConnectionState.Disconnected);
    });
  });

  it('keeps negotiate behind the gate: a foreign Origin gets 403 and no CORS header; an allowed one gets its own origin back', async () => {
    const { port } = await r.mock({ ...HUB, allowedOrigins: ['https://app.example'] });
    const evil = await fetch(`http://127.0.0.1:${port}/chathub/negotiate?negotiateVersion=1`, { method: 'POST', headers: { Origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const ok = await fetch(`http://127.0.0.1:${port}/chathub/negotiate?negotiateVersion=1`, { method: 'POST', headers: { Origin: 'https://app.example' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    const body = (await ok.json()) as { negotiateVersion: number; connectionToken: string; availableTransports: { transport: string }[] };
    assert.equal(body.negotiateVersion, 1);
    assert.ok(body.connectionToken);
    assert.equal(body.availableTransports[0]!.transport, 'WebSockets');
    // DNS rebinding: a page on attacker.example resolving to 127.0.0.1 sends its own Host.
    const status = await new Promise<number>((res, rej) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/chathub/negotiate', method: 'POST', headers: { Host: `attacker.example:${port}` } }, (resp) => {
        resp.resume();
        res(resp.statusCode ?? 0);
      });
      req.on('error', rej);
      req.end();
    });
    assert.equal(status, 403);
  });
});
