import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { FrameEvent, MessageEvent, NewEvent } from '../../../src/core/engine/events';
import { tempStores } from './helpers';

const enc = new TextEncoder();

function frame(i: number, dir: 'in' | 'out' = 'in', payload = enc.encode(`frame ${i}`)): NewEvent {
  return {
    kind: 'frame', time: 1000 + i, connection: 'c1', dir, fin: true, rsv1: false, rsv2: false, rsv3: false,
    opcode: 1, masked: dir === 'out', ...(dir === 'out' ? { maskKey: '0a0b0c0d' } : {}), length: payload.length,
    wireSize: payload.length + 2, payload,
  } as NewEvent;
}

function message(i: number, text: string, dir: 'in' | 'out' = 'in'): NewEvent {
  const data = enc.encode(text);
  return { kind: 'message', time: 2000 + i, connection: 'c1', dir, binary: false, data, size: data.length, wireSize: data.length + 2, compressed: false };
}

describe('TimelineStore', () => {
  const mk = tempStores('wwb-store-');

  it('assigns monotonic ids and round-trips frames, messages and other kinds', () => {
    const s = mk();
    const a = s.append(frame(0, 'out'));
    const b = s.append(message(1, 'hello'));
    const c = s.append({ kind: 'close', time: 5, connection: 'c1', code: 1000, reason: 'bye', initiator: 'client', wasClean: true });
    const d = s.append({ kind: 'rtt', connection: 'c2', ms: 3 } as NewEvent);
    assert.deepEqual([a.id, b.id, c.id, d.id], [1, 2, 3, 4]);
    assert.equal(d.time, 42, 'clock fills a missing time');
    assert.equal(s.length, 4);
    const f = s.at(0) as FrameEvent;
    assert.equal(f.kind, 'frame');
    assert.equal(f.dir, 'out');
    assert.equal(f.maskKey, '0a0b0c0d');
    assert.equal(f.masked, true);
    assert.equal(f.wireSize, 9);
    assert.equal(Buffer.from(f.payload).toString(), 'frame 0');
    const m = s.byId(2) as MessageEvent;
    assert.deepEqual({ ...m, data: Buffer.from(m.data).toString() }, { ...(message(1, 'hello') as MessageEvent), id: 2, data: 'hello' });
    assert.deepEqual(s.at(2), { ...c });
    assert.equal(s.at(4), undefined);
    assert.equal(s.slice(1, 3).length, 2);
  });

  it('copies payloads, so later mutation of the caller buffer does not change the record', () => {
    const s = mk();
    const buf = enc.encode('abc');
    s.append(frame(0, 'in', buf));
    buf[0] = 0x7a;
    assert.equal(Buffer.from((s.at(0) as FrameEvent).payload).toString(), 'abc');
  });

  it('keeps unknown fields of frame events', () => {
    const s = mk();
    const e = { ...frame(0), extra: 'x' } as unknown as NewEvent;
    s.append(e);
    assert.equal((s.at(0) as unknown as { extra: string }).extra, 'x');
    assert.equal(Buffer.from((s.at(0) as FrameEvent).payload).toString(), 'frame 0');
  });

  it('notifies listeners and survives a throwing listener', () => {
    const s = mk();
    const seen: number[] = [];
    s.onEvent(() => {
      throw new Error('boom');
    });
    const off = s.onEvent((e) => seen.push(e.id));
    s.append(frame(0));
    off();
    s.append(frame(1));
    assert.deepEqual(seen, [1]);
  });

  it('queries by direction, kind, connection, text and regex, with from and limit', () => {
    const s = mk();
    for (let i = 0; i < 10; i++) s.append(message(i, i % 2 ? `{"n":${i}}` : `plain ${i}`, i % 3 ? 'in' : 'out'));
    s.append({ kind: 'error', time: 1, connection: 'c2', code: 'ECONNRESET', message: 'reset' });
    assert.deepEqual(s.query({ dirs: ['out'] }), [0, 3, 6, 9]);
    assert.deepEqual(s.query({ kinds: ['error'] }), [10]);
    assert.deepEqual(s.query({ connection: 'c2' }), [10]);
    assert.deepEqual(s.query({ connection: 'nope' }), []);
    assert.deepEqual(s.query({ text: 'plain' }), [0, 2, 4, 6, 8]);
    assert.deepEqual(s.query({ regex: /"n":[13]\b/g }), [1, 3]);
    assert.deepEqual(s.query({ regex: /"n":[13]\b/g }), [1, 3], 'a global regex gives the same answer twice');
    assert.deepEqual(s.query({ text: 'ECONNRESET' }), [10]);
    assert.deepEqual(s.query({ kinds: ['message'], from: 5, limit: 2 }), [5, 6]);
    assert.deepEqual(s.query({ dirs: ['in'], kinds: ['error'] }), []);
  });

  it('spills the oldest payloads to disk past the budget and loses nothing', async () => {
    const s = mk({ memoryBudgetBytes: 4096 });
    const N = 2000;
    for (let i = 0; i < N; i++) s.append(message(i, `payload number ${i} ${'x'.repeat(i % 50)}`));
    await s.flush();
    const c = s.counters();
    assert.equal(c.recorded, N);
    assert.equal(c.inMemory + c.onDisk, N);
    assert.ok(c.onDisk > N / 2, `most events spilled (${c.onDisk})`);
    assert.ok(c.bytesInMemory <= 4096 + 1024, `memory bounded (${c.bytesInMemory})`);
    assert.ok(c.bytesOnDisk > 0);
    assert.ok(s.spillFile && fs.statSync(s.spillFile).size >= c.bytesOnDisk);
    const first = s.at(0) as MessageEvent;
    assert.equal(first.spilled, true);
    assert.equal(first.data.length, 0);
    assert.equal(first.size, 'payload number 0 '.length);
    assert.equal(Buffer.from(await s.readPayload(first.id)).toString(), 'payload number 0 ');
    // every payload reads back exactly
    for (let i = 0; i < N; i += 97) {
      assert.equal(Buffer.from(await s.readPayload(i + 1)).toString(), `payload number ${i} ${'x'.repeat(i % 50)}`);
    }
    // queries see spilled payloads
    assert.deepEqual(s.query({ regex: /^payload number 7 x{7}$/ }), [7]);
    assert.deepEqual(s.query({ text: 'number 1999 ' }), [1999]);
    const last = s.at(N - 1) as MessageEvent;
    assert.equal(last.spilled, undefined);
    assert.ok(last.data.length > 0);
  });

  it('reuses spilled chunks without corrupting stored payloads or views handed out earlier', async () => {
    const s = mk({ memoryBudgetBytes: 4096 }); // 512-byte chunks
    const text = (i: number) => `reuse ${i} ${String.fromCharCode(97 + (i % 26)).repeat(20 + (i % 40))}`;
    let held: MessageEvent | undefined;
    let heldText = '';
    for (let i = 0; i < 600; i++) {
      s.append(message(i, text(i)));
      if (i === 5) {
        // A zero-copy view into an in-memory chunk, kept while that chunk later spills.
        held = s.at(5) as MessageEvent;
        heldText = Buffer.from(held.data).toString();
      }
      // Let spill writes complete between appends, so freed chunks are taken again.
      if (i % 10 === 9) await s.flush();
    }
    await s.flush();
    assert.equal(heldText, text(5));
    assert.equal(Buffer.from(held!.data).toString(), text(5), 'a view handed out is never overwritten');
    assert.ok(s.counters().onDisk > 400, `most events spilled (${s.counters().onDisk})`);
    for (let i = 0; i < 600; i++) assert.equal(Buffer.from(await s.readPayload(i + 1)).toString(), text(i), `payload ${i}`);
  });

  it('stores payloads larger than a chunk across chunk boundaries and disk', async () => {
    const s = mk({ memoryBudgetBytes: 8192 });
    const big = new Uint8Array(50_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    s.append(frame(0, 'in', big));
    s.append(frame(1, 'in', big));
    const back = await s.readPayload(1);
    assert.deepEqual(back, big);
    const back2 = await s.readPayload(2);
    assert.deepEqual(back2, big);
    const c = s.counters();
    assert.equal(c.recorded, 2);
    assert.equal(c.onDisk + c.inMemory, 2);
  });

  it('clear forgets events but keeps ids increasing; dispose removes the spill file', async () => {
    const s = mk({ memoryBudgetBytes: 1024 });
    for (let i = 0; i < 200; i++) s.append(message(i, `m${i}`.repeat(10)));
    await s.flush();
    const file = s.spillFile!;
    assert.ok(fs.existsSync(file));
    s.clear();
    assert.equal(s.length, 0);
    assert.deepEqual(s.counters(), { recorded: 0, inMemory: 0, onDisk: 0, bytesInMemory: 0, bytesOnDisk: 0 });
    const e = s.append(message(0, 'again'));
    assert.equal(e.id, 201);
    assert.equal(s.byId(201)?.id, 201);
    assert.equal(s.byId(1), undefined);
    await s.dispose();
    assert.equal(fs.existsSync(file), false);
    assert.throws(() => s.append(message(0, 'x')));
  });

  it('round-trips every opcode with every FIN/RSV/mask/truncated combination through the packed columns', () => {
    const s = mk();
    const expected: FrameEvent[] = [];
    for (let opcode = 0; opcode < 16; opcode++) {
      for (let bits = 0; bits < 64; bits++) {
        const e = {
          kind: 'frame', time: 7, connection: `c${bits & 1}`, dir: bits & 1 ? 'in' : 'out', fin: !!(bits & 2), rsv1: !!(bits & 4), rsv2: !!(bits & 8),
          rsv3: !!(bits & 16), opcode, masked: !!(bits & 32), ...(bits & 32 ? { maskKey: 'ff00ff01' } : {}), length: 3, wireSize: 5,
          payload: enc.encode('abc'), ...(bits & 2 ? { truncated: !!(bits & 4) } : {}),
        } as FrameEvent;
        expected.push({ ...e, id: s.append({ ...e } as NewEvent).id });
      }
    }
    // An opcode no wire can carry still comes back exactly.
    const odd = { ...frame(0), opcode: 300 } as FrameEvent;
    const oddId = s.append({ ...odd } as NewEvent).id;
    for (const e of expected) {
      const got = s.byId(e.id) as FrameEvent;
      assert.deepEqual({ ...got, payload: Buffer.from(got.payload).toString() }, { ...e, payload: 'abc' });
    }
    assert.equal((s.byId(oddId) as FrameEvent).opcode, 300);
    assert.deepEqual(s.query({ dirs: ['in'], kinds: ['frame'] }).length, 16 * 32 + 1);
  });

  it('appendKnown: a message that is the very memory of the frame just stored shares its bytes; append() still copies', async () => {
    const s = mk();
    const chunk = Buffer.from('xx' + 'a single frame payload, long enough' + 'yy');
    const view = chunk.subarray(2, chunk.length - 2);
    const len = view.length;
    s.appendKnown(frame(0, 'in', view));
    s.appendKnown({ ...message(0, ''), data: chunk.subarray(2, chunk.length - 2), size: len } as NewEvent);
    assert.equal(s.counters().bytesInMemory, len, 'stored once');
    // Same memory, other length: not the same payload.
    s.appendKnown({ ...message(1, ''), data: chunk.subarray(2, chunk.length - 3), size: len - 1 } as NewEvent);
    assert.equal(s.counters().bytesInMemory, 2 * len - 1);
    // Tiny payloads are never compared, but the same memory is still shared.
    const tiny = Buffer.from('hi!');
    s.appendKnown(frame(9, 'out', tiny));
    s.appendKnown({ ...message(9, ''), data: tiny, size: 3 } as NewEvent);
    assert.equal(s.counters().bytesInMemory, 2 * len - 1 + 3);
    assert.equal(Buffer.from(await s.readPayload(5)).toString(), 'hi!');
    // append() makes no assumption: changed bytes in the same memory are stored as they are now.
    s.append(frame(2, 'in', view));
    chunk[2] = 0x41;
    s.append({ ...message(3, ''), data: view, size: len } as NewEvent);
    assert.equal(Buffer.from(await s.readPayload(2)).toString(), 'a single frame payload, long enough');
    assert.equal(Buffer.from(await s.readPayload(6)).toString(), 'a single frame payload, long enough');
    assert.equal(Buffer.from(await s.readPayload(7)).toString(), 'A single frame payload, long enough');
  });

  it('keeps per-event overhead small (columnar storage)', () => {
    // Not a timing assertion: a structural one. 200k frames must not allocate an object each.
    const s = mk();
    const payload = enc.encode('0123456789');
    type Cols = { meta: { segs: Uint32Array[] } };
    let firstSegment: Uint32Array | undefined;
    for (let i = 0; i < 200_000; i++) {
      s.append(frame(i, 'in', payload));
      if (i === 70_000) firstSegment = (s as unknown as Cols).meta.segs[0];
    }
    assert.equal(s.length, 200_000);
    // Growth adds segments; it never reallocates (copies) what is already stored.
    const segs = (s as unknown as Cols).meta.segs;
    assert.equal(segs.length, 4);
    assert.equal(segs[0], firstSegment);
    assert.equal((s as unknown as { objects: Map<number, unknown> }).objects.size, 0);
    assert.equal(Buffer.from((s.at(199_999) as FrameEvent).payload).toString(), '0123456789');
  });
});
