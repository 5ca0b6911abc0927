/**
 * Echo throughput: a tapped, recording Connection vs a bare `ws` client against the same bare `ws`
 * echo server (a child process, so the two clients compete for nothing but the wire). Each client
 * keeps WINDOW messages in flight and counts echoes per second; rounds alternate between the two
 * and the median is reported. Budget (DESIGN.md): ratio ≥ 0.9.
 */
import { fork, type ChildProcess } from 'node:child_process';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from '../src/core/engine/connection';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { report } from './lib';

const WINDOW = 16;
const ROUND_MS = Number(process.env.ECHO_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.ECHO_ROUNDS ?? 5);

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(__filename, ['--echo-server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
  });
  return { url: `ws://127.0.0.1:${port}/`, child };
}

/** Client CPU time per echoed message (µs) of the last pump(): steadier than throughput on a busy machine. */
let lastCpuPerMsg = 0;

/** Runs the echo loop for ROUND_MS with WINDOW messages in flight; returns echoes per second. */
function pump(send: () => void, onEcho: (cb: () => void) => void): Promise<number> {
  return new Promise((resolve) => {
    let count = 0;
    let done = false;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    onEcho(() => {
      if (done) return;
      count++;
      if (performance.now() - t0 >= ROUND_MS) {
        done = true;
        const cpu = process.cpuUsage(cpu0);
        lastCpuPerMsg = (cpu.user + cpu.system) / count;
        resolve(count / ((performance.now() - t0) / 1000));
        return;
      }
      send();
    });
    for (let i = 0; i < WINDOW; i++) send();
  });
}

async function bareRound(url: string, payload: Buffer, binary: boolean): Promise<number> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  let listener: () => void = () => undefined;
  ws.on('message', () => listener());
  // Same input types as the tapped client: a string for text, bytes for binary.
  const text = payload.toString('latin1');
  const rate = await pump(
    () => (binary ? ws.send(payload, { binary: true }) : ws.send(text)),
    (cb) => (listener = cb),
  );
  await new Promise<void>((r) => {
    ws.once('close', () => r());
    ws.close();
  });
  return rate;
}

async function tappedRound(url: string, payload: Buffer, binary: boolean): Promise<{ rate: number; recorded: number }> {
  const store = new TimelineStore();
  const c = new Connection({ url, proxy: 'none' }, { store });
  await c.connect();
  let listener: () => void = () => undefined;
  c.onEvent((e) => {
    if (e.kind === 'message' && e.dir === 'in') listener();
  });
  const text = payload.toString('latin1');
  const rate = await pump(
    () => (binary ? c.sendBinary(payload) : c.sendText(text)),
    (cb) => (listener = cb),
  );
  await c.close();
  const recorded = store.counters().recorded;
  c.dispose();
  await store.dispose();
  return { rate, recorded };
}

async function main(): Promise<void> {
  const { url, child } = await startServer();
  try {
    for (const [label, size, binary] of [['64B', 64, false], ['16KiB', 16 * 1024, true]] as const) {
      const payload = Buffer.alloc(size, 0x61);
      // warm up both paths
      await bareRound(url, payload, binary);
      await tappedRound(url, payload, binary);
      const bare: number[] = [];
      const tapped: number[] = [];
      const bareCpu: number[] = [];
      const tappedCpu: number[] = [];
      let recorded = 0;
      for (let r = 0; r < ROUNDS; r++) {
        bare.push(await bareRound(url, payload, binary));
        bareCpu.push(lastCpuPerMsg);
        const t = await tappedRound(url, payload, binary);
        tapped.push(t.rate);
        tappedCpu.push(lastCpuPerMsg);
        recorded = t.recorded;
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const value = med(tapped);
      const baseline = med(bare);
      const ratio = value / baseline;
      report({
        name: `echo.${label}.tapped_vs_bare`,
        value,
        unit: 'msgs/s',
        baseline,
        ratio,
        budget: 'ratio >= 0.9',
        ok: ratio >= 0.9,
        window: WINDOW,
        eventsRecordedLastRound: recorded,
      });
      const cpu = med(tappedCpu);
      const cpuBase = med(bareCpu);
      report({
        name: `echo.${label}.client_cpu_per_msg`,
        value: cpu,
        unit: 'us/msg',
        baseline: cpuBase,
        ratio: cpuBase / cpu,
        note: 'client process CPU per echoed message; ratio = bare / tapped (higher is better), the throughput ratio a CPU-bound client would see',
      });
    }
  } finally {
    child.kill();
  }
}

/** The child process: a bare ws echo server that reports its port over IPC. */
function serve(): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('error', () => undefined);
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  wss.on('listening', () => {
    const addr = wss.address();
    process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--echo-server')) serve();
else
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
