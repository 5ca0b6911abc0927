/**
 * The GraphQL mock against the real graphql-ws client (graphql-transport-ws): subscribe, next…
 * then complete from `reply`, a long-lived subscription on a schedule, errors, auth refused (4403),
 * the connection_init timeout (4408); and the legacy protocol with subscriptions-transport-ws's
 * SubscriptionClient.
 */
import assert from 'node:assert/strict';
import { createClient, type Client } from 'graphql-ws';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import { WebSocket } from 'ws';
import { Resources, delay } from '../helpers';
import type { MockDefinition } from '../../../../src/core/engine/mock/definition';

const FEED: Partial<MockDefinition> = {
  protocol: 'graphql-ws',
  protocolOptions: { connectionParams: { token: 'secret' }, connectionInitWaitTimeout: 300 },
  rules: [
    { match: { operationName: 'OnMessage' }, reply: [{ data: { message: { text: 'one', room: '{{json.variables.room}}' } } }, { data: { message: { text: 'two' } } }] },
    { match: { query: { regex: '\\bticks\\b' } }, reply: { next: [{ data: { tick: '{{counter}}' } }], everyMs: 30, count: 3 } },
    { match: { operationName: 'Broken' }, reply: { errors: [{ message: 'broken on purpose' }] } },
    { match: { operationName: 'Forever' }, reply: { next: [{ data: { n: 1 } }], everyMs: 20, count: 1000, complete: false } },
  ],
};

function collect(client: Client, payload: { query: string; operationName?: string; variables?: Record<string, unknown> }): Promise<{ results: unknown[]; error?: unknown }> {
  return new Promise((res) => {
    const results: unknown[] = [];
    client.subscribe(payload, { next: (r) => results.push(r), error: (error) => res({ results, error }), complete: () => res({ results }) });
  });
}

describe('mock protocols: GraphQL with the graphql-ws client and subscriptions-transport-ws', function () {
  const r = new Resources();
  const clients: Client[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.dispose();
    await r.dispose();
  });

  function gql(url: string, connectionParams: Record<string, unknown> = { token: 'secret' }, onClosed?: (e: unknown) => void): Client {
    const c = createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true, ...(onClosed ? { on: { closed: onClosed } } : {}) });
    clients.push(c);
    return c;
  }

  it('streams next payloads from reply then completes; variables reach the templates', async () => {
    const { url } = await r.mock(FEED);
    const c = gql(url);
    const { results, error } = await collect(c, { query: 'subscription OnMessage($room: String) { message(room: $room) { text room } }', operationName: 'OnMessage', variables: { room: 'lobby' } });
    assert.equal(error, undefined);
    assert.deepEqual(results, [{ data: { message: { text: 'one', room: 'lobby' } } }, { data: { message: { text: 'two' } } }]);
  });

  it('runs a subscription on a schedule (query regex), and answers errors from reply or when no rule holds', async () => {
    const { url } = await r.mock(FEED);
    const c = gql(url);
    const t0 = Date.now();
    const ticks = await collect(c, { query: 'subscription { ticks }' });
    assert.equal(ticks.results.length, 3);
    assert.ok(Date.now() - t0 >= 55, 'the items were spaced by everyMs');
    const broken = await collect(c, { query: 'query Broken { x }', operationName: 'Broken' });
    assert.deepEqual(broken.error, [{ message: 'broken on purpose' }]);
    const none = await collect(c, { query: '{ unknown }' });
    assert.match(JSON.stringify(none.error), /no mock rule answers this operation/);
  });

  it('stops a long-lived subscription when the client completes it', async () => {
    const { url, events } = await r.mock(FEED);
    const c = gql(url);
    let n = 0;
    const stop = c.subscribe({ query: 'subscription Forever { n }', operationName: 'Forever' }, { next: () => n++, error: () => undefined, complete: () => undefined });
    await delay(120);
    stop();
    await delay(30);
    const before = events.filter((e) => e.kind === 'message' && e.dir === 'out').length;
    await delay(100);
    assert.ok(n >= 2, 'items arrived while subscribed');
    assert.equal(events.filter((e) => e.kind === 'message' && e.dir === 'out').length, before, 'nothing is sent after complete');
  });

  it('refuses connection_init whose payload does not match (4403) and closes a silent client (4408)', async () => {
    const { url, port } = await r.mock(FEED);
    let closed: { code?: number } | undefined;
    const bad = gql(url, { token: 'wrong' }, (e) => (closed = e as { code?: number }));
    const res = await collect(bad, { query: 'subscription OnMessage { x }', operationName: 'OnMessage' });
    assert.ok(res.error);
    assert.equal(closed?.code, 4403);
    const silent = await r.client(`ws://127.0.0.1:${port}/`, 'graphql-transport-ws');
    const { code } = await silent.closed;
    assert.equal(code, 4408);
  });

  it('accepts only the sub-protocols protocolOptions.protocols lists', async () => {
    const { url } = await r.mock({ ...FEED, protocolOptions: { protocols: ['graphql-transport-ws'] } });
    const legacy = r.rawClient(url, 'graphql-ws');
    await assert.rejects(legacy.opened, /Server sent no subprotocol/);
    const current = await r.client(url, ['graphql-ws', 'graphql-transport-ws']);
    assert.equal(current.ws.protocol, 'graphql-transport-ws');
  });

  it('speaks the legacy protocol to subscriptions-transport-ws (start → data… → complete)', async () => {
    const { url } = await r.mock(FEED);
    const client = new SubscriptionClient(url, { connectionParams: { token: 'secret' }, reconnect: false }, WebSocket);
    r.defer(() => client.close());
    const got: unknown[] = [];
    await new Promise<void>((res, rej) => {
      client.request({ query: 'subscription OnMessage { message { text } }', operationName: 'OnMessage', variables: { room: 'r1' } }).subscribe({ next: (v) => got.push(v), error: rej, complete: () => res() });
    });
    assert.deepEqual(got, [{ data: { message: { text: 'one', room: 'r1' } } }, { data: { message: { text: 'two' } } }]);
  });
});
