/**
 * Protocol decoding cost: client CPU per message of a tapped, recording Connection with the
 * protocol layer (auto detection, decoding, pairing) vs the same client without it, for
 * Socket.IO and JSON-RPC 64 B messages. The peer (a child process) answers each request with
 * its reply (Socket.IO ACK, JSON-RPC result), so every message is decoded and every pair matched.
 * Budget (DESIGN.md): decoding adds ≤ 10 % client CPU per message.
 */
import { Connection } from '../src/core/engine/connection';
import { TimelineStore } from '../src/core/engine/timelineStore';
import { ProtocolSession } from '../src/core/protocols/connectionSession';
import { ProtocolMonitor } from '../src/core/protocols/monitor';
import { parentOrChild, report } from './lib';

const WINDOW = 16;
const ROUND_MS = Number(process.env.PROTO_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.PROTO_ROUNDS ?? 5);

type Kind = 'socket.io' | 'json-rpc';

/** A 64-byte request with id n. */
function request(kind: Kind, n: number): string {
  const head = kind === 'socket.io' ? `42${n}["chat","` : `{"jsonrpc":"2.0","id":${n},"method":"chat","params":["`;
  const tail = kind === 'socket.io' ? '"]' : '"]}';
  return head + 'a'.repeat(Math.max(1, 64 - head.length - tail.length)) + tail;
}

/** The reply the child sends for a request (64 bytes too). */
function reply(text: string): string {
  if (text.startsWith('42')) {
    const id = /^42(\d+)/.exec(text)![1];
    const head = `43${id}["`;
    return head + 'b'.repeat(64 - head.length - 2) + '"]';
  }
  const id = /"id":(\d+)/.exec(text)![1];
  const head = `{"jsonrpc":"2.0","id":${id},"result":"`;
  return head + 'b'.repeat(64 - head.length - 2) + '"}';
}

/** One round: returns client CPU µs per received reply, and pairs seen. */
async function round(port: number, kind: Kind, decode: boolean): Promise<{ cpu: number; pairs: number; rate: number }> {
  // The Socket.IO URL lets auto detect it from the handshake; JSON-RPC is detected from its first message.
  const url = kind === 'socket.io' ? `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket` : `ws://127.0.0.1:${port}/`;
  const store = new TimelineStore();
  const c = new Connection({ url, proxy: 'none' }, { store });
  let pairs = 0;
  let session: ProtocolSession | undefined;
  if (decode) {
    session = new ProtocolSession('auto');
    session.attach(c, (o) => {
      if (o.type === 'exchange') pairs++;
    });
  }
  await c.connect();
  let n = 0;
  const send = () => c.sendText(request(kind, ++n));
  const result = await new Promise<{ cpu: number; rate: number }>((resolve) => {
    let count = 0;
    let done = false;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    c.onEvent((e) => {
      if (done || e.kind !== 'message' || e.dir !== 'in') return;
      count++;
      if (performance.now() - t0 >= ROUND_MS) {
        done = true;
        const cpu = process.cpuUsage(cpu0);
        resolve({ cpu: (cpu.user + cpu.system) / count, rate: count / ((performance.now() - t0) / 1000) });
        return;
      }
      send();
    });
    for (let i = 0; i < WINDOW; i++) send();
  });
  await c.close();
  session?.dispose();
  c.dispose();
  await store.dispose();
  return { ...result, pairs };
}

/** µs of CPU to decode and pair one request/reply round trip, measured without sockets. */
function decodeCost(kind: Kind): number {
  const N = 100_000;
  const reqs: Buffer[] = [];
  const reps: Buffer[] = [];
  for (let i = 0; i < 1000; i++) {
    reqs.push(Buffer.from(request(kind, i)));
    reps.push(Buffer.from(reply(request(kind, i))));
  }
  const m = new ProtocolMonitor('auto');
  if (kind === 'socket.io') m.handshake(undefined, 'ws://h/socket.io/?EIO=4&transport=websocket');
  // The times a connection gives: it stamps each message when it records it for its listeners
  // (Connection.onEvent), with or without a protocol session, so reading the clock belongs to the
  // recording client's own CPU (the baseline, which has a listener), not to decoding.
  const t0 = performance.timeOrigin + performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    m.message({ binary: false, data: reqs[i % 1000]! }, 'out', 2 * i, t0 + i * 0.01);
    m.message({ binary: false, data: reps[i % 1000]! }, 'in', 2 * i + 1, t0 + i * 0.01 + 0.005);
  }
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / N;
}

async function main(port: number): Promise<void> {
    for (const kind of ['socket.io', 'json-rpc'] as const) {
      await round(port, kind, false);
      await round(port, kind, true);
      const base: number[] = [];
      const dec: number[] = [];
      let pairs = 0;
      for (let r = 0; r < ROUNDS; r++) {
        base.push((await round(port, kind, false)).cpu);
        const d = await round(port, kind, true);
        dec.push(d.cpu);
        pairs = d.pairs;
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      // The same work in isolation (no sockets, so no change in how syscalls batch): decode and pair
      // a request and its reply, as the session does for each round trip.
      const isolated = med([decodeCost(kind), decodeCost(kind), decodeCost(kind)]);
      report({
        name: `protocols.${kind}.64B.decode_cpu_per_roundtrip`,
        value: isolated,
        unit: 'us/roundtrip',
        baseline: med(base),
        ratio: (med(base) + isolated) / med(base),
        budget: 'ratio <= 1.1',
        ok: (med(base) + isolated) / med(base) <= 1.1,
        note: 'CPU to decode and pair one request and its reply, measured alone; ratio = (recording client CPU per round trip + this) / recording client CPU per round trip',
      });
      const value = med(dec);
      const baseline = med(base);
      const ratio = value / baseline;
      report({
        name: `protocols.${kind}.64B.client_cpu_per_msg`,
        value,
        unit: 'us/msg',
        baseline,
        ratio,
        budget: 'ratio <= 1.1',
        ok: ratio <= 1.1,
        pairsLastRound: pairs,
        note: 'recording client with auto-detected decoding and pairing vs the same client without; ratio = decoding / baseline (lower is better)',
      });
    }
}

parentOrChild(__filename, (data) => reply(data.toString()), main);
