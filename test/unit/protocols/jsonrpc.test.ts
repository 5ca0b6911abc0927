/** The JSON-RPC client against a server built on the json-rpc-2.0 library: ids, errors, notifications, batches. */
import assert from 'node:assert/strict';
import { JSONRPCServer } from 'json-rpc-2.0';
import { WebSocketServer } from 'ws';
import { client, exchangeOf, httpServer, type Client } from './helpers';


describe('protocols: JSON-RPC against a json-rpc-2.0 server', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let c: Client | undefined;
  const notified: unknown[] = [];

  beforeEach(async () => {
    notified.length = 0;
    http = await httpServer();
    const rpc = new JSONRPCServer();
    rpc.addMethod('sum', (params: number[]) => params.reduce((a, b) => a + b, 0));
    rpc.addMethod('log', (params: unknown) => void notified.push(params));
    rpc.addMethod('slow', () => new Promise((r) => setTimeout(() => r('late'), 200)));
    wss = new WebSocketServer({ server: http.server });
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        void rpc.receiveJSON(data.toString()).then((res) => {
          if (res !== null) ws.send(JSON.stringify(res));
        });
      });
    });
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('assigns ids 1, 2, … and pairs results and errors; notifications get no id and no pair', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/rpc`, 'json-rpc');
    await c.session.send({ kind: 'json-rpc', method: 'sum', params: [1, 2] });
    await c.session.send({ kind: 'json-rpc', method: 'nope' });
    await c.session.send({ kind: 'json-rpc', method: 'log', params: ['hi'], notification: true });
    await c.waitFor(exchangeOf('1'));
    await c.waitFor(exchangeOf('2'));
    const out = c.decoded('out');
    assert.deepEqual(out.map((d) => [d.type, d.id, d.method, d.summary]), [
      ['request', 1, 'sum', 'sum([1,2]) id 1'],
      ['request', 2, 'nope', 'nope() id 2'],
      ['notification', undefined, 'log', 'notify log(["hi"])'],
    ]);
    const res = c.decoded('in').find((d) => d.id === 1)!;
    assert.deepEqual([res.type, res.result], ['result', 3]);
    const err = c.decoded('in').find((d) => d.id === 2)!;
    assert.equal(err.type, 'error');
    assert.equal((err.error as { code: number }).code, -32601);
    assert.equal(err.summary, 'error 2: -32601 Method not found');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(notified, [['hi']]);
    assert.equal(c.out.filter((o) => o.type === 'exchange').length, 2);
  });

  it('understands batches: each request of a raw batch pairs with its response in the reply batch', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/rpc`, 'auto');
    c.conn.sendText(JSON.stringify([
      { jsonrpc: '2.0', method: 'sum', params: [1, 1], id: 'a' },
      { jsonrpc: '2.0', method: 'log', params: ['x'] },
      { jsonrpc: '2.0', method: 'sum', params: [2, 2], id: 'b' },
    ]));
    await c.waitFor(exchangeOf('a'));
    await c.waitFor(exchangeOf('b'));
    assert.equal(c.session.monitor.protocol, 'json-rpc', 'auto detected JSON-RPC from the first message');
    const batch = c.decoded('in').find((d) => d.type === 'batch')!;
    assert.deepEqual(batch.items!.map((i) => i.result), [2, 4]);
  });

  it('a slow method is unanswered within a short timeout', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/rpc`, 'json-rpc', { replyTimeoutMs: 50 });
    await c.session.send({ kind: 'json-rpc', method: 'slow' });
    const u = await c.waitFor((o) => o.type === 'unanswered');
    assert.deepEqual(u, { type: 'unanswered', protocol: 'json-rpc', key: '1', request: (u as { request: number }).request, afterMs: 50 });
    // The late reply no longer pairs.
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'result');
    assert.equal(c.out.filter((o) => o.type === 'exchange').length, 0);
  });
});
