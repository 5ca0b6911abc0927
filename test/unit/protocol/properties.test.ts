import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { FrameDecoder } from '../../../src/core/protocol/frameDecoder';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';
import { ProtocolError, PROTOCOL_ERROR_CODES } from '../../../src/core/protocol/errors';
import { Utf8Validator } from '../../../src/core/protocol/utf8';
import { bytesToHex, hexToBytes } from '../../../src/core/protocol/hexdump';
import { chunksAt, decode, receive } from './helpers';

// ws's own framer, used only as an oracle (ws's package exports hide lib/, so go by path).
const Receiver = require(join(dirname(require.resolve('ws')), 'lib/receiver.js')) as new (opts: object) => {
  write(chunk: Buffer): boolean;
  on(event: string, fn: (...args: never[]) => void): void;
};
const Sender = require(join(dirname(require.resolve('ws')), 'lib/sender.js')) as {
  frame(data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean; maskBuffer?: Buffer; generateMask?: (m: Buffer) => void }): Buffer[];
};

interface Spec {
  opcode: number;
  fin: boolean;
  rsv1: boolean;
  mask: Uint8Array | null;
  payload: Uint8Array;
}

const dataPayload = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom(125, 126, 127, 65535, 65536, 70000).map((n) => new Uint8Array(n).fill(n & 0xff)) },
);

/** A frame ws could send: data frames of any size, control frames FIN with ≤ 125 bytes. */
const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({
    opcode: fc.constantFrom(0, 1, 2),
    fin: fc.boolean(),
    rsv1: fc.boolean(),
    mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 })),
    payload: dataPayload,
  }),
  fc.record({
    opcode: fc.constantFrom(8, 9, 10),
    fin: fc.constant(true),
    rsv1: fc.constant(false),
    mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 })),
    payload: fc.uint8Array({ maxLength: 125 }),
  }),
);

function wsFrame(s: Spec): Buffer {
  const parts = Sender.frame(Buffer.from(s.payload), {
    fin: s.fin,
    rsv1: s.rsv1,
    opcode: s.opcode,
    mask: s.mask !== null,
    readOnly: true,
    maskBuffer: Buffer.alloc(4),
    generateMask: (m) => m.set(s.mask ?? [0, 0, 0, 0]),
  });
  return Buffer.concat(parts);
}

/** Random cut points within `len`. */
const cutsArb = fc.array(fc.nat(), { maxLength: 12 });
const cutsFor = (cuts: number[], len: number) => [...new Set(cuts.map((c) => (len > 0 ? c % len : 0)))].sort((a, b) => a - b);

const knownCode = (e: unknown) => e instanceof ProtocolError && e.code in PROTOCOL_ERROR_CODES && e.closeCode === PROTOCOL_ERROR_CODES[e.code as keyof typeof PROTOCOL_ERROR_CODES];

describe('protocol/properties (fast-check)', () => {
  it('frames built by ws Sender.frame decode back identically under any chunking', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 6 }), cutsArb, (specs, cuts) => {
        const wire = Buffer.concat(specs.map(wsFrame));
        const d = decode(chunksAt(wire, cutsFor(cuts, wire.length)), { allowedRsv: 0x4 });
        assert.deepEqual(d.errors, []);
        assert.equal(d.frames.length, specs.length);
        let consumed = 0;
        specs.forEach((s, i) => {
          const f = d.frames[i]!;
          assert.equal(f.opcode, s.opcode);
          assert.equal(f.fin, s.fin);
          assert.equal(f.rsv1, s.rsv1);
          assert.equal(f.rsv2 || f.rsv3, false);
          assert.equal(f.masked, s.mask !== null);
          if (s.mask) assert.deepEqual([...f.maskKey!], [...s.mask]);
          assert.equal(f.length, s.payload.length);
          assert.ok(f.payload.equals(s.payload));
          consumed += f.headerSize + f.length;
        });
        assert.equal(consumed, wire.length);
        assert.equal(d.decoder.bytesConsumed, wire.length);
      }),
      { numRuns: 150 },
    );
  });

  it('decoder + assembler deliver the same messages and pings as ws Receiver, under any chunking', () => {
    // A valid client stream: messages split into fragments, with pings between fragments.
    const message = fc.record({
      binary: fc.boolean(),
      text: fc.string({ unit: 'grapheme', maxLength: 60 }),
      bytes: fc.uint8Array({ maxLength: 80 }),
      cuts: fc.array(fc.nat(), { maxLength: 3 }),
      pingAfter: fc.array(fc.boolean(), { maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), cutsArb, (msgs, cuts) => {
        const frames: Buffer[] = [];
        const pings: string[] = [];
        for (const m of msgs) {
          const data = m.binary ? Buffer.from(m.bytes) : Buffer.from(m.text);
          const parts = chunksAt(data, cutsFor(m.cuts, data.length));
          parts.forEach((p, i) => {
            frames.push(wsFrame({ opcode: i === 0 ? (m.binary ? 2 : 1) : 0, fin: i === parts.length - 1, rsv1: false, mask: Uint8Array.of(i, 7, 1, 9), payload: p }));
            if (m.pingAfter[i] && i < parts.length - 1) {
              pings.push(`p${pings.length}`);
              frames.push(wsFrame({ opcode: 9, fin: true, rsv1: false, mask: Uint8Array.of(3, 3, 3, 3), payload: Buffer.from(pings[pings.length - 1]!) }));
            }
          });
        }
        const wire = Buffer.concat(frames);
        const chunks = chunksAt(wire, cutsFor(cuts, wire.length));

        const theirs: string[] = [];
        const r = new Receiver({ isServer: true, binaryType: 'nodebuffer', extensions: {}, allowSynchronousEvents: true });
        r.on('message', (d: Buffer, isBinary: boolean) => theirs.push(`${isBinary ? 'bin' : 'txt'}:${d.toString('hex')}`));
        r.on('ping', (d: Buffer) => theirs.push(`ping:${d.toString()}`));
        r.on('error', (e: Error) => theirs.push(`error:${e.message}`));
        for (const c of chunks) r.write(Buffer.from(c));

        const s = receive(chunks, { expectMasked: true, allowedRsv: 0 });
        const ours: string[] = [];
        // Rebuild the interleaving from the frame order: each control before the message it preceded.
        let mi = 0;
        let ci = 0;
        for (const f of s.frames) {
          if (f.opcode === 9) ours.push(`ping:${s.controls[ci++]!.payload.toString()}`);
          else if (f.fin) {
            const m = s.messages[mi++]!;
            ours.push(`${m.opcode === 2 ? 'bin' : 'txt'}:${Buffer.from(m.data).toString('hex')}`);
          }
        }
        assert.deepEqual(s.errors, []);
        assert.deepEqual(ours, theirs);
        assert.equal(s.messages.length, msgs.length);
      }),
      { numRuns: 200 },
    );
  });

  it('encodeFrame produces the same bytes as ws Sender.frame', () => {
    fc.assert(
      fc.property(specArb, (s) => {
        const ours = encodeFrame({ opcode: s.opcode, fin: s.fin, rsv1: s.rsv1, payload: s.payload, mask: s.mask ?? false });
        assert.ok(Buffer.from(ours).equals(wsFrame(s)));
      }),
      { numRuns: 150 },
    );
  });

  it('random bytes never throw out of push: only coded ProtocolErrors, at most one, nothing after it', () => {
    const opts = fc.record(
      {
        strict: fc.boolean(),
        expectMasked: fc.boolean(),
        allowedRsv: fc.integer({ min: 0, max: 7 }),
        maxPayload: fc.integer({ min: 0, max: 1 << 20 }),
        payloadLimit: fc.integer({ min: 0, max: 64 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), cutsArb, opts, (bytes, cuts, o) => {
        const seen: string[] = [];
        const dec = new FrameDecoder(o, () => seen.push('frame'), (e) => {
          assert.ok(knownCode(e), String(e));
          seen.push('error');
        });
        for (const c of chunksAt(bytes, cutsFor(cuts, bytes.length))) dec.push(c);
        const errs = seen.filter((s) => s === 'error').length;
        assert.ok(errs <= 1);
        if (errs === 1) assert.equal(seen[seen.length - 1], 'error');
        assert.equal(dec.failed, errs === 1);
      }),
      { numRuns: 400 },
    );
  });

  it('random well-framed garbage through decoder + assembler: only coded errors', () => {
    // Valid framing with random opcodes/flags/payloads exercises the assembler rather than the decoder.
    const garbageFrame = fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      fin: fc.boolean(),
      rsv1: fc.boolean(),
      payload: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(fc.array(garbageFrame, { maxLength: 8 }), fc.boolean(), cutsArb, (frames, strict, cuts) => {
        const wire = Buffer.concat(frames.map((f) => encodeFrame(f)));
        const s = receive(chunksAt(wire, cutsFor(cuts, wire.length)), { strict }, { maxPayload: 100 });
        for (const e of s.errors) assert.ok(knownCode(e), String(e));
        // At most one from the decoder and one from the assembler.
        assert.ok(s.errors.length <= 2);
      }),
      { numRuns: 300 },
    );
  });

  it('Utf8Validator agrees with Node’s isUtf8 under any fragmentation', () => {
    const utf8ish = fc.oneof(
      fc.string({ unit: 'binary' }).map((s) => new Uint8Array(Buffer.from(s))),
      fc.uint8Array({ maxLength: 40 }),
      fc.array(fc.constantFrom(0x41, 0x80, 0xbf, 0xc2, 0xe0, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0x8f, 0xff), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(utf8ish, cutsArb, (b, cuts) => {
        const v = new Utf8Validator();
        const chunks = chunksAt(b, cutsFor(cuts, b.length));
        let ok = true;
        chunks.forEach((c, i) => (ok = v.push(c, i === chunks.length - 1) && ok));
        assert.equal(ok, isUtf8(b));
      }),
      { numRuns: 500 },
    );
  });

  it('Utf8Validator agrees with Node’s isUtf8 on large fragments too (native fast path)', () => {
    const tricky = fc.array(fc.constantFrom(0x41, 0x80, 0xbf, 0xc2, 0xce, 0xba, 0xe0, 0xe1, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0x8f, 0xff), { maxLength: 16 });
    const big = fc.tuple(fc.array(fc.oneof(fc.constant('x'.repeat(300)), fc.constant('κόσμε'.repeat(40)), tricky.map((a) => Buffer.from(a).toString('latin1'))), { minLength: 1, maxLength: 5 }), fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 3 }))
      .map(([parts, junk]) => Buffer.concat([...parts.map((p) => (/^[\x00-\xff]*$/.test(p) && !p.startsWith('x') ? Buffer.from(p, 'latin1') : Buffer.from(p))), ...junk]));
    fc.assert(
      fc.property(big, cutsArb, (b, cuts) => {
        const v = new Utf8Validator();
        const chunks = chunksAt(b, cutsFor(cuts, b.length));
        let ok = true;
        chunks.forEach((c, i) => (ok = v.push(c, i === chunks.length - 1) && ok));
        assert.equal(ok, isUtf8(b));
      }),
      { numRuns: 300 },
    );
  });

  it('hex round-trips', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => assert.deepEqual(hexToBytes(bytesToHex(b)), b)));
  });
});
