/**
 * Protocol mock benchmark (issue "Mocks that speak the protocols"): echo-event throughput of the
 * Socket.IO mock, recording into a TimelineStore, against a bare `socket.io` 4 server in the same
 * run (budget ≥ 0.8×). The servers run in this process; the socket.io-client load runs in a child
 * process with a window of events in flight. Two mock lines: the default echo of an unmatched
 * event, and a rule that answers with a templated `respond` event (rule matching, an info event
 * per message, template rendering and the Socket.IO encoder).
 *
 * Run: node --expose-gc --import tsx bench/protocolMock.bench.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockServer } from '../src/core/engine/mock/mockServer';
import type { MockDefinition } from '../src/core/engine/mock/definition';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { report, runWithLoadClient } from './lib';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const ROUNDS = Number(process.env.PROTO_MOCK_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.PROTO_MOCK_ROUND_MS ?? 1000);
const PAYLOAD = 'x'.repeat(48); // a 64 B Engine.IO message: 42["echo","xxx…"]

interface Target {
  port: number;
  close(): Promise<void>;
}

async function bareSocketIo(): Promise<Target> {
  const { Server } = await import('socket.io');
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false });
  io.on('connection', (s) => s.on('echo', (...args: unknown[]) => s.emit('echo', ...args)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise<void>((r) => io.close(() => r()));
    },
  };
}

async function socketIoMock(withRule: boolean): Promise<Target> {
  const store = new TimelineStore();
  const def: MockDefinition = {
    name: 'bench',
    protocol: 'socket.io',
    ...(withRule ? { rules: [{ match: { event: 'echo' }, respond: [{ kind: 'socket.io', event: 'echo', args: ['{{json.0}}'] }] }] } : {}),
  };
  const server = new MockServer(def, { store, closeGraceMs: 100 });
  const { port } = await server.start();
  return {
    port,
    close: async () => {
      await server.stop();
      await store.dispose();
    },
  };
}

// ------------------------------------------------------------------ the load client (child process)

type ToClient = { op: 'echo'; port: number; ms: number };
type FromClient = { op: 'echoed'; count: number; secs: number };

function loadClient(): void {
  process.on('message', async (m: ToClient) => {
    const { io } = await import('socket.io-client');
    const s = io(`http://127.0.0.1:${m.port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((r) => s.once('connect', () => r()));
    const window = 128;
    let received = 0;
    let inFlight = window;
    let stop = false;
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      s.on('echo', () => {
        received++;
        if (!stop) s.emit('echo', PAYLOAD);
        else if (--inFlight === 0) resolve();
      });
      for (let i = 0; i < window; i++) s.emit('echo', PAYLOAD);
      setTimeout(() => (stop = true), m.ms);
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    s.disconnect();
    process.send!({ op: 'echoed', count: received, secs } satisfies FromClient);
  });
  process.on('disconnect', () => process.exit(0));
}

function ask(child: ChildProcess, msg: ToClient): Promise<FromClient> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`load client exited with ${code}`));
    child.once('message', (m: FromClient) => {
      child.off('exit', onExit);
      resolve(m);
    });
    child.once('exit', onExit);
    child.send(msg);
  });
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const child = fork(__filename, ['--load-client'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const kinds = { bare: () => bareSocketIo(), mock: () => socketIoMock(false), rule: () => socketIoMock(true) } as const;
    const rate: Record<keyof typeof kinds, number[]> = { bare: [], mock: [], rule: [] };
    const round = async (k: keyof typeof kinds) => {
      const t = await kinds[k]();
      gc();
      const r = await ask(child, { op: 'echo', port: t.port, ms: ROUND_MS });
      await t.close();
      return r.count / r.secs;
    };
    // Warm each path once, then interleave round by round so load from other processes hits all alike.
    for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) await round(k);
    for (let i = 0; i < ROUNDS; i++) for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) rate[k].push(await round(k));
    const ratio = (xs: number[]) => med(xs.map((x, i) => x / rate.bare[i]!));
    const r = ratio(rate.mock);
    report({ name: 'Socket.IO mock echo-event throughput 64 B (recording into TimelineStore)', value: med(rate.mock), unit: 'events/s', baseline: med(rate.bare), ratio: r, budget: '≥ 0.8 × bare socket.io server', ok: r >= 0.8, rounds: ROUNDS });
    report({ name: 'Socket.IO mock rule-answered event throughput 64 B (recording, templated respond)', value: med(rate.rule), unit: 'events/s', baseline: med(rate.bare), ratio: ratio(rate.rule), rounds: ROUNDS });
  } finally {
    child.kill();
  }
}

runWithLoadClient(main, loadClient);
