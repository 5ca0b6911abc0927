/**
 * Frame decoder vs ws's own Receiver, fed the same buffers in the same run.
 *
 * The Receiver decodes frames *and* assembles messages (fragments, UTF-8, control frames), so the
 * budgeted figure (DESIGN.md: small frames ≥ 1.0 × ws Receiver) compares like with like: our
 * FrameDecoder + MessageAssembler, counting messages, on the same 64-byte binary workload
 * (server → client, ~1000 frames per 64 KiB chunk). The bare decoder (counting frames, no
 * assembly) is reported next to it as information only: it does less work than the Receiver.
 *
 * Also, as information: the masked direction (client → server), 64 B text messages (UTF-8
 * validated), and 64 KiB frames cut into 64 KiB chunks so every frame straddles two chunks.
 *
 * The Receiver is set up as a ws client would set it up (binaryType nodebuffer, no extensions,
 * synchronous events, maxPayload as ws's default 100 MiB) and written to through `write()`, the
 * way ws's socket 'data' handler feeds it.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { FrameDecoder } from '../src/core/protocol/frameDecoder';
import { MessageAssembler } from '../src/core/protocol/messageAssembler';
import { encodeFrame } from '../src/core/protocol/frameEncoder';
import { median, report } from './lib';

// ws keeps lib/ out of its package exports; load it by path.
const Receiver = require(join(dirname(require.resolve('ws')), 'lib/receiver.js')) as new (opts: object) => {
  write(chunk: Buffer): boolean;
  on(event: string, fn: (...args: unknown[]) => void): void;
};

const MAX_PAYLOAD = 100 * 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface Workload {
  chunks: Buffer[];
  frames: number;
}

/** `count` frames of `size` bytes, concatenated and cut into chunks of `chunkSize`. */
function workload(opcode: number, size: number, count: number, chunkSize: number, mask: boolean): Workload {
  const payload = Buffer.alloc(size, 0x61);
  const one = Buffer.from(encodeFrame({ opcode, payload, mask: mask ? Buffer.from([1, 2, 3, 4]) : false }));
  const wire = Buffer.alloc(one.length * count);
  for (let i = 0; i < count; i++) one.copy(wire, i * one.length);
  const chunks: Buffer[] = [];
  // Copies, so each chunk is its own allocation as it would be off a socket.
  for (let o = 0; o < wire.length; o += chunkSize) chunks.push(Buffer.from(wire.subarray(o, o + chunkSize)));
  return { chunks, frames: count };
}

/** Messages per second through `feed` over `reps` passes of the workload. */
function rate(w: Workload, reps: number, make: () => { push(c: Buffer): void; count(): number }): number {
  gc();
  const sink = make();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) for (const c of w.chunks) sink.push(c);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink.count() !== w.frames * reps) throw new Error(`expected ${w.frames * reps} messages, got ${sink.count()}`);
  return (w.frames * reps) / secs;
}

function ours(opts: { expectMasked: boolean }) {
  return () => {
    let n = 0;
    const d = new FrameDecoder({ maxPayload: MAX_PAYLOAD, allowedRsv: 0, ...opts }, () => n++, (e) => {
      throw e;
    });
    return { push: (c: Buffer) => d.push(c), count: () => n };
  };
}

function oursAssembled(opts: { expectMasked: boolean }) {
  return () => {
    let n = 0;
    const fail = (e: Error) => {
      throw e;
    };
    const a = new MessageAssembler({ maxPayload: MAX_PAYLOAD }, () => n++, () => {}, fail);
    const d = new FrameDecoder({ maxPayload: MAX_PAYLOAD, allowedRsv: 0, ...opts }, (f) => a.push(f), fail);
    return { push: (c: Buffer) => d.push(c), count: () => n };
  };
}

function wsReceiver(isServer: boolean) {
  return () => {
    let n = 0;
    const r = new Receiver({ isServer, maxPayload: MAX_PAYLOAD, binaryType: 'nodebuffer', extensions: {}, allowSynchronousEvents: true });
    r.on('message', () => n++);
    r.on('error', (e) => {
      throw e;
    });
    return { push: (c: Buffer) => void r.write(c), count: () => n };
  };
}

async function compare(name: string, w: Workload, reps: number, a: () => ReturnType<ReturnType<typeof ours>>, b: () => ReturnType<ReturnType<typeof ours>>, budget?: number) {
  // Warm both paths up, then alternate rounds so machine noise hits both alike.
  rate(w, Math.max(1, reps >> 2), a);
  rate(w, Math.max(1, reps >> 2), b);
  const xs: number[] = [];
  const ys: number[] = [];
  await median(7, () => {
    xs.push(rate(w, reps, a));
    ys.push(rate(w, reps, b));
    return 0;
  });
  const med = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;
  const value = med(xs);
  const baseline = med(ys);
  const ratio = value / baseline;
  report({
    name,
    value,
    unit: 'msgs/s',
    baseline,
    ratio,
    ...(budget !== undefined ? { budget: `ratio >= ${budget}`, ok: ratio >= budget } : {}),
  });
}

/** One comparison per fresh process: JIT state left by an earlier case skews the next (±40 % seen). */
const cases: Array<() => Promise<void>> = [
  () => compare('decoder+assembler small frames (64 B binary, server→client) vs ws Receiver', workload(2, 64, 1024 * 8, 65536, false), 20, oursAssembled({ expectMasked: false }), wsReceiver(false), 1.0),
  () => compare('bare decoder small frames (64 B binary, frames only, no assembly; info) vs ws Receiver', workload(2, 64, 1024 * 8, 65536, false), 20, ours({ expectMasked: false }), wsReceiver(false)),
  () => compare('decoder+assembler small masked frames (64 B, client→server) vs ws Receiver', workload(2, 64, 1024 * 8, 65536, true), 20, oursAssembled({ expectMasked: true }), wsReceiver(true)),
  () => compare('decoder+assembler small text messages (64 B, UTF-8 checked) vs ws Receiver', workload(1, 64, 1024 * 8, 65536, false), 20, oursAssembled({ expectMasked: false }), wsReceiver(false)),
  () => compare('decoder+assembler large frames (64 KiB across chunks) vs ws Receiver', workload(2, 65536, 256, 65536, false), 8, oursAssembled({ expectMasked: false }), wsReceiver(false)),
];

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--case='));
  if (arg) return cases[Number(arg.slice('--case='.length))]!();
  for (let i = 0; i < cases.length; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, `--case=${i}`], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`decoder bench case ${i} exited with ${r.status}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
