/**
 * The legacy GraphQL protocol (subscriptions-transport-ws, sub-protocol `graphql-ws`) against a
 * real SubscriptionServer from the subscriptions-transport-ws package: connection_init →
 * connection_ack, start ↔ data…/complete paired by operation id, stop, keep-alive `ka` decoded.
 */
import assert from 'node:assert/strict';
import { buildSchema, execute, subscribe } from 'graphql';
import { SubscriptionServer } from 'subscriptions-transport-ws';
import { WebSocketServer } from 'ws';
import { client, exchangeOf, httpServer, type Client } from './helpers';

const schema = buildSchema('type Query { hello: String } type Subscription { tick: Int }');
const rootValue = {
  hello: () => 'hi',
  tick: async function* () {
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, 5));
      yield { tick: i };
    }
  },
};

describe('protocols: legacy GraphQL (subscriptions-transport-ws) against a real SubscriptionServer', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let server: SubscriptionServer;
  let c: Client | undefined;
  const params: unknown[] = [];

  beforeEach(async () => {
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server });
    server = SubscriptionServer.create({ schema, rootValue, execute, subscribe, keepAlive: 50, onConnect: (p: unknown) => params.push(p) }, wss);
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    server.close();
    await http.close();
  });

  it('speaks graphql-ws: init with connectionParams, a query and a subscription paired, stop by name', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/`, 'graphql-ws', { protocolOptions: { legacy: true, connectionParams: { token: 't' } } });
    await c.session.ready();
    assert.ok(c.out.some((o) => o.type === 'event' && o.event.kind === 'handshake' && o.event.subprotocol === 'graphql-ws'));
    assert.deepEqual(params, [{ token: 't' }]);
    await c.session.send({ kind: 'graphql', name: 'q', query: '{ hello }' });
    await c.waitFor(exchangeOf('q'));
    assert.deepEqual(c.decoded('in').find((d) => d.type === 'data' && d.id === 'q')!.payload, { data: { hello: 'hi' } });
    await c.session.send({ kind: 'graphql', name: 'ticks', query: 'subscription { tick }' });
    await c.waitFor(() => c!.decoded('in').filter((d) => d.type === 'data' && d.id === 'ticks').length >= 2);
    await c.session.send({ kind: 'graphql-complete', of: 'ticks' });
    assert.equal(c.decoded('out').find((d) => d.type === 'stop')!.id, 'ticks');
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'ka');
    assert.equal(c.out.filter((o) => o.type === 'exchange' && o.key === 'ticks').length, 1);
  });
});
