/**
 * The GraphQL-over-WebSocket client (graphql-transport-ws) against a real graphql-ws server with
 * a schema that has a query and a subscription: connection_init with connectionParams, ack,
 * subscribe ↔ next…/complete pairing, ping answered, and the 4403 close of a refused init.
 */
import assert from 'node:assert/strict';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { client, exchangeOf, httpServer, type Client } from './helpers';

const schema = buildSchema(`
  type Query { hello(name: String): String }
  type Subscription { countdown(from: Int!): Int }
`);
const root = {
  hello: ({ name }: { name?: string }) => `hello ${name ?? 'world'}`,
  countdown: async function* ({ from }: { from: number }) {
    for (let i = from; i >= 0; i--) {
      await new Promise((r) => setTimeout(r, 5));
      yield { countdown: i };
    }
  },
};


describe('protocols: GraphQL over WebSocket against a real graphql-ws server', function () {
  let http: Awaited<ReturnType<typeof httpServer>>;
  let wss: WebSocketServer;
  let server: ReturnType<typeof useServer>;
  let c: Client | undefined;
  const params: unknown[] = [];

  beforeEach(async () => {
    params.length = 0;
    http = await httpServer();
    wss = new WebSocketServer({ server: http.server, path: '/graphql' });
    server = useServer(
      {
        schema,
        roots: { query: root, subscription: root },
        onConnect: (ctx) => {
          params.push(ctx.connectionParams);
          return ctx.connectionParams?.token === 'let-me-in';
        },
      },
      wss,
    );
  });

  afterEach(async () => {
    await c?.close();
    c = undefined;
    await server.dispose();
    await new Promise<void>((r) => wss.close(() => r()));
    await http.close();
  });

  it('initialises with connectionParams, runs a query and a subscription, pairing each by operation id', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/graphql`, 'graphql-ws', { protocolOptions: { connectionParams: { token: 'let-me-in' } } });
    assert.equal(c.conn.state, 'open');
    await c.session.ready();
    assert.deepEqual(params, [{ token: 'let-me-in' }]);
    assert.ok(c.out.some((o) => o.type === 'event' && o.event.kind === 'handshake' && o.event.subprotocol === 'graphql-transport-ws'));

    await c.session.send({ kind: 'graphql', query: 'query Q($n: String) { hello(name: $n) }', variables: { n: 'ann' }, operationName: 'Q' });
    const q = await c.waitFor(exchangeOf('1'));
    assert.equal(q.protocol, 'graphql-ws');
    const next = c.decoded('in').find((d) => d.type === 'next' && d.id === '1')!;
    assert.deepEqual(next.payload, { data: { hello: 'hello ann' } });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'complete' && o.decoded.id === '1');

    await c.session.send({ kind: 'graphql', name: 'count', query: 'subscription { countdown(from: 3) }' });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'complete' && o.decoded.id === 'count');
    const values = c.decoded('in').filter((d) => d.type === 'next' && d.id === 'count').map((d) => (d.payload as { data: { countdown: number } }).data.countdown);
    assert.deepEqual(values, [3, 2, 1, 0]);
    // One exchange per operation (its first reply), none for the later `next`s.
    assert.equal(c.out.filter((o) => o.type === 'exchange' && o.key === 'count').length, 1);
    const sub = c.decoded('out').find((d) => d.type === 'subscribe' && d.id === 'count')!;
    assert.equal(sub.summary, 'subscribe count: subscription { countdown(from: 3) }');
  });

  it('completes a running subscription by the name of its message', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/graphql`, 'graphql-ws', { protocolOptions: { connectionParams: { token: 'let-me-in' } } });
    await c.session.send({ kind: 'graphql', name: 'long', query: 'subscription { countdown(from: 1000) }' });
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'next');
    await c.session.send({ kind: 'graphql-complete', of: 'long' });
    const sent = c.decoded('out').find((d) => d.type === 'complete')!;
    assert.equal(sent.id, 'long');
    await new Promise((r) => setTimeout(r, 40)); // what was in flight arrives
    const before = c.decoded('in').length;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(c.decoded('in').length, before, 'the server stopped sending');
  });

  it('answers a server ping with pong (and not when autoAnswer is off)', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/graphql`, 'graphql-ws', { protocolOptions: { connectionParams: { token: 'let-me-in' } } });
    await c.session.ready();
    for (const ws of wss.clients) ws.send(JSON.stringify({ type: 'ping' }));
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'pong');
    assert.equal((await c.waitFor(exchangeOf('ping'))).protocol, 'graphql-ws');
    await c.close();

    c = await client(`ws://127.0.0.1:${http.port}/graphql`, 'graphql-ws', { protocolOptions: { connectionParams: { token: 'let-me-in' }, autoAnswer: false } });
    await c.session.ready();
    for (const ws of wss.clients) ws.send(JSON.stringify({ type: 'ping' }));
    await c.waitFor((o) => o.type === 'event' && o.decoded?.type === 'ping');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(c.decoded('out').filter((d) => d.type === 'pong').length, 0);
  });

  it('a refused connection_init closes 4403, explained, and ready() rejects', async () => {
    c = await client(`ws://127.0.0.1:${http.port}/graphql`, 'graphql-ws', { protocolOptions: { connectionParams: { token: 'nope' } } });
    await assert.rejects(c.session.ready(), /closed \(4403 Forbidden\)/);
    const close = await c.waitFor((o) => o.type === 'event' && o.event.kind === 'close');
    assert.equal((close as { event: { code: number } }).event.code, 4403);
    assert.ok(c.out.some((o) => o.type === 'event' && o.event.kind === 'info' && o.event.message === 'graphql-ws close 4403: forbidden (connection_init refused)'));
    // connection_init got no reply: reported when the connection ended.
    assert.ok(c.out.some((o) => o.type === 'unanswered' && o.key === 'connection_init' && o.closed));
  });
});
