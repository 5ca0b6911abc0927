/**
 * Recording sessions to disk: echo throughput of a tapped Connection that also streams every event
 * to a transcript file (TranscriptWriter), vs a bare `ws` client, against the same bare `ws` echo
 * server in a child process. Rounds alternate; medians are reported. Budget: DESIGN.md's "echo while
 * writing a transcript" (≥ 0.8 × bare ws).
 * Also: reading transcripts back (events/s, against plain JSON.parse of the same lines: from text
 * with parseTranscript, from a file with readTranscript), the writer's main-thread cost per
 * appended event in both modes (this thread / worker thread, against the old per-line string
 * encoding), and HAR export + import of a 100k-message timeline.
 *
 * TRANSCRIPT_MODE (auto | thread | worker, default auto: a worker only with more than two cores)
 * picks the writer's mode for the unsuffixed echo line; `….worker` / `….thread` lines force one, and
 * `….cli` / `….pool` force thread mode with always-synchronous / always-thread-pool writes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from '../src/core/engine/connection';
import { TimelineStore } from '../src/core/engine/timelineStore';
import type { TimelineEvent } from '../src/core/engine/events';
import { TranscriptWriter, encodeEventLine, makeHeader, parseTranscript, readTranscript, serializeTranscript, type TranscriptWriterMode, type TranscriptWrites } from '../src/core/collections/transcript';
import { exportHar, importHar } from '../src/core/collections/har';
import { report } from './lib';

const WINDOW = 16;
const ROUND_MS = Number(process.env.TRANSCRIPT_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.TRANSCRIPT_ROUNDS ?? 5);
const MODE = (process.env.TRANSCRIPT_MODE ?? 'auto') as TranscriptWriterMode;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(__filename, ['--echo-server'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
  });
  return { url: `ws://127.0.0.1:${port}/`, child };
}

function pump(send: () => void, onEcho: (cb: () => void) => void): Promise<number> {
  return new Promise((resolve) => {
    let count = 0;
    let done = false;
    const t0 = performance.now();
    onEcho(() => {
      if (done) return;
      count++;
      if (performance.now() - t0 >= ROUND_MS) {
        done = true;
        resolve(count / ((performance.now() - t0) / 1000));
        return;
      }
      send();
    });
    for (let i = 0; i < WINDOW; i++) send();
  });
}

async function bareRound(url: string, text: string): Promise<number> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  await new Promise((r) => ws.once('open', r));
  let listener: () => void = () => undefined;
  ws.on('message', () => listener());
  const rate = await pump(() => ws.send(text), (cb) => (listener = cb));
  await new Promise<void>((r) => {
    ws.once('close', () => r());
    ws.close();
  });
  return rate;
}

async function recordingRound(url: string, text: string, dir: string, round: number, mode: TranscriptWriterMode, writes?: TranscriptWrites): Promise<{ rate: number; lines: number; mode: string; writes: string }> {
  const store = new TimelineStore();
  const c = new Connection({ url, proxy: 'none' }, { store });
  const writer = await TranscriptWriter.create(path.join(dir, `r${round}.ndjson`), makeHeader({ request: { url } }), { mode, writes });
  let listener: () => void = () => undefined;
  c.onEvent((e) => {
    writer.append(e);
    if (e.kind === 'message' && e.dir === 'in') listener();
  });
  await c.connect();
  const rate = await pump(() => c.sendText(text), (cb) => (listener = cb));
  await c.close();
  await writer.close();
  const lines = writer.eventsWritten;
  c.dispose();
  await store.dispose();
  return { rate, lines, mode: writer.mode, writes: writer.writes };
}

async function echo(dir: string): Promise<void> {
  const { url, child } = await startServer();
  try {
    const text = 'a'.repeat(64);
    // The unsuffixed line in TRANSCRIPT_MODE, then each mode forced; rounds alternate with bare ws.
    // Both use the extension host's default writes (synchronous while fast). `.cli`: always synchronous,
    // as the CLI (a process of its own) records; `.pool`: always through Node's thread pool.
    const modes: Array<[string, TranscriptWriterMode, TranscriptWrites?]> = [
      ['transcript.echo64B.recording_vs_bare', MODE],
      ['transcript.echo64B.recording_vs_bare.thread', 'thread'],
      ['transcript.echo64B.recording_vs_bare.worker', 'worker'],
      ['transcript.echo64B.recording_vs_bare.cli', 'thread', 'sync'],
      ['transcript.echo64B.recording_vs_bare.pool', 'thread', 'pool'],
    ];
    await bareRound(url, text);
    for (const [, mode, writes] of modes) await recordingRound(url, text, dir, -1, mode, writes);
    const bare: number[] = [];
    const rec = modes.map(() => [] as number[]);
    const last = modes.map(() => ({ lines: 0, mode: '', writes: '' }));
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, [, mode, writes]] of modes.entries()) {
        bare.push(await bareRound(url, text));
        const x = await recordingRound(url, text, dir, r, mode, writes);
        rec[i]!.push(x.rate);
        last[i] = x;
      }
    }
    const baseline = med(bare);
    for (const [i, [name]] of modes.entries()) {
      const value = med(rec[i]!);
      report({ name, value, unit: 'msgs/s', baseline, ratio: value / baseline, budget: 'ratio >= 0.8', ok: value / baseline >= 0.8, mode: last[i]!.mode, writes: last[i]!.writes, linesWrittenLastRound: last[i]!.lines });
    }
  } finally {
    child.kill();
  }
}

/**
 * The writer's cost on the recording thread: appending 100k message events (text and binary,
 * 64 B) in bursts of 1000 per turn of the event loop, in µs per event spent inside append(); against what the old writer
 * did per append (encodeEventLine and string concatenation, no write). Lower is better:
 * ratio = baseline / value.
 */
async function appending(dir: string): Promise<void> {
  const data = new TextEncoder().encode('{"type":"tick","value":12345,"note":"hello"}'.padEnd(64, ' '));
  const events: TimelineEvent[] = Array.from({ length: 100_000 }, (_, i) => ({ id: i + 1, time: 1_700_000_000_000 + i, connection: 'c', kind: 'message', dir: i % 2 ? 'in' : 'out', binary: i % 4 === 0, data, size: data.length }));
  const old: number[] = [];
  const byMode = { thread: [] as number[], worker: [] as number[] };
  const wall = { thread: [] as number[], worker: [] as number[] };
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    let s = '';
    for (const e of events) {
      s += encodeEventLine(e) + '\n';
      if (s.length >= 65536) s = '';
    }
    old.push(((performance.now() - t0) * 1000) / events.length);
    for (const mode of ['thread', 'worker'] as const) {
      const w = await TranscriptWriter.create(path.join(dir, `a-${mode}-${r}.ndjson`), makeHeader({ createdAt: 0 }), { mode });
      t0 = performance.now();
      // Appended as a recording would: a burst per turn of the event loop, so batches go out meanwhile.
      let busy = 0;
      for (let i = 0; i < events.length; i += 1000) {
        const b0 = performance.now();
        for (let j = i; j < i + 1000; j++) w.append(events[j]!);
        busy += performance.now() - b0;
        await new Promise((res) => setImmediate(res));
      }
      await w.close();
      byMode[mode].push((busy * 1000) / events.length);
      wall[mode].push(performance.now() - t0);
    }
  }
  for (const mode of ['thread', 'worker'] as const) {
    const value = med(byMode[mode]);
    report({ name: `transcript.append.${mode}_us_per_event`, value, unit: 'µs/event', baseline: med(old), ratio: med(old) / value, baselineIs: 'old per-append string encoding (encodeEventLine + concat, no write)', note: 'time spent in append() on the recording thread; lower is better, ratio = baseline / value', wallMsTo100kOnDisk: Math.round(med(wall[mode])) });
  }
}

function timeline(n: number): TimelineEvent[] {
  const out: TimelineEvent[] = [
    { id: 1, time: 1_700_000_000_000, connection: 'c', kind: 'handshake', request: { method: 'GET', path: '/', url: 'ws://h/', headers: [['Host', 'h']] }, response: { status: 101, statusText: 'Switching Protocols', headers: [] } },
  ];
  const data = new TextEncoder().encode('{"type":"tick","value":12345,"note":"hello"}');
  for (let i = 0; i < n; i++) out.push({ id: i + 2, time: 1_700_000_000_000 + i, connection: 'c', kind: 'message', dir: i % 2 ? 'in' : 'out', binary: false, data, size: data.length });
  return out;
}

async function reading(dir: string): Promise<void> {
  const events = timeline(100_000);
  const text = serializeTranscript({ header: makeHeader({ createdAt: 0 }), events });
  const lines = text.trimEnd().split('\n');
  const file = path.join(dir, 'read.ndjson');
  writeFileSync(file, text);
  const rates: number[] = [];
  const fileRates: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    for (const l of lines) JSON.parse(l);
    base.push(lines.length / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    const got = parseTranscript(text);
    if (got.events.length !== events.length) throw new Error('lost events');
    rates.push(got.events.length / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    const fromFile = await readTranscript(file);
    if (fromFile.events.length !== events.length) throw new Error('lost events');
    fileRates.push(fromFile.events.length / ((performance.now() - t0) / 1000));
  }
  report({ name: 'transcript.read.events_per_s', value: med(rates), unit: 'events/s', baseline: med(base), ratio: med(rates) / med(base), baselineIs: 'JSON.parse of the same lines' });
  report({ name: 'transcript.read_file.events_per_s', value: med(fileRates), unit: 'events/s', baseline: med(base), ratio: med(fileRates) / med(base), baselineIs: 'JSON.parse of the same lines (already in memory, split)', note: 'readTranscript of a file: disk reads and UTF-8 decoding included' });

  const t0 = performance.now();
  const har = JSON.stringify(exportHar(events));
  const back = importHar(har);
  const ms = performance.now() - t0;
  if (back.transcripts[0]!.events.filter((e) => e.kind === 'message').length !== 100_000) throw new Error('HAR lost messages');
  report({ name: 'har.roundtrip_100k_messages', value: ms, unit: 'ms', baseline: null, ratio: null, harBytes: har.length });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wswb-bench-transcript-'));
  try {
    await echo(dir);
    await appending(dir);
    await reading(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
