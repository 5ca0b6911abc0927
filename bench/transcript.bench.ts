/**
 * Recording sessions to disk: echo throughput of a tapped Connection that also streams every event
 * to a transcript file (TranscriptWriter), vs a bare `ws` client, against the same bare `ws` echo
 * server in a child process. Rounds alternate; medians are reported. The recording budget of
 * DESIGN.md (≥ 0.9 × bare ws) is applied to it as well, since recording a session is the point.
 * Also: reading transcripts back (events/s, against plain JSON.parse of the same lines), and HAR
 * export + import of a 100k-message timeline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { Connection } from '../src/core/engine/connection';
import { TimelineStore } from '../src/core/engine/timelineStore';
import type { TimelineEvent } from '../src/core/engine/events';
import { TranscriptWriter, makeHeader, parseTranscript, serializeTranscript } from '../src/core/collections/transcript';
import { exportHar, importHar } from '../src/core/collections/har';
import { report } from './lib';

const WINDOW = 16;
const ROUND_MS = Number(process.env.TRANSCRIPT_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.TRANSCRIPT_ROUNDS ?? 5);
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

async function recordingRound(url: string, text: string, dir: string, round: number): Promise<{ rate: number; lines: number }> {
  const store = new TimelineStore();
  const c = new Connection({ url, proxy: 'none' }, { store });
  const writer = await TranscriptWriter.create(path.join(dir, `r${round}.ndjson`), makeHeader({ request: { url } }));
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
  return { rate, lines };
}

async function echo(dir: string): Promise<void> {
  const { url, child } = await startServer();
  try {
    const text = 'a'.repeat(64);
    await bareRound(url, text);
    await recordingRound(url, text, dir, -1);
    const bare: number[] = [];
    const rec: number[] = [];
    let lines = 0;
    for (let r = 0; r < ROUNDS; r++) {
      bare.push(await bareRound(url, text));
      const x = await recordingRound(url, text, dir, r);
      rec.push(x.rate);
      lines = x.lines;
    }
    const value = med(rec);
    const baseline = med(bare);
    report({ name: 'transcript.echo64B.recording_vs_bare', value, unit: 'msgs/s', baseline, ratio: value / baseline, budget: 'ratio >= 0.9', ok: value / baseline >= 0.9, linesWrittenLastRound: lines });
  } finally {
    child.kill();
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

function reading(): void {
  const events = timeline(100_000);
  const text = serializeTranscript({ header: makeHeader({ createdAt: 0 }), events });
  const lines = text.trimEnd().split('\n');
  const rates: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < 5; r++) {
    let t0 = performance.now();
    for (const l of lines) JSON.parse(l);
    base.push(lines.length / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    const got = parseTranscript(text);
    if (got.events.length !== events.length) throw new Error('lost events');
    rates.push(got.events.length / ((performance.now() - t0) / 1000));
  }
  report({ name: 'transcript.read.events_per_s', value: med(rates), unit: 'events/s', baseline: med(base), ratio: med(rates) / med(base), baselineIs: 'JSON.parse of the same lines' });

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
    reading();
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
