/**
 * Mock server benchmarks (DESIGN.md budgets):
 *  - echo throughput through a recording MockServer vs a bare ws echo server, same client,
 *    64 B and 16 KiB messages; budget ratio ≥ 0.9;
 *  - broadcast fan-out to 1,000 clients: messages/s delivered, vs a bare ws server's loop.
 * Run: node --expose-gc --import tsx bench/mock.bench.ts
 */
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { MockServer } from '../src/core/engine/mock/mockServer';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { report } from './lib';
import type { TimelineEvent } from '../src/core/engine/events';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

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

/** One client, a window of messages in flight, for `ms`: echoed messages per second. */
async function echoRate(url: string, size: number, ms: number): Promise<number> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  const payload = Buffer.alloc(size, 0x61);
  const window = size > 1024 ? 16 : 128;
  let received = 0;
  let stop = false;
  const start = process.hrtime.bigint();
  const done = new Promise<number>((resolve) => {
    ws.on('message', () => {
      received++;
      if (!stop) ws.send(payload);
      else if (--inFlight === 0) resolve(received);
    });
  });
  let inFlight = window;
  for (let i = 0; i < window; i++) ws.send(payload);
  await new Promise((r) => setTimeout(r, ms));
  stop = true;
  const count = await done;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  ws.terminate();
  return count / secs;
}

async function echoBench(size: number): Promise<void> {
  const rounds = 5;
  const ms = 1000;
  const bare: number[] = [];
  const mock: number[] = [];
  const tapOnly: number[] = [];
  // Interleave the servers round by round, so load from other processes hits all alike.
  for (let i = 0; i < rounds; i++) {
    for (const kind of ['bare', 'mock', 'tap'] as const) {
      gc();
      const t = kind === 'bare' ? await bareServer() : await mockServer(kind === 'mock' ? 'store' : 'none');
      (kind === 'bare' ? bare : kind === 'mock' ? mock : tapOnly).push(await echoRate(t.url, size, ms));
      await t.close();
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ratios = (xs: number[]) => med(xs.map((x, i) => x / bare[i]!));
  const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
  const ratio = ratios(mock);
  report({ name: `mock echo throughput ${label} (recording into TimelineStore)`, value: med(mock), unit: 'msg/s', baseline: med(bare), ratio, budget: '≥ 0.9 × bare ws server', ok: ratio >= 0.9 });
  report({ name: `mock echo throughput ${label} (wire tap + events, no store)`, value: med(tapOnly), unit: 'msg/s', baseline: med(bare), ratio: ratios(tapOnly) });
}

/** Connects `n` clients, broadcasts `k` messages, returns messages delivered per second. */
async function fanOut(target: Target, n: number, k: number): Promise<number> {
  const sockets: WebSocket[] = [];
  let delivered = 0;
  const goal = n * k;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  for (let i = 0; i < n; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, () => {
        const ws = new WebSocket(target.url, { perMessageDeflate: false });
        sockets.push(ws);
        ws.on('error', () => undefined);
        ws.on('message', () => {
          if (++delivered === goal) resolveDone();
        });
        return new Promise((r) => ws.once('open', r));
      }),
    );
  }
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
  await done;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  for (const ws of sockets) ws.terminate();
  return delivered / secs;
}

async function fanOutBench(): Promise<void> {
  const n = 1000;
  const k = 100;
  gc();
  const b = await bareServer();
  const baseline = await fanOut(b, n, k);
  await b.close();
  gc();
  const m = await mockServer();
  const value = await fanOut(m, n, k);
  await m.close();
  report({ name: 'mock broadcast fan-out to 1,000 clients (recording)', value, unit: 'msg/s delivered', baseline, ratio: value / baseline, clients: n, broadcasts: k });
}

async function main(): Promise<void> {
  await echoBench(64);
  await echoBench(16 * 1024);
  await fanOutBench();
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(String(err?.stack ?? err) + '\n');
    process.exit(1);
  },
);
