/**
 * Transcript writing: the batch encoder writes byte for byte what encodeEventLine writes, also
 * through the worker's packed records; a transcript written from random events — in this thread
 * and in a worker thread — reads back equal to them, in order; payloads are captured at append;
 * a disk-full write is reported (code, hint, onError once), never thrown from append; synchronous
 * writes that stall turn to the thread pool.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { TranscriptWriter, encodeEventLine, makeHeader, parseTranscript, readTranscript, serializeTranscript } from '../../../src/core/collections/transcript';
import { BatchEncoder, EventPacker, encodePacked } from '../../../src/core/collections/transcriptEncoder';
import type { CollectionError } from '../../../src/core/collections/types';
import type { MessageEvent, TimelineEvent } from '../../../src/core/engine/events';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  text.map((s) => new TextEncoder().encode(s)),
  fc.uint8Array({ minLength: 500, maxLength: 1500 }), // Node's own base64 above 512 bytes
);
const base = { id: fc.nat(), time: fc.oneof(fc.nat(), fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 })), connection: fc.oneof(fc.constantFrom('c1', 'c2'), text) };
const dir = fc.constantFrom('in' as const, 'out' as const);

const message = fc
  .record({ ...base, dir, binary: fc.boolean(), data: bytes, wireSize: fc.nat(), compressed: fc.boolean(), spilled: fc.boolean() }, { requiredKeys: ['id', 'time', 'connection', 'dir', 'binary', 'data'] })
  .map((m) => ({ ...m, kind: 'message' as const, size: m.data.length }) as TimelineEvent);
const frame = fc
  .record(
    { ...base, dir, fin: fc.boolean(), rsv1: fc.boolean(), rsv2: fc.boolean(), rsv3: fc.boolean(), opcode: fc.integer({ min: 0, max: 15 }), masked: fc.boolean(), maskKey: fc.stringMatching(/^[0-9a-f]{8}$/), wireSize: fc.nat(), payload: bytes, truncated: fc.boolean(), spilled: fc.boolean() },
    { requiredKeys: ['id', 'time', 'connection', 'dir', 'fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'masked', 'wireSize', 'payload'] },
  )
  .map((f) => ({ ...f, kind: 'frame' as const, length: f.payload.length }) as TimelineEvent);
const other = fc.oneof(
  fc.record({ ...base, state: fc.constantFrom('connecting' as const, 'open' as const, 'closed' as const) }).map((e) => ({ ...e, kind: 'state' as const })),
  fc.record({ ...base, code: fc.integer({ min: 1000, max: 4999 }), reason: text, initiator: fc.constantFrom('client' as const, 'server' as const), wasClean: fc.boolean() }).map((e) => ({ ...e, kind: 'close' as const })),
  fc.record({ ...base, message: text, data: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }).filter((k) => k !== '__proto__'), fc.oneof(fc.integer(), text)).map((d) => ({ ...d })) }).map((e) => ({ ...e, kind: 'info' as const })),
  fc.record({ ...base, ms: fc.double({ min: 0, max: 1e6, noNaN: true }) }).map((e) => ({ ...e, kind: 'rtt' as const })),
);
const event: fc.Arbitrary<TimelineEvent> = fc.oneof({ weight: 4, arbitrary: message }, { weight: 3, arbitrary: frame }, { weight: 1, arbitrary: other as fc.Arbitrary<TimelineEvent> });
const events = fc.array(event, { maxLength: 40 });

const linesOf = (es: readonly TimelineEvent[]) => Buffer.from(es.map((e) => encodeEventLine(e) + '\n').join(''));

describe('collections: transcript writing (property)', () => {
  it('the batch encoder writes exactly the bytes of encodeEventLine, directly and through the worker records', () => {
    fc.assert(
      fc.property(events, (es) => {
        const enc = new BatchEncoder(encodeEventLine, 16); // tiny start: growth is exercised too
        for (const e of es) enc.encode(e);
        const want = linesOf(es);
        assert.deepEqual(enc.take(), want);
        const packer = new EventPacker(encodeEventLine, 16);
        for (const e of es) packer.pack(e);
        const viaWorker = new BatchEncoder(encodeEventLine);
        encodePacked(packer.take(), viaWorker);
        assert.deepEqual(viaWorker.take(), want);
      }),
      { numRuns: 300 },
    );
  });

  it('text is escaped as JSON.stringify escapes it (every control character, quotes, backslashes, non-ASCII)', () => {
    const all = new TextEncoder().encode(Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('') + '"\\é✓😀\u2028');
    const e = { id: 1, time: 2, connection: 'c', kind: 'message', dir: 'in', binary: false, data: all, size: all.length } as TimelineEvent;
    const enc = new BatchEncoder(encodeEventLine);
    enc.encode(e);
    assert.equal(enc.take().toString(), encodeEventLine(e) + '\n');
  });

  it('a frame whose opcode is not 4 bits (a hand-made event) is written as encodeEventLine writes it, directly and through the worker records', () => {
    for (const opcode of [16, 255, -1, 1.5]) {
      const e = { id: 1, time: 2, connection: 'c', kind: 'frame', dir: 'out', fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, masked: false, length: 1, wireSize: 3, payload: new Uint8Array([7]) } as TimelineEvent;
      const enc = new BatchEncoder(encodeEventLine);
      enc.encode(e);
      assert.equal(enc.take().toString(), encodeEventLine(e) + '\n', `opcode ${opcode}`);
      const packer = new EventPacker(encodeEventLine);
      packer.pack(e);
      const viaWorker = new BatchEncoder(encodeEventLine);
      encodePacked(packer.take(), viaWorker);
      assert.equal(viaWorker.take().toString(), encodeEventLine(e) + '\n', `opcode ${opcode} through the worker records`);
    }
  });

  it('text read back from serialized random events equals them (parseTranscript)', () => {
    fc.assert(
      fc.property(events, (es) => {
        const r = parseTranscript(serializeTranscript({ header: makeHeader({ createdAt: 0 }), events: es }));
        assert.deepEqual(r.errors, []);
        assert.deepEqual(r.events, es);
      }),
      { numRuns: 200 },
    );
  });

  it('a write that stalls (a reader that waits on a pipe) turns synchronous-while-fast writes to the thread pool; nothing is lost', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'wswb-trw-fifo-'));
    let writer: TranscriptWriter | undefined;
    let reader: ReturnType<typeof spawn> | undefined;
    try {
      const fifo = path.join(dir, 'slow.ndjson');
      const out = path.join(dir, 'copy.ndjson');
      execFileSync('mkfifo', [fifo]);
      // The reader opens the pipe, then lets the writer fill it (64 KiB) and wait 300 ms before it reads.
      const child = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(fifo)},'r');setTimeout(()=>{const b=Buffer.alloc(1<<16);const o=fs.openSync(${JSON.stringify(out)},'w');for(let n;(n=fs.readSync(fd,b,0,b.length,null))>0;)fs.writeSync(o,b,0,n);},300);`], { stdio: 'inherit' });
      reader = child;
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const w = await TranscriptWriter.create(fifo, makeHeader({ createdAt: 0 }), { mode: 'thread' });
      writer = w;
      assert.equal(w.writes, 'while-fast');
      const data = new Uint8Array(1000).fill(0x62);
      const sent: TimelineEvent[] = [];
      for (let i = 1; i <= 400; i++) {
        const e = { id: i, time: i, connection: 'c', kind: 'message', dir: 'in', binary: true, data, size: data.length } as MessageEvent;
        w.append(e); // past 256 KiB the batch is written at once, into the full pipe: that write waits for the reader
        sent.push(e);
      }
      await w.flush();
      assert.equal(w.writes, 'pool', 'after a slow synchronous write, batches go through the thread pool');
      for (let i = 401; i <= 500; i++) {
        const e = { id: i, time: i, connection: 'c', kind: 'message', dir: 'in', binary: true, data, size: data.length } as MessageEvent;
        w.append(e);
        sent.push(e);
      }
      await w.close();
      assert.equal(await exited, 0);
      const back = await readTranscript(out);
      assert.deepEqual(back.errors, []);
      assert.deepEqual(back.events, sent);
    } finally {
      await writer?.close().catch(() => undefined); // after a failed assertion too: the reader then sees the end of the pipe
      reader?.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Thread mode as the extension host writes (synchronously while fast), always through the thread pool, always
  // synchronously (the CLI), and the worker.
  for (const [mode, writes] of [['thread', 'while-fast'], ['thread', 'pool'], ['thread', 'sync'], ['worker', undefined]] as const) {
    describe(`TranscriptWriter, ${mode} mode${writes ? `, ${writes} writes` : ''}`, () => {
      let dir: string;
      beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'wswb-trw-'))));
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      it('random events written in batches read back equal, in order', async () => {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(fc.array(events, { maxLength: 4 }), async (batches) => {
            const file = path.join(dir, `t${n++}.ndjson`);
            const w = await TranscriptWriter.create(file, makeHeader({ createdAt: 0 }), { mode, writes });
            assert.equal(w.mode, mode);
            for (const b of batches) {
              for (const e of b) w.append(e);
              await w.flush(); // each group its own batch, written through the buffer the one before gave back
            }
            await w.close();
            const all = batches.flat();
            assert.equal(w.eventsWritten, all.length);
            const back = await readTranscript(file);
            assert.deepEqual(back.errors, []);
            assert.equal(back.truncated, false);
            assert.deepEqual(back.events, all);
          }),
          { numRuns: mode === 'worker' ? 8 : 25 }, // a worker starts per run
        );
      });

      it('many batches (over 256 KiB each) keep their order; flush puts them on disk; the payload is the one at append', async () => {
        const file = path.join(dir, 'big.ndjson');
        const w = await TranscriptWriter.create(file, makeHeader({ createdAt: 0 }), { mode, writes });
        const data = new Uint8Array(1000).fill(0x61);
        const N = 3000;
        const sent: TimelineEvent[] = [];
        for (let i = 1; i <= N; i++) {
          const e = { id: i, time: i, connection: 'c', kind: 'message', dir: 'in', binary: true, data: data.slice(), size: data.length } as MessageEvent;
          w.append(e);
          sent.push({ ...e, data: e.data.slice() } as MessageEvent);
          e.data.fill(0); // the store moving a payload to disk after the append must not change the line
        }
        await w.flush();
        assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, N + 1, 'flushed lines are on disk before close');
        await w.close();
        const back = await readTranscript(file);
        assert.deepEqual(back.events.map((e) => e.id), sent.map((e) => e.id));
        assert.deepEqual(back.events, sent);
      });

      it('a full disk is reported with its code and a hint, once to onError, by flush and close; append never throws', async () => {
        const errors: CollectionError[] = [];
        const w = await TranscriptWriter.create('/dev/full', makeHeader(), { mode, writes, onError: (e) => errors.push(e) });
        const e = { id: 1, time: 1, connection: 'c', kind: 'message', dir: 'in', binary: false, data: new Uint8Array(10), size: 10 } as TimelineEvent;
        for (let i = 0; i < 1000; i++) w.append(e);
        await assert.rejects(w.flush(), (err: CollectionError) => err.code === 'WSWB_TRANSCRIPT_WRITE' && /ENOSPC \(the disk is full\)/.test(err.message));
        w.append(e); // ignored after the error, no throw
        await assert.rejects(w.close(), (err: CollectionError) => err.code === 'WSWB_TRANSCRIPT_WRITE');
        assert.equal(errors.length, 1);
        assert.match(errors[0]!.message, /\/dev\/full/);
      });
    });
  }
});
