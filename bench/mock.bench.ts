/**
 * Mock server benchmarks (DESIGN.md budgets). The servers run in this process; the load clients
 * run in a child process, so they do not share the servers' event loop and CPU (a client in the
 * same loop slows both servers alike and pulls the ratio toward 1).
 *
 *  - echo: one client keeps a window of messages in flight against a recording MockServer, a
 *    MockServer whose events go nowhere (wire tap only), and a bare ws echo server; 64 B and 16 KiB.
 *    Throughput (messages/s, budget ratio ≥ 0.9) and server CPU per echoed message (this process's
 *    CPU time over the round / echoes), as bench/echo.bench.ts reports client CPU.
 *  - broadcast fan-out to 1,000 clients: messages delivered per second, recording MockServer vs a
 *    bare ws server's send loop; both warmed, then alternated round by round, median of the rounds.
 *
 * Run: node --expose-gc --import tsx bench/mock.bench.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { MockServer } from '../src/core/engine/mock/mockServer';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { report, runWithLoadClient } from './lib';
import type { TimelineEvent } from '../src/core/engine/events';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const ROUNDS = Number(process.env.MOCK_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.MOCK_ROUND_MS ?? 1000);
const FANOUT_ROUNDS = Number(process.env.MOCK_FANOUT_ROUNDS ?? 3);

interface Target {
  url: string;
  broadcast(data: string): void;
  close(): Promise<void>;
}

async function bareServer(): Promise<Target> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    broadcast: (data) => {
      for (const c of wss.clients) if (c.readyState === WebSocket.OPEN) c.send(data);
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

async function mockServer(sink: 'store' | 'none' = 'store'): Promise<Target> {
  const store = sink === 'store' ? new TimelineStore() : undefined;
  // 'none': the full wire tap and every event object, handed to a sink that keeps nothing —
  // separates the mock's own cost from the timeline store's.
  const server = new MockServer({ name: 'bench' }, { store: store ?? { append: (e) => e as TimelineEvent }, closeGraceMs: 100 });
  const { url } = await server.start();
  return {
    url,
    broadcast: (data) => void server.broadcast(data),
    close: async () => {
      await server.stop();
      await store?.dispose();
    },
  };
}

// ------------------------------------------------------------------ the load client (child process)

type ToClient = { op: 'echo'; url: string; size: number; ms: number } | { op: 'connect'; url: string; n: number; k: number } | { op: 'close' };
type FromClient = { op: 'echoed'; count: number; secs: number } | { op: 'connected' } | { op: 'delivered'; count: number } | { op: 'closed' };

class LoadClient {
  private readonly child: ChildProcess;
  private constructor() {
    this.child = fork(__filename, ['--load-client'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  static start(): LoadClient {
    return new LoadClient();
  }
  /** Sends `msg` and resolves with the client's next `reply`. */
  ask<T extends FromClient['op']>(msg: ToClient, reply: T): Promise<Extract<FromClient, { op: T }>> {
    const answer = this.next(reply);
    this.child.send(msg);
    return answer;
  }
  /** Resolves with the client's next message of kind `reply`. */
  next<T extends FromClient['op']>(reply: T): Promise<Extract<FromClient, { op: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromClient) => {
        if (m.op !== reply) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(m as Extract<FromClient, { op: T }>);
      };
      const onExit = (code: number | null) => reject(new Error(`load client exited with ${code}`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
  stop(): void {
    this.child.kill();
  }
}

function loadClient(): void {
  let sockets: WebSocket[] = [];
  let delivered = 0;
  let goal = 0;
  const send = (m: FromClient) => process.send!(m);
  process.on('message', async (m: ToClient) => {
    if (m.op === 'echo') {
      const ws = new WebSocket(m.url, { perMessageDeflate: false });
      ws.on('error', () => undefined);
      await new Promise((r) => ws.once('open', r));
      const payload = Buffer.alloc(m.size, 0x61);
      const binary = m.size > 1024;
      const window = binary ? 16 : 128;
      let received = 0;
      let inFlight = window;
      let stop = false;
      const t0 = process.hrtime.bigint();
      const done = new Promise<void>((resolve) => {
        ws.on('message', () => {
          received++;
          if (!stop) ws.send(payload, { binary });
          else if (--inFlight === 0) resolve();
        });
      });
      for (let i = 0; i < window; i++) ws.send(payload, { binary });
      setTimeout(() => (stop = true), m.ms);
      await done;
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      ws.terminate();
      send({ op: 'echoed', count: received, secs });
    } else if (m.op === 'connect') {
      delivered = 0;
      goal = m.n * m.k;
      for (let i = 0; i < m.n; i += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, m.n - i) }, () => {
            const ws = new WebSocket(m.url, { perMessageDeflate: false });
            sockets.push(ws);
            ws.on('error', () => undefined);
            ws.on('message', () => {
              if (++delivered === goal) send({ op: 'delivered', count: delivered });
            });
            return new Promise((r) => ws.once('open', r));
          }),
        );
      }
      send({ op: 'connected' });
    } else if (m.op === 'close') {
      for (const ws of sockets) ws.terminate();
      sockets = [];
      send({ op: 'closed' });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ------------------------------------------------------------------ echo

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One echo round against `t`: messages/s (as the client counted them) and server CPU µs per echo. */
async function echoRound(client: LoadClient, t: Target, size: number): Promise<{ rate: number; cpuPerMsg: number }> {
  gc();
  const cpu0 = process.cpuUsage();
  const r = await client.ask({ op: 'echo', url: t.url, size, ms: ROUND_MS }, 'echoed');
  const cpu = process.cpuUsage(cpu0);
  return { rate: r.count / r.secs, cpuPerMsg: (cpu.user + cpu.system) / r.count };
}

async function echoBench(client: LoadClient, size: number): Promise<void> {
  const kinds = ['bare', 'mock', 'tap'] as const;
  const start = (k: (typeof kinds)[number]) => (k === 'bare' ? bareServer() : mockServer(k === 'mock' ? 'store' : 'none'));
  const rate: Record<string, number[]> = { bare: [], mock: [], tap: [] };
  const cpu: Record<string, number[]> = { bare: [], mock: [], tap: [] };
  // Warm every server path once, then interleave them round by round so load from other
  // processes hits all alike.
  for (const k of kinds) {
    const t = await start(k);
    await echoRound(client, t, size);
    await t.close();
  }
  for (let i = 0; i < ROUNDS; i++) {
    for (const k of kinds) {
      const t = await start(k);
      const r = await echoRound(client, t, size);
      await t.close();
      rate[k]!.push(r.rate);
      cpu[k]!.push(r.cpuPerMsg);
    }
  }
  const ratios = (xs: number[]) => med(xs.map((x, i) => x / rate.bare![i]!));
  const cpuRatios = (xs: number[]) => med(xs.map((x, i) => cpu.bare![i]! / x));
  const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
  const ratio = ratios(rate.mock!);
  report({ name: `mock echo throughput ${label} (recording into TimelineStore)`, value: med(rate.mock!), unit: 'msg/s', baseline: med(rate.bare!), ratio, budget: '≥ 0.9 × bare ws server', ok: ratio >= 0.9 });
  report({ name: `mock echo throughput ${label} (wire tap + events, no store)`, value: med(rate.tap!), unit: 'msg/s', baseline: med(rate.bare!), ratio: ratios(rate.tap!) });
  report({
    name: `mock server CPU per echoed message ${label} (recording)`,
    value: med(cpu.mock!),
    unit: 'us/msg',
    baseline: med(cpu.bare!),
    ratio: cpuRatios(cpu.mock!),
    note: 'server process CPU per echo, client in a child process; ratio = bare / mock (higher is better)',
  });
  report({ name: `mock server CPU per echoed message ${label} (wire tap + events, no store)`, value: med(cpu.tap!), unit: 'us/msg', baseline: med(cpu.bare!), ratio: cpuRatios(cpu.tap!) });
}

// ------------------------------------------------------------------ fan-out

/** Connects `n` clients (in the child), broadcasts `k` messages, returns messages delivered per second. */
async function fanOut(client: LoadClient, target: Target, n: number, k: number): Promise<number> {
  await client.ask({ op: 'connect', url: target.url, n, k }, 'connected');
  gc();
  const delivered = client.next('delivered');
  const start = process.hrtime.bigint();
  let sent = 0;
  // Broadcast in bursts, yielding between them so clients drain (as a schedule would).
  await new Promise<void>((resolve) => {
    const burst = () => {
      for (let j = 0; j < 10 && sent < k; j++, sent++) target.broadcast(`{"type":"tick","n":${sent}}`);
      if (sent < k) setImmediate(burst);
      else resolve();
    };
    burst();
  });
  const { count } = await delivered;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return count / secs;
}

async function fanOutBench(client: LoadClient): Promise<void> {
  const n = 1000;
  const k = 100;
  const run = async (kind: 'bare' | 'mock') => {
    const t = kind === 'bare' ? await bareServer() : await mockServer();
    try {
      return await fanOut(client, t, n, k);
    } finally {
      await client.ask({ op: 'close' }, 'closed');
      await t.close();
    }
  };
  // Warm both, then alternate (which one goes first alternates too) and take medians.
  await run('bare');
  await run('mock');
  const bare: number[] = [];
  const mock: number[] = [];
  for (let i = 0; i < FANOUT_ROUNDS; i++) {
    for (const kind of i % 2 ? (['mock', 'bare'] as const) : (['bare', 'mock'] as const)) (kind === 'bare' ? bare : mock).push(await run(kind));
  }
  const ratio = med(mock.map((m, i) => m / bare[i]!));
  report({ name: 'mock broadcast fan-out to 1,000 clients (recording)', value: med(mock), unit: 'msg/s delivered', baseline: med(bare), ratio, clients: n, broadcasts: k, rounds: FANOUT_ROUNDS });
}

async function main(): Promise<void> {
  const client = LoadClient.start();
  try {
    await echoBench(client, 64);
    await echoBench(client, 16 * 1024);
    await fanOutBench(client);
  } finally {
    client.stop();
  }
}

runWithLoadClient(main, loadClient);
