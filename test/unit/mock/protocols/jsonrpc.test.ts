/**
 * The JSON-RPC mock against the json-rpc-2.0 library's client over a real WebSocket: results from
 * `reply` (templated from params), errors, "Method not found", notifications, batches, a dropped
 * reply, and server-pushed notifications.
 */
import assert from 'node:assert/strict';
import { JSONRPCClient, JSONRPCErrorException } from 'json-rpc-2.0';
import { WebSocket } from 'ws';
import { Resources, delay } from '../helpers';
import type { MockDefinition } from '../../../../src/core/engine/mock/definition';

const CALC: Partial<MockDefinition> = {
  protocol: 'json-rpc',
  greeting: [{ kind: 'json-rpc', method: 'welcome', params: { server: 'mock' } }],
  rules: [
    { match: { method: 'sum' }, reply: { result: '{{json.0}}' } },
    { match: { method: 'echo' }, reply: { got: '{{json.text}}' } },
    { match: { method: 'fail' }, reply: { error: { code: -32000, message: 'boom {{json.0}}' } } },
    { match: { method: 'log', type: 'notification' }, respond: [{ kind: 'json-rpc', method: 'logged', params: ['{{json.0}}'] }] },
    { match: { method: 'lost' }, reply: 1, faults: [{ type: 'dropReply' }] },
  ],
};

describe('mock protocols: JSON-RPC with the json-rpc-2.0 client', function () {
  const r = new Resources();
  afterEach(() => r.dispose());

  async function open(url: string): Promise<{ client: JSONRPCClient; ws: WebSocket; pushed: unknown[]; raw: string[] }> {
    const ws = new WebSocket(url);
    r.defer(() => ws.terminate());
    const pushed: unknown[] = [];
    const raw: string[] = [];
    const client: JSONRPCClient = new JSONRPCClient((req) => {
      ws.send(JSON.stringify(req));
      return Promise.resolve();
    });
    ws.on('message', (d: Buffer) => {
      const text = d.toString();
      raw.push(text);
      const v = JSON.parse(text) as unknown;
      const list = Array.isArray(v) ? v : [v];
      for (const m of list as Record<string, unknown>[]) {
        if (typeof m.method === 'string') pushed.push(m);
        else client.receive(m as never);
      }
    });
    await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
    return { client, ws, pushed, raw };
  }

  it('answers requests from reply (result templated from params), errors and unknown methods', async () => {
    const { url } = await r.mock(CALC);
    const { client, pushed } = await open(url);
    assert.equal(await client.request('sum', [7, 8]), 7);
    assert.deepEqual(await client.request('echo', { text: 'hi' }), { got: 'hi' });
    await assert.rejects(Promise.resolve(client.request('fail', ['x'])), (e: unknown) => e instanceof JSONRPCErrorException && e.code === -32000 && e.message === 'boom x');
    await assert.rejects(Promise.resolve(client.request('nope', [])), (e: unknown) => e instanceof JSONRPCErrorException && e.code === -32601);
    assert.deepEqual(pushed[0], { jsonrpc: '2.0', method: 'welcome', params: { server: 'mock' } });
  });

  it('answers a batch with one array, leaving out notifications; a notification alone gets none', async () => {
    const { url } = await r.mock(CALC);
    const { client, raw, pushed } = await open(url);
    const results = await client.requestAdvanced([
      { jsonrpc: '2.0', id: 1, method: 'sum', params: [1] },
      { jsonrpc: '2.0', method: 'log', params: ['n'] },
      { jsonrpc: '2.0', id: 2, method: 'nope' },
    ]);
    assert.equal(results.length, 2);
    assert.deepEqual(results.map((x) => x.id).sort(), [1, 2]);
    const batch = raw.find((t) => t.startsWith('['));
    assert.ok(batch, 'the batch was answered as one array');
    assert.equal((JSON.parse(batch) as unknown[]).length, 2);
    await delay(50);
    assert.ok(pushed.some((p) => JSON.stringify(p) === JSON.stringify({ jsonrpc: '2.0', method: 'logged', params: ['n'] })), 'the notification fired its rule');
  });

  it('drops the reply of a request with a dropReply fault; invalid JSON gets a parse error', async () => {
    const { url } = await r.mock(CALC);
    const { client, ws, raw } = await open(url);
    client.timeout(200);
    await assert.rejects(Promise.resolve(client.timeout(200).request('lost', [])), /timeout/i);
    ws.send('{not json');
    await delay(100);
    assert.ok(raw.some((t) => JSON.parse(t).error?.code === -32700));
  });
});
