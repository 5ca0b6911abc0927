/**
 * Receive flood: a bare `ws` server (child process) pushes 200k small messages as fast as it can;
 * the client only counts them. Tapped, recording Connection vs bare `ws` client: messages/s, peak
 * heap during the flood, and the store's counters (every message and frame recorded, none lost).
 * Figures are medians over rounds that alternate between the two clients.
 */
import { fork, type ChildProcess } from 'node:child_process';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from '../src/core/engine/connection';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { compilePattern } from '../src/core/pattern';
import { report } from './lib';

const COUNT = Number(process.env.FLOOD_COUNT ?? 200_000);
const SIZE = 32;
const ROUNDS = Number(process.env.FLOOD_ROUNDS ?? 3);

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(__filename, ['--flood-server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
  });
  return { url: `ws://127.0.0.1:${port}/`, child };
}

interface Sample {
  rate: number;
  peakHeapMB: number;
  peakHeapAndBuffersMB: number;
}

/** Tracks peak heap from a fresh GC baseline while the flood runs. */
function heapProbe(): { sample(): void; stop(): { heap: number; total: number } } {
  (globalThis as { gc?: () => void }).gc?.();
  const m0 = process.memoryUsage();
  let heap = 0;
  let total = 0;
  const sample = () => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed - m0.heapUsed);
    total = Math.max(total, m.heapUsed + m.arrayBuffers - m0.heapUsed - m0.arrayBuffers);
  };
  const timer = setInterval(sample, 10);
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      return { heap: heap / 1048576, total: total / 1048576 };
    },
  };
}

async function bareRound(url: string): Promise<Sample> {
  const probe = heapProbe();
  const ws = new WebSocket(`${url}?n=${COUNT}`, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  let t0 = 0;
  const rate = await new Promise<number>((resolve) => {
    let n = 0;
    ws.on('message', () => {
      if (n === 0) t0 = performance.now();
      if (++n % 10_000 === 0) probe.sample();
      if (n === COUNT) resolve((COUNT - 1) / ((performance.now() - t0) / 1000));
    });
  });
  const peak = probe.stop();
  await new Promise<void>((r) => {
    ws.once('close', () => r());
    ws.close();
  });
  return { rate, peakHeapMB: peak.heap, peakHeapAndBuffersMB: peak.total };
}

async function tappedRound(url: string): Promise<Sample & { recorded: number; inMemory: number; onDisk: number; messages: number }> {
  const probe = heapProbe();
  const store = new TimelineStore();
  const c = new Connection({ url: `${url}?n=${COUNT}`, proxy: 'none' }, { store });
  let t0 = 0;
  let n = 0;
  const done = new Promise<number>((resolve) => {
    c.onEvent((e) => {
      if (e.kind !== 'message' || e.dir !== 'in') return;
      if (n === 0) t0 = performance.now();
      if (++n % 10_000 === 0) probe.sample();
      if (n === COUNT) resolve((COUNT - 1) / ((performance.now() - t0) / 1000));
    });
  });
  await c.connect();
  const rate = await done;
  const peak = probe.stop();
  await c.close();
  const counters = store.counters();
  const messages = store.query({ kinds: ['message'], dirs: ['in'] }).length;
  c.dispose();
  await store.dispose();
  return { rate, peakHeapMB: peak.heap, peakHeapAndBuffersMB: peak.total, recorded: counters.recorded, inMemory: counters.inMemory, onDisk: counters.onDisk, messages };
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { url, child } = await startServer();
  try {
    await bareRound(url); // warm-up
    await tappedRound(url);
    const bare: Sample[] = [];
    const tapped: Array<Awaited<ReturnType<typeof tappedRound>>> = [];
    for (let r = 0; r < ROUNDS; r++) {
      bare.push(await bareRound(url));
      tapped.push(await tappedRound(url));
    }
    const last = tapped[tapped.length - 1]!;
    const rate = med(tapped.map((t) => t.rate));
    const bareRate = med(bare.map((b) => b.rate));
    report({ name: 'flood.receive.tapped_vs_bare', value: rate, unit: 'msgs/s', baseline: bareRate, ratio: rate / bareRate, messages: COUNT, size: SIZE });
    const heap = med(tapped.map((t) => t.peakHeapMB));
    const bareHeap = med(bare.map((b) => b.peakHeapMB));
    report({ name: 'flood.peak_heap.tapped_vs_bare', value: heap, unit: 'MB', baseline: bareHeap, ratio: heap / Math.max(bareHeap, 0.001), note: 'lower is better; ratio = value / baseline' });
    const total = med(tapped.map((t) => t.peakHeapAndBuffersMB));
    const bareTotal = med(bare.map((b) => b.peakHeapAndBuffersMB));
    report({ name: 'flood.peak_heap_and_buffers.tapped_vs_bare', value: total, unit: 'MB', baseline: bareTotal, ratio: bareTotal >= 1 ? total / bareTotal : null, note: 'heapUsed + arrayBuffers growth (the store keeps columns and payloads in ArrayBuffers); no ratio when the bare client grows by < 1 MB' });
    // Nothing lost: every message recorded once, plus its frame, plus the lifecycle events.
    const ok = last.messages === COUNT && last.recorded === last.inMemory + last.onDisk && last.recorded >= 2 * COUNT;
    report({ name: 'flood.recorded_messages', value: last.messages, unit: 'messages', baseline: COUNT, ratio: last.messages / COUNT, budget: 'nothing lost in the store', ok, recorded: last.recorded, inMemory: last.inMemory, onDisk: last.onDisk });
  } finally {
    child.kill();
  }
  storeAtScale();
}

/** DESIGN.md budgets for the store itself: 1M frames under 300 MB of heap, a regex over 100k events under 100 ms. */
function storeAtScale(): void {
  (globalThis as { gc?: () => void }).gc?.();
  const m0 = process.memoryUsage();
  const store = new TimelineStore();
  const enc = new TextEncoder();
  for (let i = 0; i < 1_000_000; i++) {
    const payload = enc.encode(`{"seq":${i},"kind":"tick","value":${i % 997}}`);
    store.append({ kind: 'frame', time: i, connection: 'c1', dir: i & 1 ? 'in' : 'out', fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: !(i & 1), length: payload.length, wireSize: payload.length + 2, payload });
  }
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const mb = (m.heapUsed + m.arrayBuffers - m0.heapUsed - m0.arrayBuffers) / 1048576;
  report({ name: 'store.1M_frames.heap_and_buffers', value: mb, unit: 'MB', baseline: null, ratio: null, budget: '< 300 MB', ok: mb < 300, counters: store.counters() });
  const times: number[] = [];
  let hits = 0;
  // A user pattern, so it runs on the linear-time engine (src/core/pattern.ts), as the panel's search does.
  const compiled = compilePattern('"value":(13|42)}');
  if (!compiled.ok) throw new Error(compiled.error);
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    hits = store.query({ from: 900_000, regex: compiled.pattern }).length;
    times.push(performance.now() - t0);
  }
  const ms = med(times);
  report({ name: 'store.regex_over_100k', value: ms, unit: 'ms', baseline: null, ratio: null, budget: '< 100 ms', ok: ms < 100, hits });
  void store.dispose();
}

/** The child process: on each connection, send ?n= small messages as fast as the socket drains. */
function serve(): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const payload = Buffer.alloc(SIZE, 0x62);
  wss.on('error', () => undefined);
  wss.on('connection', (ws, req) => {
    ws.on('error', () => undefined);
    const total = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? COUNT);
    let sent = 0;
    const pump = () => {
      while (sent < total && ws.readyState === WebSocket.OPEN) {
        ws.send(payload);
        sent++;
        if (ws.bufferedAmount > 1 << 20) {
          setImmediate(pump);
          return;
        }
      }
    };
    pump();
  });
  wss.on('listening', () => {
    const addr = wss.address();
    process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--flood-server')) serve();
else
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
