/**
 * Batched recording: the wire stack's events go to the store field by field between beginBatch()
 * and endBatch() (one socket read), payloads copied into the store's arena chunks at once, the
 * spill written with one writev per batch. Checked against the one-object-per-event path.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { arenaHeldBytes, type SpillIo, type TimelineStore, type WireOwner } from '../../../src/core/engine/timelineStore';
import type { FrameEvent, MessageEvent, NewEvent, TimelineEvent } from '../../../src/core/engine/events';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';
import { Cleanup, events, newConnection, rawPeer, tempStores, waitFor } from './helpers';

/** One wire event, as the recording sink reports it. */
type Wire =
  | { kind: 'frame'; dirIn: boolean; b0: number; key?: number; length: number; wireSize: number; payload: Uint8Array; preview: number }
  | { kind: 'message'; dirIn: boolean; binary: boolean; data: Uint8Array; wireSize: number; compressed: boolean };

const hex = (k: number) => k.toString(16).padStart(8, '0');

/** The object the per-event path records for `w` (what recording.ts built before batching). */
function asObject(w: Wire, time: number, connection: string): NewEvent {
  if (w.kind === 'frame') {
    const p = w.payload;
    return {
      time, connection, kind: 'frame', dir: w.dirIn ? 'in' : 'out', fin: (w.b0 & 0x80) !== 0, rsv1: (w.b0 & 0x40) !== 0, rsv2: (w.b0 & 0x20) !== 0, rsv3: (w.b0 & 0x10) !== 0,
      opcode: w.b0 & 0x0f, masked: w.key !== undefined, maskKey: w.key !== undefined ? hex(w.key) : undefined, length: w.length, wireSize: w.wireSize,
      payload: p.length > w.preview ? p.subarray(0, w.preview) : p, truncated: p.length > w.preview || p.length < w.length ? true : undefined,
    } as NewEvent;
  }
  return { time, connection, kind: 'message', dir: w.dirIn ? 'in' : 'out', binary: w.binary, data: w.data, size: w.data.length, wireSize: w.wireSize, compressed: w.compressed };
}

function recordWire(s: TimelineStore, w: Wire, time: number, connection: string, owner?: WireOwner): void {
  if (w.kind === 'frame') {
    const p = w.payload;
    const stored = Math.min(p.length, w.preview);
    s.recordFrame(owner, time, connection, w.dirIn, w.b0, w.key !== undefined, w.key ?? 0, w.length, w.wireSize, p, stored, p.length > w.preview || p.length < w.length);
  } else {
    s.recordMessage(owner, time, connection, w.dirIn, w.binary, w.data, w.wireSize, w.compressed);
  }
}

/** A varied sequence: single-frame messages (frame and message share memory), fragments, masked, truncated, control. */
function sequence(n: number, size: (i: number) => number): Wire[] {
  const out: Wire[] = [];
  for (let i = 0; i < n; i++) {
    const data = Buffer.alloc(size(i), 0x41 + (i % 26));
    data.writeUInt32BE(i, 0);
    const dirIn = i % 3 !== 1;
    const key = dirIn ? undefined : (0x01020304 * (i + 1)) >>> 0;
    if (i % 7 === 3) {
      // Two fragments, the second cut to a preview of 8 bytes, then the message.
      const half = data.length >> 1;
      out.push({ kind: 'frame', dirIn, b0: 0x02, key, length: half, wireSize: half + 6, payload: data.subarray(0, half), preview: 1 << 20 });
      out.push({ kind: 'frame', dirIn, b0: 0x80, key, length: data.length - half, wireSize: data.length - half + 6, payload: data.subarray(half), preview: 8 });
      out.push({ kind: 'message', dirIn, binary: true, data, wireSize: data.length + 12, compressed: false });
    } else if (i % 11 === 5) {
      out.push({ kind: 'frame', dirIn, b0: 0x89, key, length: 4, wireSize: 6, payload: data.subarray(0, 4), preview: 1 << 20 });
    } else {
      out.push({ kind: 'frame', dirIn, b0: i % 5 === 0 ? 0xc1 : 0x81, key, length: data.length, wireSize: data.length + 2, payload: data, preview: 1 << 20 });
      out.push({ kind: 'message', dirIn, binary: false, data, wireSize: data.length + 2, compressed: i % 5 === 0 });
    }
  }
  return out;
}

describe('TimelineStore batched recording', () => {
  const mk = tempStores('wwb-batch-');

  it('appends a batch in order with consecutive ids, each event equal to the per-event path', () => {
    const wire = sequence(40, (i) => 4 + ((i * 37) % 300));
    const batched = mk();
    const single = mk();
    single.append({ kind: 'info', time: 1, connection: 'c', message: 'first' });
    batched.append({ kind: 'info', time: 1, connection: 'c', message: 'first' });
    batched.beginBatch();
    wire.forEach((w, i) => recordWire(batched, w, 100 + i, i % 2 ? 'a' : 'b'));
    batched.endBatch();
    wire.forEach((w, i) => single.appendKnown(asObject(w, 100 + i, i % 2 ? 'a' : 'b')));
    assert.equal(batched.length, wire.length + 1);
    const a = batched.slice(0, batched.length);
    const b = single.slice(0, single.length);
    assert.deepEqual(a.map((e) => e.id), b.map((e) => e.id));
    assert.deepEqual(a.map((e) => e.id), Array.from({ length: wire.length + 1 }, (_, i) => i + 1));
    for (let i = 0; i < a.length; i++) assert.deepEqual(a[i], b[i], `event ${i}`);
  });

  it('an event appended while a batch is open comes after what the batch recorded before it', () => {
    const s = mk();
    const seen: string[] = [];
    s.onEvent((e) => seen.push(`${e.id}:${e.kind}`));
    const [f, m, g] = sequence(2, () => 32);
    s.beginBatch();
    recordWire(s, f!, 1, 'c');
    recordWire(s, m!, 2, 'c');
    assert.deepEqual(seen, [], 'nothing delivered while the read is being parsed');
    s.appendKnown({ kind: 'state', time: 3, connection: 'c', state: 'closing' });
    recordWire(s, g!, 4, 'c');
    s.endBatch();
    assert.deepEqual(seen, ['1:frame', '2:message', '3:state', '4:frame']);
    assert.deepEqual(s.slice(0, 4).map((e) => e.time), [1, 2, 3, 4]);
  });

  it('builds event objects only for listeners, owner after the store listeners, in the per-event shape', () => {
    const s = mk();
    const wire = sequence(6, () => 20);
    const owner = { calls: [] as TimelineEvent[], listening: false, deliver(e: TimelineEvent) { this.calls.push(e); } };
    s.beginBatch();
    for (const w of wire) recordWire(s, w, 7, 'c', owner);
    s.endBatch();
    assert.equal(owner.calls.length, 0, 'an owner that does not listen gets nothing');
    owner.listening = true;
    const order: string[] = [];
    s.onEvent((e) => order.push(`store ${e.id}`));
    const deliver = owner.deliver.bind(owner);
    owner.deliver = (e) => {
      order.push(`owner ${e.id}`);
      deliver(e);
    };
    s.beginBatch();
    for (const w of wire) recordWire(s, w, 8, 'c', owner);
    s.endBatch();
    assert.equal(owner.calls.length, wire.length);
    assert.deepEqual(order.slice(0, 4), [`store ${wire.length + 1}`, `owner ${wire.length + 1}`, `store ${wire.length + 2}`, `owner ${wire.length + 2}`]);
    owner.calls.forEach((e, i) => assert.deepEqual(e, { ...asObject(wire[i]!, 8, 'c'), id: wire.length + 1 + i }));
    // Same keys, same order as the objects the per-event path records (maskKey/truncated present even when undefined).
    assert.deepEqual(Object.keys(owner.calls[0]!), Object.keys({ ...asObject(wire[0]!, 8, 'c'), id: 0 }));
  });

  it('copies payloads when recorded: the caller may reuse its buffer at once, and the arena chunks after they spill', async () => {
    const s = mk({ memoryBudgetBytes: 4096 }); // 512-byte chunks
    const src = Buffer.alloc(200); // one read buffer, overwritten for every event (like a pooled socket buffer)
    const expected: Buffer[] = [];
    for (let r = 0; r < 60; r++) {
      s.beginBatch();
      for (let k = 0; k < 5; k++) {
        const n = 50 + ((r * 5 + k) % 150);
        src.fill(r * 5 + k);
        src.writeUInt16BE(r * 5 + k, 0);
        const data = src.subarray(0, n);
        recordWire(s, { kind: 'frame', dirIn: true, b0: 0x82, length: n, wireSize: n + 2, payload: data, preview: 1 << 20 }, 0, 'c');
        recordWire(s, { kind: 'message', dirIn: true, binary: true, data, wireSize: n + 2, compressed: false }, 0, 'c');
        expected.push(Buffer.from(data), Buffer.from(data));
      }
      s.endBatch();
      src.fill(0xee); // the read buffer reused before the store looks at it again
      await new Promise((r) => setImmediate(r)); // let a spill finish, so its chunks are taken again
    }
    await s.flush();
    const c = s.counters();
    assert.ok(c.onDisk > expected.length / 2, `most events spilled (${c.onDisk})`);
    for (let i = 0; i < expected.length; i++) assert.deepEqual(Buffer.from(await s.readPayload(i + 1)), expected[i], `payload of event ${i + 1}`);
  });

  it('an echo stores its bytes once: the reply frame and message that are the received buffer share it', async () => {
    const s = mk();
    const data = Buffer.alloc(4000, 0x5a);
    s.beginBatch();
    recordWire(s, { kind: 'frame', dirIn: true, b0: 0x82, key: 0x0a0b0c0d, length: 4000, wireSize: 4008, payload: data, preview: 1 << 20 }, 0, 'c');
    recordWire(s, { kind: 'message', dirIn: true, binary: true, data, wireSize: 4008, compressed: false }, 0, 'c');
    recordWire(s, { kind: 'frame', dirIn: false, b0: 0x82, length: 4000, wireSize: 4004, payload: data, preview: 1 << 20 }, 0, 'c');
    recordWire(s, { kind: 'message', dirIn: false, binary: true, data, wireSize: 4004, compressed: false }, 0, 'c');
    // A cut frame never shares (fewer bytes kept than the buffer has).
    recordWire(s, { kind: 'frame', dirIn: false, b0: 0x82, length: 4000, wireSize: 4004, payload: data, preview: 100 }, 0, 'c');
    s.endBatch();
    assert.equal(s.counters().bytesInMemory, 4100);
    data.fill(0); // the socket's buffer reused
    for (let id = 1; id <= 4; id++) assert.deepEqual(Buffer.from(await s.readPayload(id)), Buffer.alloc(4000, 0x5a));
    assert.deepEqual(Buffer.from(await s.readPayload(5)), Buffer.alloc(100, 0x5a));
  });

  it("a disposed store's chunks go back to the arena and serve the next store, except those a view was lent from", async () => {
    const a = mk({ memoryBudgetBytes: 64 * 1024 }); // 8 KiB chunks
    const first = Buffer.alloc(3000, 0x31);
    a.beginBatch();
    recordWire(a, { kind: 'message', dirIn: true, binary: true, data: first, wireSize: 3002, compressed: false }, 0, 'a');
    for (let i = 0; i < 20; i++) recordWire(a, { kind: 'message', dirIn: true, binary: true, data: Buffer.alloc(3000, 0x40 + i), wireSize: 3002, compressed: false }, 0, 'a');
    a.endBatch();
    const lent = (a.at(0) as MessageEvent).data; // a zero-copy view into a's first chunk
    assert.deepEqual(Buffer.from(lent), first);
    const before = arenaHeldBytes();
    await a.dispose();
    const given = arenaHeldBytes() - before;
    assert.ok(given >= 7 * 8192, `a's unlent chunks went to the arena (${given} bytes)`);

    const b = mk({ memoryBudgetBytes: 64 * 1024 });
    const datas: Buffer[] = [];
    b.beginBatch();
    for (let i = 0; i < 20; i++) {
      const d = Buffer.alloc(3000, 0x61 + i);
      datas.push(d);
      recordWire(b, { kind: 'message', dirIn: false, binary: true, data: d, wireSize: 3004, compressed: false }, 0, 'b');
    }
    b.endBatch();
    assert.ok(arenaHeldBytes() < before + given, 'b took chunks from the arena');
    assert.deepEqual(Buffer.from(lent), first, 'the lent view was not reused');
    for (let i = 0; i < datas.length; i++) assert.deepEqual(Buffer.from(await b.readPayload(i + 1)), datas[i]);
  });

  it('writes the spill with one writev per batch, the same bytes as the per-event path (partial writes resumed)', async () => {
    const calls: number[] = [];
    const spy = (partial: boolean): SpillIo => ({
      writev(fd, buffers, position, cb) {
        calls.push(buffers.length);
        // One short write: only the first buffer, minus 100 bytes (the store resumes from there).
        if (partial && calls.length === 1) fs.write(fd, buffers[0] as Buffer, 0, (buffers[0] as Buffer).length - 100, position, cb);
        else fs.writev(fd, buffers, position, cb);
      },
    });
    const wire = sequence(120, (i) => 100 + ((i * 53) % 900));
    const batched = mk({ memoryBudgetBytes: 8192, spillIo: spy(false) }); // 1 KiB chunks
    batched.beginBatch();
    for (const w of wire) recordWire(batched, w, 0, 'c');
    batched.endBatch();
    assert.equal(calls.length, 1, 'one writev for the batch');
    assert.ok(calls[0]! > 10, `it carries every chunk beyond the budget (${calls[0]})`);
    await batched.flush();

    const single = mk({ memoryBudgetBytes: 8192 });
    for (const w of wire) single.appendKnown(asObject(w, 0, 'c'));
    await single.flush();

    calls.length = 0;
    const partial = mk({ memoryBudgetBytes: 8192, spillIo: spy(true) });
    partial.beginBatch();
    for (const w of wire) recordWire(partial, w, 0, 'c');
    partial.endBatch();
    await partial.flush();
    assert.ok(calls.length > 1 && calls[1]! === calls[0]!, `the short write was resumed with the rest (${calls.join(',')})`);

    for (const s of [batched, partial]) {
      assert.deepEqual(s.counters(), single.counters());
      const onDisk = s.counters().bytesOnDisk;
      assert.ok(onDisk > 0);
      assert.deepEqual(fs.readFileSync(s.spillFile!).subarray(0, onDisk), fs.readFileSync(single.spillFile!).subarray(0, onDisk), 'spill file contents');
      for (let id = 1; id <= wire.length; id += 7) assert.deepEqual(await s.readPayload(id), await single.readPayload(id));
    }
  });
});

describe('Connection: one store append per socket read', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('records the frames and messages of one read as one batch, in wire order, with consecutive ids', async () => {
    const texts = ['one', 'two', 'three', 'four'];
    const { url } = await rawPeer(cleanup, (sock) => {
      // Four messages in one write: one read on the client (loopback, small).
      setTimeout(() => sock.write(Buffer.concat(texts.map((t) => encodeFrame({ opcode: 1, payload: Buffer.from(t) })))), 20);
    });
    const c = newConnection(cleanup, { url, proxy: 'none' });
    let reads = 0;
    let ending = false;
    const end = c.store.endBatch.bind(c.store);
    c.store.endBatch = () => {
      reads++;
      ending = true;
      end();
      ending = false;
    };
    const seen: Array<{ read: number; ending: boolean; e: TimelineEvent }> = [];
    c.onEvent((e) => seen.push({ read: reads, ending, e }));
    await c.connect();
    await waitFor(c, (e) => e.kind === 'message' && e.dir === 'in' && Buffer.from(e.data).toString() === 'four');
    const wire = seen.filter((s) => s.e.kind === 'frame' || s.e.kind === 'message');
    assert.equal(wire.length, 8);
    assert.ok(wire.every((s) => s.ending), 'delivered when the read ends, not while it is parsed');
    assert.equal(new Set(wire.map((s) => s.read)).size, 1, 'all delivered at the end of the same read');
    assert.deepEqual(wire.map((s) => (s.e.kind === 'frame' ? `f:${Buffer.from((s.e as FrameEvent).payload)}` : `m:${Buffer.from((s.e as MessageEvent).data)}`)), texts.flatMap((t) => [`f:${t}`, `m:${t}`]));
    const ids = wire.map((s) => s.e.id);
    assert.deepEqual(ids, ids.map((_, i) => ids[0]! + i));
    // The store holds the same events as the listener saw.
    assert.deepEqual(events(c).filter((e) => e.kind === 'frame' || e.kind === 'message').map((e) => e.id), ids);
  });
});
