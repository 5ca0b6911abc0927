/**
 * `websocket-workbench connect --protocol … --message …` (dist/cli.js, built by
 * `node scripts/build.mjs`) against real servers: NDJSON `decoded`, `exchange` and `unanswered`
 * lines as docs/cli-ndjson.md specifies them, and usage errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { buildSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { JSONRPCServer } from 'json-rpc-2.0';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { httpServer } from './helpers';

const cli = path.resolve(__dirname, '../../../dist/cli.js');
type Line = Record<string, any>;

function run(args: string[]): Promise<{ code: number; lines: Line[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'connect', ...args, '--output', 'ndjson'], { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line), stderr });
    });
  });
}

describe('protocols: connect --protocol (CLI)', function () {
  this.timeout(30_000);
  let http: Awaited<ReturnType<typeof httpServer>>;
  afterEach(async () => {
    await http?.close();
  });

  it('socket.io: builds the endpoint, connects with auth, sends an event with an ack; decoded and exchange lines', async () => {
    http = await httpServer();
    const io = new Server(http.server, { transports: ['websocket'] });
    let auth: unknown;
    io.on('connection', (s) => {
      auth = s.handshake.auth;
      s.on('chat', (m: string, ack: (r: string) => void) => ack(`got ${m}`));
    });
    try {
      const r = await run([`http://127.0.0.1:${http.port}`, '--protocol', 'socket.io', '--protocol-options', '{"auth":{"token":"t"}}', '--message', '{"kind":"socket.io","event":"chat","args":["hi"],"ack":true}', '--wait', '200']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(auth, { token: 't' });
      const hs = r.lines.find((l) => l.type === 'handshake')!;
      assert.equal(hs.request.path, '/socket.io/?EIO=4&transport=websocket');
      const ev = r.lines.find((l) => l.type === 'message' && l.decoded?.type === 'EVENT')!;
      assert.deepEqual(ev.decoded, { protocol: 'socket.io', type: 'EVENT', summary: 'chat("hi") ack 1', key: '1', namespace: '/', event: 'chat', args: ['hi'], ackId: 1 });
      const ack = r.lines.find((l) => l.type === 'message' && l.decoded?.type === 'ACK')!;
      const x = r.lines.find((l) => l.type === 'exchange' && l.key === '1')!;
      assert.deepEqual(Object.keys(x), ['type', 'protocol', 'key', 'request', 'response', 'latencyMs']);
      assert.deepEqual([x.protocol, x.request, x.response], ['socket.io', ev.id, ack.id]);
      assert.equal(typeof x.latencyMs, 'number');
      assert.ok(r.lines.indexOf(x) > r.lines.indexOf(ack), 'the exchange follows its reply');
    } finally {
      await new Promise<void>((res) => io.close(() => res()));
    }
  });

  it('socket.io --no-auto-answer: the server drops the silent client after its ping timeout', async () => {
    http = await httpServer();
    const io = new Server(http.server, { transports: ['websocket'], pingInterval: 200, pingTimeout: 150 });
    const reasons: string[] = [];
    io.on('connection', (s) => s.on('disconnect', (why) => reasons.push(why)));
    try {
      const r = await run([`ws://127.0.0.1:${http.port}/`, '--protocol', 'socket.io', '--no-auto-answer', '--wait', '3000']);
      assert.ok(r.lines.some((l) => l.decoded?.type === 'PING'));
      assert.ok(!r.lines.some((l) => l.decoded?.type === 'PONG'));
      assert.ok(r.lines.some((l) => l.type === 'close'));
      assert.deepEqual(reasons, ['ping timeout']);
    } finally {
      await new Promise<void>((res) => io.close(() => res()));
    }
  });

  it('graphql-ws: connectionParams, a subscription paired once, completes', async () => {
    http = await httpServer();
    const wss = new WebSocketServer({ server: http.server });
    const schema = buildSchema('type Query { a: Int } type Subscription { tick: Int }');
    const roots = {
      query: { a: () => 1 },
      subscription: {
        tick: async function* () {
          for (let i = 0; i < 3; i++) yield { tick: i };
        },
      },
    };
    const server = useServer({ schema, roots, onConnect: (ctx) => ctx.connectionParams?.k === 'v' }, wss);
    try {
      const r = await run([`ws://127.0.0.1:${http.port}/graphql`, '--protocol', 'graphql-ws', '--protocol-options', '{"connectionParams":{"k":"v"}}', '--message', '{"kind":"graphql","query":"subscription { tick }"}', '--wait', '300']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.lines.find((l) => l.type === 'handshake')!.subprotocol, 'graphql-transport-ws');
      const nexts = r.lines.filter((l) => l.decoded?.type === 'next');
      assert.deepEqual(nexts.map((l) => l.decoded.payload.data.tick), [0, 1, 2]);
      assert.deepEqual(nexts[0]!.decoded, { protocol: 'graphql-ws', type: 'next', summary: 'next 1 {"data":{"tick":0}}', key: '1', id: '1', payload: { data: { tick: 0 } } });
      assert.equal(r.lines.filter((l) => l.type === 'exchange' && l.key === '1').length, 1);
      assert.ok(r.lines.some((l) => l.type === 'exchange' && l.key === 'connection_init'));
    } finally {
      await server.dispose();
      await new Promise<void>((res) => wss.close(() => res()));
    }
  });

  it('json-rpc: ids assigned, results paired, an unanswered request after --reply-timeout; raw --send decoded by auto', async () => {
    http = await httpServer();
    const rpc = new JSONRPCServer();
    rpc.addMethod('sum', (p: number[]) => p[0]! + p[1]!);
    rpc.addMethod('never', () => new Promise(() => undefined));
    const wss = new WebSocketServer({ server: http.server });
    wss.on('connection', (ws) => ws.on('message', (d) => void rpc.receiveJSON(d.toString()).then((res) => res && ws.send(JSON.stringify(res)))));
    try {
      const r = await run([`ws://127.0.0.1:${http.port}`, '--protocol', 'json-rpc', '--message', '{"kind":"json-rpc","method":"sum","params":[1,2]}', '--message', '{"kind":"json-rpc","method":"never"}', '--reply-timeout', '100', '--wait', '400']);
      assert.equal(r.code, 0, r.stderr);
      const req = r.lines.find((l) => l.decoded?.method === 'sum')!;
      assert.deepEqual(req.decoded, { protocol: 'json-rpc', type: 'request', summary: 'sum([1,2]) id 1', key: '1', id: 1, method: 'sum', params: [1, 2] });
      const res = r.lines.find((l) => l.decoded?.type === 'result')!;
      assert.equal(res.decoded.result, 3);
      assert.deepEqual(r.lines.find((l) => l.type === 'exchange'), { type: 'exchange', protocol: 'json-rpc', key: '1', request: req.id, response: res.id, latencyMs: r.lines.find((l) => l.type === 'exchange')!.latencyMs });
      const never = r.lines.find((l) => l.decoded?.method === 'never')!;
      assert.deepEqual(r.lines.find((l) => l.type === 'unanswered'), { type: 'unanswered', protocol: 'json-rpc', key: '2', request: never.id, afterMs: 100 });

      const auto = await run([`ws://127.0.0.1:${http.port}`, '--send', '{"jsonrpc":"2.0","method":"sum","params":[2,2],"id":"x"}', '--wait', '200']);
      assert.equal(auto.code, 0, auto.stderr);
      assert.equal(auto.lines.find((l) => l.decoded?.type === 'result')!.decoded.result, 4);
      assert.ok(auto.lines.some((l) => l.type === 'exchange' && l.key === 'x'));
      const raw = await run([`ws://127.0.0.1:${http.port}`, '--protocol', 'raw', '--send', '{"jsonrpc":"2.0","method":"sum","params":[2,2],"id":"x"}', '--wait', '200']);
      assert.ok(!raw.lines.some((l) => 'decoded' in l || l.type === 'exchange'));
    } finally {
      await new Promise<void>((res) => wss.close(() => res()));
    }
  });

  it('mqtt: CONNECT/CONNACK, subscribe and a QoS 1 publish to itself, paired by packet id', async () => {
    http = await httpServer();
    const { Aedes } = (await import('aedes')) as unknown as { Aedes: { createBroker(): Promise<{ handle(s: unknown): void; close(cb: () => void): void }> } };
    const broker = await Aedes.createBroker();
    const wss = new WebSocketServer({ server: http.server, handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false) });
    const { createWebSocketStream } = await import('ws');
    wss.on('connection', (ws) => broker.handle(createWebSocketStream(ws)));
    try {
      const r = await run([`ws://127.0.0.1:${http.port}`, '--protocol', 'mqtt', '--protocol-options', '{"clientId":"cli"}', '--message', '{"kind":"mqtt","packet":"subscribe","topic":"t/#","qos":1}', '--message', '{"kind":"mqtt","packet":"publish","topic":"t/1","payload":"hello","qos":1}', '--wait', '300']);
      assert.equal(r.code, 0, r.stderr);
      const delivered = r.lines.find((l) => l.dir === 'in' && l.decoded?.packet === 'publish')!;
      // Our SUBSCRIBE (1) and PUBLISH (2), the CONNECT, and the broker's delivery our PUBACK answered.
      const keys = r.lines.filter((l) => l.type === 'exchange').map((l) => l.key);
      assert.deepEqual(keys.sort(), ['1', '2', String(delivered.decoded.packetId), 'connect'].sort());
      assert.deepEqual([delivered.decoded.topic, delivered.decoded.payload, delivered.decoded.qos], ['t/1', 'hello', 1]);
      assert.ok(r.lines.some((l) => l.dir === 'out' && l.decoded?.packet === 'puback'), 'the delivery was acknowledged');
    } finally {
      await new Promise<void>((res) => wss.close(() => res()));
      await new Promise<void>((res) => broker.close(() => res()));
    }
  });

  it('usage errors exit 2: --message without --protocol, a kind of another protocol, a malformed message, an unknown protocol', async () => {
    const cases: [string[], RegExp][] = [
      [['--message', '{"kind":"socket.io","event":"x"}'], /--message needs --protocol socket.io/],
      [['--protocol', 'json-rpc', '--message', '{"kind":"socket.io","event":"x"}'], /a "socket.io" message cannot be sent with --protocol json-rpc/],
      [['--protocol', 'socket.io', '--message', '{"kind":"socket.io","evnt":"x"}'], /unknown field "evnt"/],
      [['--protocol', 'socket.io', '--message', '{oops'], /--message is not JSON/],
      [['--protocol', 'soap'], /--protocol must be auto, raw or one of/],
      [['--protocol', 'stomp', '--message', '{"kind":"stomp","headers":{}}'], /"command" is required for kind "stomp"/],
    ];
    for (const [args, re] of cases) {
      const r = await run(['ws://127.0.0.1:1', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, re);
    }
  });
});
