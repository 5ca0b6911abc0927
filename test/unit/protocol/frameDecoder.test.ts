import assert from 'node:assert/strict';
import { FrameDecoder } from '../../../src/core/protocol/frameDecoder';
import { ProtocolError } from '../../../src/core/protocol/errors';
import { encodeFrame } from '../../../src/core/protocol/frameEncoder';
import { chunksAt, decode, decodeEverySplit, hex } from './helpers';

/** Asserts the decoder fails with `code`/`closeCode` under every chunking, and reports no frame. */
function expectError(bytes: Buffer, opts: ConstructorParameters<typeof FrameDecoder>[0], code: string, closeCode: number): void {
  decodeEverySplit(bytes, opts, (d, how) => {
    assert.equal(d.errors.length, 1, how);
    assert.ok(d.errors[0] instanceof ProtocolError, how);
    assert.equal(d.errors[0]!.code, code, how);
    assert.equal(d.errors[0]!.closeCode, closeCode, how);
    assert.equal(d.decoder.failed, true, how);
    assert.equal(d.frames.length, 0, how);
  });
}

describe('protocol/FrameDecoder', () => {
  describe('hex fixtures (RFC 6455 §5.7) under every split', () => {
    it('single-frame unmasked text "Hello"', () => {
      decodeEverySplit(hex('81 05 48 65 6c 6c 6f'), {}, (d, how) => {
        assert.deepEqual(d.errors, [], how);
        assert.equal(d.frames.length, 1, how);
        const f = d.frames[0]!;
        assert.deepEqual(
          { fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, masked: f.masked, length: f.length, headerSize: f.headerSize },
          { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode: 1, masked: false, length: 5, headerSize: 2 },
          how,
        );
        assert.equal(f.payload.toString(), 'Hello', how);
        assert.equal(f.maskKey, undefined, how);
        assert.equal(d.decoder.bytesConsumed, 7, how);
      });
    });

    it('single-frame masked text "Hello", key 37 fa 21 3d', () => {
      decodeEverySplit(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), { expectMasked: true }, (d, how) => {
        assert.deepEqual(d.errors, [], how);
        assert.equal(d.frames.length, 1, how);
        assert.equal(d.frames[0]!.payload.toString(), 'Hello', how);
        assert.equal(d.frames[0]!.masked, true, how);
        assert.equal(d.frames[0]!.headerSize, 6, how);
        assert.deepEqual(d.frames[0]!.maskKey, hex('37fa213d'), how);
      });
    });

    it('fragmented unmasked text "Hel" + "lo", plus ping and masked pong in one stream', () => {
      const bytes = hex('01 03 48 65 6c  89 05 48 65 6c 6c 6f  80 02 6c 6f  8a 85 37 fa 21 3d 7f 9f 4d 51 58');
      decodeEverySplit(bytes, {}, (d, how) => {
        assert.deepEqual(d.errors, [], how);
        assert.deepEqual(d.frames.map((f) => [f.opcode, f.fin, f.payload.toString()]), [
          [1, false, 'Hel'],
          [9, true, 'Hello'],
          [0, true, 'lo'],
          [10, true, 'Hello'],
        ], how);
        assert.equal(d.decoder.bytesConsumed, bytes.length, how);
      });
    });

    it('256-byte binary with a 16-bit length', () => {
      const payload = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const bytes = Buffer.concat([hex('82 7e 01 00'), payload]);
      decodeEverySplit(bytes, {}, (d, how) => {
        assert.equal(d.frames.length, 1, how);
        assert.equal(d.frames[0]!.length, 256, how);
        assert.equal(d.frames[0]!.headerSize, 4, how);
        assert.deepEqual(d.frames[0]!.payload, payload, how);
      });
    });

    it('64 KiB binary with a 64-bit length, split at a few points', () => {
      const payload = Buffer.alloc(65536, 7);
      const bytes = Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), payload]);
      for (const cuts of [[], [1], [5], [9], [10], [11], [300, 40000], [65545]]) {
        const d = decode(chunksAt(bytes, cuts));
        assert.deepEqual(d.errors, []);
        assert.equal(d.frames.length, 1, String(cuts));
        assert.equal(d.frames[0]!.headerSize, 10);
        assert.equal(d.frames[0]!.length, 65536);
        assert.ok(d.frames[0]!.payload.equals(payload));
      }
    });

    it('empty frames (unmasked and masked) back to back', () => {
      decodeEverySplit(hex('82 00 81 80 01 02 03 04 88 00'), {}, (d, how) => {
        assert.deepEqual(d.frames.map((f) => [f.opcode, f.length, f.payload.length, f.masked]), [
          [2, 0, 0, false],
          [1, 0, 0, true],
          [8, 0, 0, false],
        ], how);
        assert.deepEqual(d.frames[1]!.maskKey, hex('01020304'), how);
      });
    });
  });

  describe('zero copy and no mutation', () => {
    it('an unmasked payload within one chunk is a view of the input', () => {
      const chunk = hex('82 03 01 02 03');
      let payload: Uint8Array | undefined;
      new FrameDecoder({}, (f) => (payload = f.payload), assert.fail).push(chunk);
      assert.equal(payload!.buffer, chunk.buffer);
      assert.equal(payload!.byteOffset, chunk.byteOffset + 2);
    });

    it('unmasking never modifies the input chunk, in one chunk or split', () => {
      const bytes = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
      const before = Buffer.from(bytes);
      decodeEverySplit(bytes, {}, (d, how) => {
        assert.equal(d.frames[0]!.payload.toString(), 'Hello', how);
        assert.deepEqual(bytes, before, how);
      });
    });
  });

  describe('masked payloads spanning chunks (word-wise unmask)', () => {
    it('unmasks every length 0..40 under every two-way split, each payload phase and buffer alignment', () => {
      const key = Uint8Array.from([0x9a, 0x01, 0xff, 0x5c]);
      for (let len = 0; len <= 40; len++) {
        const payload = Uint8Array.from({ length: len }, (_, i) => (i * 37 + 11) & 0xff);
        const frame = encodeFrame({ opcode: 2, payload, mask: key });
        decodeEverySplit(frame, { expectMasked: true }, (d, how) => {
          assert.deepEqual(d.errors, [], `len ${len} ${how}`);
          assert.deepEqual(Buffer.from(d.frames[0]!.payload), Buffer.from(payload), `len ${len} ${how}`);
        });
      }
    });

    it('unmasks a payload split into chunks of 1, 3, 5 and 7 bytes (every key phase at every cut)', () => {
      const key = Uint8Array.from([1, 2, 4, 8]);
      const payload = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131) & 0xff);
      const frame = encodeFrame({ opcode: 2, payload, mask: key });
      for (const step of [1, 3, 5, 7]) {
        const cuts: number[] = [];
        for (let c = step; c < frame.length; c += step) cuts.push(c);
        const d = decode(chunksAt(frame, cuts), { expectMasked: true });
        assert.deepEqual(d.errors, [], `step ${step}`);
        assert.deepEqual(Buffer.from(d.frames[0]!.payload), Buffer.from(payload), `step ${step}`);
      }
    });
  });

  describe('strict errors, each coded with its close status, under every split', () => {
    it('reserved opcodes 3-7 and B-F → 1002 WS_ERR_INVALID_OPCODE', () => {
      for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) expectError(Buffer.from([0x80 | op, 0]), {}, 'WS_ERR_INVALID_OPCODE', 1002);
    });
    it('RSV1/RSV2/RSV3 not allowed → 1002 WS_ERR_UNEXPECTED_RSV_n', () => {
      expectError(hex('c1 00'), { allowedRsv: 0 }, 'WS_ERR_UNEXPECTED_RSV_1', 1002);
      expectError(hex('a1 00'), { allowedRsv: 0x4 }, 'WS_ERR_UNEXPECTED_RSV_2', 1002);
      expectError(hex('91 00'), { allowedRsv: 0x4 }, 'WS_ERR_UNEXPECTED_RSV_3', 1002);
    });
    it('RSV1 allowed when negotiated, any RSV when allowedRsv is undefined', () => {
      assert.equal(decode([hex('c1 01 41')], { allowedRsv: 0x4 }).frames[0]!.rsv1, true);
      const d = decode([hex('f1 00')], {});
      assert.deepEqual([d.frames[0]!.rsv1, d.frames[0]!.rsv2, d.frames[0]!.rsv3], [true, true, true]);
    });
    it('fragmented control frame → 1002 WS_ERR_EXPECTED_FIN', () => {
      expectError(hex('09 00'), {}, 'WS_ERR_EXPECTED_FIN', 1002);
    });
    it('control payload over 125 → 1002 WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', () => {
      expectError(hex('89 7e 00 7e'), {}, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002);
      expectError(hex('88 7f 00 00 00 00 00 00 00 7e'), {}, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002);
    });
    it('mask missing / present against expectation → 1002 WS_ERR_EXPECTED_MASK / WS_ERR_UNEXPECTED_MASK', () => {
      expectError(hex('81 00'), { expectMasked: true }, 'WS_ERR_EXPECTED_MASK', 1002);
      expectError(hex('81 80 00 00 00 00'), { expectMasked: false }, 'WS_ERR_UNEXPECTED_MASK', 1002);
    });
    it('64-bit length with the MSB set → 1002; beyond 2^53-1 → 1009', () => {
      expectError(hex('82 7f 80 00 00 00 00 00 00 00'), {}, 'WS_ERR_INVALID_DATA_PAYLOAD_LENGTH', 1002);
      expectError(hex('82 7f 00 20 00 00 00 00 00 00'), {}, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 1009);
      // Observe mode cannot skip such a frame either.
      assert.equal(decode([hex('82 7f 80 00 00 00 00 00 00 00')], { strict: false }).errors[0]!.code, 'WS_ERR_INVALID_DATA_PAYLOAD_LENGTH');
    });
    it('2^53-1 itself is a valid length (frame just never completes)', () => {
      const d = decode([hex('82 7f 00 1f ff ff ff ff ff ff 01 02')]);
      assert.deepEqual(d.errors, []);
      assert.equal(d.frames.length, 0);
      assert.equal(d.decoder.bytesConsumed, 12);
    });
    it('frame over maxPayload → 1009 WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, at the header', () => {
      expectError(hex('82 7e 01 00'), { maxPayload: 255 }, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009);
      assert.equal(decode([hex('82 7e 00 ff'), Buffer.alloc(255)], { maxPayload: 255 }).frames.length, 1);
      // 0 means no limit, as in ws.
      assert.deepEqual(decode([hex('82 7e 01 00'), Buffer.alloc(256)], { maxPayload: 0 }).errors, []);
    });
    it('errors fail fast on the first two bytes, before the rest of the header', () => {
      const d = decode([hex('83 7f 00')]);
      assert.equal(d.errors[0]!.code, 'WS_ERR_INVALID_OPCODE');
    });
    it('stops after the first error: frames after it are not reported', () => {
      const d = decode([hex('81 01 41 83 00 81 01 42'), hex('81 01 43')]);
      assert.deepEqual(d.frames.map((f) => f.payload.toString()), ['A']);
      assert.equal(d.errors.length, 1);
      assert.equal(d.decoder.bytesConsumed, 5);
    });
    it('a throwing listener does not corrupt the state', () => {
      let n = 0;
      const dec = new FrameDecoder({}, () => {
        if (n++ === 0) throw new Error('listener');
      }, assert.fail);
      assert.throws(() => dec.push(hex('81 01 41')), /listener/);
      dec.push(hex('81 01 42'));
      assert.equal(n, 2);
    });
  });

  describe('observe mode (strict: false)', () => {
    it('reports frames strict mode would reject and keeps going', () => {
      const bytes = hex('83 00  09 00  c1 01 41  89 7e 00 7e') ;
      const d = decode([bytes, Buffer.alloc(126), hex('81 01 42')], { strict: false, expectMasked: true, allowedRsv: 0, maxPayload: 1 });
      assert.deepEqual(d.errors, []);
      assert.deepEqual(d.frames.map((f) => [f.opcode, f.fin, f.rsv1, f.length]), [
        [3, true, false, 0],
        [9, false, false, 0],
        [1, true, true, 1],
        [9, true, false, 126],
        [1, true, false, 1],
      ]);
    });

    it('payloadLimit keeps only a prefix and never buffers a huge frame', () => {
      const total = 64 * 1024 * 1024;
      const header = encodeFrame({ opcode: 2, lengthOverride: total });
      const block = Buffer.alloc(1024 * 1024, 0x61);
      const frames: Array<{ length: number; kept: number; bufferBytes: number }> = [];
      const dec = new FrameDecoder({ strict: false, payloadLimit: 16 }, (f) => frames.push({ length: f.length, kept: f.payload.length, bufferBytes: f.payload.buffer.byteLength }), assert.fail);
      dec.push(header);
      for (let i = 0; i < 64; i++) dec.push(block);
      dec.push(hex('81 01 42'));
      assert.deepEqual({ ...frames[0]!, bufferBytes: undefined }, { length: total, kept: 16, bufferBytes: undefined });
      // At most a pooled slab backs the 16 kept bytes, never the 64 MiB frame.
      assert.ok(frames[0]!.bufferBytes <= 64 * 1024, String(frames[0]!.bufferBytes));
      assert.equal(frames[1]!.kept, 1);
      assert.equal(dec.bytesConsumed, header.length + total + 3);
    });

    it('payloadLimit within one chunk returns a view of the prefix', () => {
      const d = decode([hex('82 05 01 02 03 04 05 81 85 37 fa 21 3d 7f 9f 4d 51 58')], { strict: false, payloadLimit: 2 });
      assert.deepEqual(d.frames.map((f) => [f.length, f.payload.toString('hex')]), [
        [5, '0102'],
        [5, '4865'],
      ]);
    });

    it('payloadLimit is ignored in strict mode', () => {
      assert.equal(decode([hex('82 03 01 02 03')], { payloadLimit: 1 }).frames[0]!.payload.length, 3);
    });
  });

  describe('unmaskInPlace (the engine inbound stack, which owns its socket chunks)', () => {
    /** Random bytes, deterministic. */
    const bytesOf = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 17 + (i >> 3)) & 0xff);

    it('unmasks in place into a view of the chunk, equal to the fresh-buffer result, at every offset and length mod 4', () => {
      for (const len of [0, 1, 2, 3, 4, 5, 125, 126, 127, 1000, 16384, 16387, 70001]) {
        for (const lead of [0, 1, 2, 3]) {
          const payload = bytesOf(len, len + lead);
          const key = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d + lead]);
          const frame = encodeFrame({ opcode: 2, payload, mask: key });
          // The frame at an odd place in a larger chunk, as in a socket read.
          const chunk = new Uint8Array(lead + frame.length + 3);
          chunk.set(frame, lead);
          const untouched = chunk.slice();
          const fresh = decode([untouched.subarray(lead, lead + frame.length)], { expectMasked: true });
          assert.deepEqual(untouched, chunk, 'the default mode leaves its input as it was');
          const frames: Array<{ payload: Uint8Array; maskKey?: Uint8Array }> = [];
          const d = new FrameDecoder({ unmaskInPlace: true, expectMasked: true }, (f) => frames.push(f), (e) => assert.fail(e.message));
          d.push(chunk.subarray(lead, lead + frame.length));
          assert.equal(frames.length, 1);
          const f = frames[0]!;
          assert.deepEqual(Buffer.from(f.payload), Buffer.from(payload), `len ${len} lead ${lead}`);
          assert.deepEqual(Buffer.from(f.payload), Buffer.from(fresh.frames[0]!.payload));
          assert.deepEqual(Array.from(f.maskKey!), Array.from(key), 'the key is a copy, not the (now unmasked) header bytes');
          if (len > 0) assert.equal(f.payload.buffer, chunk.buffer, 'a view of the chunk, no copy');
          assert.deepEqual(chunk.subarray(0, lead), untouched.subarray(0, lead), 'bytes before the frame untouched');
          assert.deepEqual(chunk.subarray(lead + frame.length), untouched.subarray(lead + frame.length), 'bytes after the frame untouched');
        }
      }
    });

    it('a payload split across chunks is collected and unmasked as before', () => {
      const payload = bytesOf(5000, 9);
      const frame = encodeFrame({ opcode: 2, payload, mask: Uint8Array.from([1, 2, 3, 4]) });
      const frames: Array<{ payload: Uint8Array }> = [];
      const d = new FrameDecoder({ unmaskInPlace: true }, (f) => frames.push({ payload: Uint8Array.from(f.payload) }), (e) => assert.fail(e.message));
      for (const c of chunksAt(frame, [3, 700, 4097])) d.push(c);
      assert.deepEqual(Buffer.from(frames[0]!.payload), Buffer.from(payload));
    });
  });
});
