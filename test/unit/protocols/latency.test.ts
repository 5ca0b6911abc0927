/**
 * Pair latency against a real socket.io 4 server that acks each event after a delay D: every
 * latency the protocol layer measures (the core's exchanges, and the panel's rows, which take the
 * core's) is at least D and not far above it, over many round trips. The server waits D on a fine
 * clock (Node's setTimeout may fire up to 1 ms early, its start being cut to whole ms), so a
 * latency under D can only be the client's mistake.
 *
 * The defect this guards against: the request was timed when the protocol session heard of it,
 * after the timeline store and its listeners (the panel's view) had done their work on it, so that
 * work came off the latency. Here a store listener spends a few ms on each outgoing message, as a
 * busy panel may: the latency must still cover D.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RowProtocol } from '../../../src/shared/protocolContract';
import type { TimelineEvent } from '../../../src/shared/contract';
import { panelRig, until, type PanelRig } from '../panel/helpers';
import { Connection } from '../../../src/core/engine/connection';
import { ProtocolSession, type SessionOutput } from '../../../src/core/protocols/connectionSession';
import { client, exchangeOf, type Client } from './helpers';

const D = 30;
/** Generous: a loaded machine (2 cores, other jobs) delays the reply, never hastens it. */
const SLACK = 1000;
const ROUNDS = 40;

/** The socket.io 4 server (a child process): acks `sum` after D ms on the fine clock, and reports each delay it served. */
const PEER = `
const http = require('node:http');
const { Server } = require('socket.io');
const D = ${D};
const server = http.createServer();
const io = new Server(server, { transports: ['websocket'] });
io.on('connection', (s) => {
  s.on('sum', (a, b, ack) => {
    const t0 = performance.now();
    const later = () => {
      const left = D - (performance.now() - t0);
      if (left > 0) return void setTimeout(later, Math.ceil(left));
      process.send({ served: performance.now() - t0 });
      ack(a + b);
    };
    setTimeout(later, D);
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

/** Spends `ms` of CPU (the work a busy listener does). */
function busy(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    // spin
  }
}

describe('protocols: pair latency covers the server delay (real socket.io 4 server)', function () {
  this.timeout(60_000);
  let peer: ChildProcess;
  let port = 0;
  /** The server's own measure of each delay, receipt to ack, on the fine clock. */
  const served: number[] = [];

  before(async () => {
    // Its own process, as a real server is: work the client does cannot hold the server back too.
    peer = spawn(process.execPath, ['-e', PEER], { cwd: path.resolve(__dirname, '../../..'), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    port = await new Promise<number>((resolve, reject) => {
      peer.once('error', reject);
      peer.once('exit', (code) => reject(new Error(`the socket.io peer exited (${code})`)));
      peer.on('message', (m: { port?: number; served?: number }) => {
        if (m.port) resolve(m.port);
        if (m.served !== undefined) served.push(m.served);
      });
    });
  });

  after(() => {
    peer?.kill();
  });

  describe('the core (ProtocolSession exchanges)', () => {
    let c: Client;
    afterEach(async () => c?.close());

    async function roundTrips(n: number): Promise<number[]> {
      await c.session.ready();
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const key = await c.session.send({ kind: 'socket.io', event: 'sum', args: [i, 1], ack: true });
        assert.ok(key, 'an event with an ack opens a pair');
        out.push((await c.waitFor(exchangeOf(key))).latencyMs);
      }
      return out;
    }

    it(`measures every ack at ≥ ${D} ms and < ${D + SLACK} ms`, async () => {
      c = await client(`ws://127.0.0.1:${port}`, 'socket.io');
      const ms = await roundTrips(ROUNDS);
      assert.equal(ms.length, ROUNDS);
      for (const l of ms) assert.ok(l >= D && l < D + SLACK, `latency ${l} ms for a ${D} ms delay (all: ${ms.join(', ')})`);
    });

    it('does not count work done by the store listeners on the request against the latency', async () => {
      c = await client(`ws://127.0.0.1:${port}`, 'socket.io');
      // A store listener that is slow on outgoing messages (it runs before the connection's listeners).
      c.conn.store.onEvent((e) => {
        if (e.kind === 'message' && e.dir === 'out') busy(8);
      });
      const ms = await roundTrips(10);
      for (const l of ms) assert.ok(l >= D && l < D + SLACK, `latency ${l} ms for a ${D} ms delay (all: ${ms.join(', ')})`);
    });

    it('does not count work done by connection listeners that run before the session', async () => {
      // A listener subscribed before the session (another part of the client) and slow on outgoing messages.
      const session = new ProtocolSession('socket.io');
      const conn = new Connection(session.prepare({ url: `ws://127.0.0.1:${port}`, proxy: 'none', closeTimeoutMs: 500 }), { id: 'c2' });
      conn.onEvent((e) => {
        if (e.kind === 'message' && e.dir === 'out') busy(8);
      });
      const out: SessionOutput[] = [];
      session.attach(conn, (o) => out.push(o));
      await conn.connect();
      c = { conn, session, close: async () => { await conn.close(1000, '').catch(() => undefined); session.dispose(); conn.dispose(); }, waitFor: (pred: (o: SessionOutput) => boolean) => until(() => out.some(pred), 'the ack').then(() => out.find(pred)!) } as unknown as Client;
      const ms = await roundTrips(10);
      for (const l of ms) assert.ok(l >= D && l < D + SLACK, `latency ${l} ms for a ${D} ms delay (all: ${ms.join(', ')})`);
    });
  });

  describe("the panel (rows' pairs, the latency table)", () => {
    let rig: PanelRig;
    afterEach(async () => rig?.dispose());

    it(`shows every pair at ≥ ${D} ms, the table's p50 and max too`, async () => {
      rig = await panelRig();
      const request = { url: `ws://127.0.0.1:${port}`, protocol: 'socket.io' } as Parameters<PanelRig['client']['call']>[1] & Record<string, unknown>;
      await rig.client.call('connect', { request } as never);
      await until(() => rig.binding.connection?.state === 'open', 'open');
      const session = rig.binding.protocolSession!;
      await session.session.ready();
      // The panel's view does work on each outgoing row before the session hears of it (a busy webview feed).
      rig.binding.connection!.store.onEvent((e) => {
        if (e.kind === 'message' && e.dir === 'out') busy(5);
      });
      for (let i = 0; i < 10; i++) {
        const before = rig.binding.protocols.latency().find((r) => r.name === 'sum')?.count ?? 0;
        await rig.client.call('sendProtocol', { message: { kind: 'socket.io', event: 'sum', args: [i, 2], ack: true } });
        await until(() => (rig.binding.protocols.latency().find((r) => r.name === 'sum')?.count ?? 0) > before, `ack ${i}`);
      }
      const rows = (await rig.client.call('getRows', { from: 0, to: 5000 })).events as TimelineEvent[];
      const pairs = rows.map((e) => (e as TimelineEvent & { proto?: RowProtocol }).proto).filter((p) => p?.type === 'EVENT' && p.name === 'sum' && p.pair);
      assert.equal(pairs.length, 10, 'each sum is a paired row');
      for (const p of pairs) assert.ok(p!.pair!.latencyMs >= D && p!.pair!.latencyMs < D + SLACK, `row latency ${p!.pair!.latencyMs} ms for a ${D} ms delay`);
      const line = rig.binding.protocols.latency().find((r) => r.name === 'sum')!;
      assert.equal(line.count, 10);
      assert.ok(line.p50 >= D && line.max < D + SLACK, `table: ${JSON.stringify(line)}`);
    });
  });

  describe('the server', () => {
    it('waited D before each ack (the test checks itself)', async () => {
      await until(() => served.length >= 2 * 10 + ROUNDS + 10, 'the server\'s reports');
      for (const s of served) assert.ok(s >= D, `server delay ${s}`);
    });
  });
});
