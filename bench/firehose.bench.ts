/**
 * Firehose: a peer (child process) pushes 64-byte binary messages at FIREHOSE_RATE msg/s (default
 * 100k) for FIREHOSE_SECONDS (default 30) into a recording Connection whose events also feed a
 * panel-like listener (it keeps counters and "posts" at most 60 times a second, as the panel
 * binding does). The peer pre-encodes each 10 ms batch into one write and honours TCP backpressure,
 * so the achieved rate is what this machine sustained. Reported:
 *
 *  - firehose.64B.delivered: messages recorded vs sent (nothing lost: ratio 1)
 *  - firehose.64B.rate: achieved msg/s vs the target
 *  - firehose.64B.loop_lag_p99: host event-loop delay p99 while receiving (budget < 50 ms)
 *  - firehose.64B.store_memory: payload bytes the store holds in memory vs its budget
 *  - firehose.64B.spill_bytes: spill file size vs the payload bytes beyond the budget (expected growth)
 *  - the same with a transcript being written (firehose.transcript.*, the writer in
 *    FIREHOSE_TRANSCRIPT_MODE: auto (default: a worker thread only with more than two cores),
 *    thread or worker), plus firehose.transcript.readable: events read back from the file vs
 *    recorded; and once more with the writer forced into a worker thread (firehose.transcript_worker.*).
 *
 * The store's budget is FIREHOSE_BUDGET_MB (default 16) so a 30 s run spills. Run:
 * node --expose-gc --import tsx bench/firehose.bench.ts
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { Connection } from '../src/core/engine/connection';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { TranscriptWriter, makeHeader, readTranscript, type TranscriptWriterMode } from '../src/core/collections/transcript';
import { encodeFrame } from '../src/core/protocol/frameEncoder';
import { report } from './lib';

const RATE = Number(process.env.FIREHOSE_RATE ?? 100_000);
const SECONDS = Number(process.env.FIREHOSE_SECONDS ?? 30);
const BUDGET_MB = Number(process.env.FIREHOSE_BUDGET_MB ?? 16);
const SIZE = 64;
const TICK_MS = 10;
const TRANSCRIPT_MODE = (process.env.FIREHOSE_TRANSCRIPT_MODE ?? 'auto') as TranscriptWriterMode;

/** The peer: on connection, RATE msg/s of SIZE bytes for SECONDS, then a text "done <count>". */
function peer(): void {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => undefined);
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    const frame = Buffer.from(encodeFrame({ opcode: 2, payload: Buffer.alloc(SIZE, 0x61) }));
    const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
    const batch = Buffer.concat(Array.from({ length: perTick }, () => frame));
    const end = Date.now() + SECONDS * 1000;
    let sent = 0;
    let next = Date.now();
    const tick = () => {
      if (Date.now() >= end) {
        ws.send(`done ${sent}`);
        return;
      }
      // Catch up on missed ticks (timers are coarse under load), but never write past backpressure.
      let ok = true;
      while (next <= Date.now() && ok) {
        ok = socket.write(batch);
        sent += perTick;
        next += TICK_MS;
      }
      if (!ok) socket.once('drain', () => setTimeout(tick, 0));
      else setTimeout(tick, Math.max(0, next - Date.now()));
    };
    tick();
  });
  wss.on('listening', () => process.send?.({ port: (wss.address() as import('node:net').AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
}

interface Outcome {
  sent: number;
  recorded: number;
  rate: number;
  lagP99: number;
  inMemory: number;
  onDisk: number;
  spillFile: number;
  payloadBytes: number;
  transcriptEvents?: number;
  transcriptErrors?: number;
  transcriptMode?: string;
  transcriptWrites?: string;
  eventsRecorded: number;
  /** Events the panel-like listener saw, and its posts. */
  listenerEvents: number;
  posts: number;
}

async function run(url: string, transcript: TranscriptWriterMode | undefined): Promise<Outcome> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wswb-firehose-'));
  const store = new TimelineStore({ memoryBudgetBytes: BUDGET_MB * 1024 * 1024, spillDir: dir });
  const c = new Connection({ url, proxy: 'none' }, { store });
  const writer = transcript ? await TranscriptWriter.create(path.join(dir, 't.ndjson'), makeHeader({ createdAt: 0 }), { mode: transcript }) : undefined;
  // The panel-like listener: counters per event, a "post" at most every 1000/60 ms.
  let counted = 0;
  let posts = 0;
  let lastPost = 0;
  let payloadBytes = 0;
  let done: (sent: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (done = r));
  let recorded = 0;
  let t0 = 0;
  let tEnd = 0;
  c.onEvent((e) => {
    writer?.append(e);
    counted++;
    const now = performance.now();
    if (now - lastPost >= 1000 / 60) {
      lastPost = now;
      posts++;
    }
    if (e.kind === 'frame' && e.dir === 'in') payloadBytes += e.payload.length;
    if (e.kind === 'message' && e.dir === 'in') {
      if (!e.binary) {
        tEnd = performance.now();
        done(Number(Buffer.from(e.data).toString().split(' ')[1]));
      } else {
        if (recorded === 0) t0 = performance.now();
        recorded++;
        payloadBytes += e.data.length;
      }
    }
  });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  await c.connect();
  lag.enable();
  const sent = await finished;
  lag.disable();
  await c.close();
  await store.flush();
  const counters = store.counters();
  let spillFile = 0;
  if (store.spillFile) spillFile = statSync(store.spillFile).size;
  const out: Outcome = {
    sent,
    recorded,
    rate: recorded / ((tEnd - t0) / 1000),
    lagP99: lag.percentile(99) / 1e6,
    inMemory: counters.bytesInMemory,
    onDisk: counters.bytesOnDisk,
    spillFile,
    payloadBytes,
    eventsRecorded: counters.recorded,
    listenerEvents: counted,
    posts,
  };
  if (writer) {
    await writer.close();
    const back = await readTranscript(writer.file);
    out.transcriptEvents = back.events.length;
    out.transcriptErrors = back.errors.length;
    out.transcriptMode = writer.mode;
    out.transcriptWrites = writer.writes;
  }
  c.dispose();
  await store.dispose();
  rmSync(dir, { recursive: true, force: true });
  return out;
}

function reportAll(prefix: string, o: Outcome): void {
  const MB = 1024 * 1024;
  report({ name: `${prefix}.delivered`, value: o.recorded, unit: 'messages', baseline: o.sent, ratio: o.recorded / o.sent, budget: 'nothing lost (ratio 1)', ok: o.recorded === o.sent && o.listenerEvents === o.eventsRecorded, listenerEvents: o.listenerEvents, panelPosts: o.posts });
  report({ name: `${prefix}.rate`, value: o.rate, unit: 'msgs/s', baseline: RATE, ratio: o.rate / RATE, seconds: SECONDS, note: 'achieved rate (the peer honours backpressure)' });
  report({ name: `${prefix}.loop_lag_p99`, value: o.lagP99, unit: 'ms', baseline: null, ratio: null, budget: '< 50 ms', ok: o.lagP99 < 50, mode: o.transcriptMode, writes: o.transcriptWrites });
  report({ name: `${prefix}.store_memory`, value: o.inMemory / MB, unit: 'MB', baseline: BUDGET_MB, ratio: o.inMemory / MB / BUDGET_MB, budget: 'within the budget (+ one 1 MiB chunk)', ok: o.inMemory <= (BUDGET_MB + 1) * MB });
  report({ name: `${prefix}.spill_bytes`, value: o.spillFile / MB, unit: 'MB', baseline: o.onDisk / MB, ratio: o.onDisk ? o.spillFile / o.onDisk : null, note: 'spill file size vs the bytes the store says are on disk', storedPayloadMB: (o.inMemory + o.onDisk) / MB, payloadSeenMB: o.payloadBytes / MB, events: o.eventsRecorded });
  if (o.transcriptEvents !== undefined) {
    report({ name: `${prefix}.readable`, value: o.transcriptEvents, unit: 'events', baseline: o.eventsRecorded, ratio: o.transcriptEvents / o.eventsRecorded, budget: 'complete and readable', ok: o.transcriptErrors === 0 && o.transcriptEvents === o.eventsRecorded, mode: o.transcriptMode });
  }
}

async function main(): Promise<void> {
  const child = fork(__filename, ['--firehose-peer'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env } });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('error', reject);
    });
    const url = `ws://127.0.0.1:${port}/`;
    reportAll('firehose.64B', await run(url, undefined));
    reportAll('firehose.transcript', await run(url, TRANSCRIPT_MODE));
    reportAll('firehose.transcript_worker', await run(url, 'worker'));
  } finally {
    child.kill();
  }
}

if (process.argv.includes('--firehose-peer')) peer();
else
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
