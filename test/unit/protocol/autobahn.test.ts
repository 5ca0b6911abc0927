/**
 * Autobahn|Testsuite case groups 1–7, 9 and 10, reproduced as our own cases against the decoder
 * and assembler in the server role (client frames are masked, no extension negotiated). Each case
 * is checked on the whole byte stream and, when small, written one byte at a time.
 */
import assert from 'node:assert/strict';
import { encodeClosePayload, encodeFrame, decodeClosePayload, type FrameSpec } from '../../../src/core/protocol/frameEncoder';
import { chunksAt, hex, receive, type Session } from './helpers';

const SERVER = { expectMasked: true, allowedRsv: 0 };

/** A masked client frame; FIN defaults to true. */
function f(opcode: number, payload: Uint8Array | string = '', o: Omit<FrameSpec, 'opcode' | 'payload'> = {}): Uint8Array {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return encodeFrame({ mask: true, ...o, opcode, payload: p });
}
const fragment = (opcode: number, payload: Uint8Array | string) => f(opcode, payload, { fin: false });

/** Runs the frames whole, byte by byte (when small) and in 997-byte chunks; checks every run and returns the whole-stream one. */
function server(frames: Uint8Array[], check: (s: Session, how: string) => void, asmOpts = {}): Session {
  const wire = Buffer.concat(frames);
  const whole = receive([wire], SERVER, asmOpts);
  check(whole, 'whole');
  if (wire.length <= 4096) check(receive(Array.from(wire, (_, i) => wire.subarray(i, i + 1)), SERVER, asmOpts), 'byte by byte');
  const cuts: number[] = [];
  for (let i = 997; i < wire.length; i += 997) cuts.push(i);
  check(receive(chunksAt(wire, cuts), SERVER, asmOpts), '997-byte chunks');
  return whole;
}

const text = (s: Session) => s.messages.map((m) => (m.opcode === 1 ? Buffer.from(m.data).toString() : `bin:${m.data.length}`));
const fails = (code: string, closeCode: number) => (s: Session, how: string) => {
  assert.equal(s.errors.length, 1, `${how}: ${s.errors.map((e) => e.code)}`);
  assert.equal(s.errors[0]!.code, code, how);
  assert.equal(s.errors[0]!.closeCode, closeCode, how);
};
const clean = (s: Session, how: string) => assert.deepEqual(s.errors.map((e) => e.code), [], how);

describe('Autobahn 1: framing', () => {
  for (const [id, n] of [['1.1.1', 0], ['1.1.2', 125], ['1.1.3', 126], ['1.1.4', 127], ['1.1.5', 128], ['1.1.6', 65535], ['1.1.7', 65536]] as const) {
    it(`Autobahn ${id}: text message of ${n} bytes`, () => {
      const payload = 'x'.repeat(n);
      server([f(1, payload)], (s, how) => {
        clean(s, how);
        assert.deepEqual(text(s), [payload], how);
      });
    });
  }
  it('Autobahn 1.1.8: 65536-byte text message written in 997-byte chunks', () => {
    server([f(1, '*'.repeat(65536))], (s, how) => assert.equal(s.messages[0]!.data.length, 65536, how));
  });
  for (const [id, n] of [['1.2.1', 0], ['1.2.2', 125], ['1.2.3', 126], ['1.2.6', 65535], ['1.2.7', 65536]] as const) {
    it(`Autobahn ${id}: binary message of ${n} bytes`, () => {
      const payload = new Uint8Array(n).fill(0xfe);
      server([f(2, payload)], (s, how) => {
        clean(s, how);
        assert.equal(s.messages.length, 1, how);
        assert.equal(s.messages[0]!.opcode, 2, how);
        assert.ok(Buffer.from(s.messages[0]!.data).equals(payload), how);
      });
    });
  }
});

describe('Autobahn 2: ping/pong', () => {
  it('Autobahn 2.1: ping without payload', () => {
    server([f(9)], (s, how) => assert.deepEqual(s.controls.map((c) => [c.opcode, c.length]), [[9, 0]], how));
  });
  it('Autobahn 2.2/2.3: ping with small text and binary payloads', () => {
    server([f(9, 'Hello, world!'), f(9, hex('00 ff fe fd fc fb 00 ff'))], (s, how) => {
      clean(s, how);
      assert.deepEqual(s.controls.map((c) => c.payload.toString('hex')), [Buffer.from('Hello, world!').toString('hex'), '00fffefdfcfb00ff'], how);
    });
  });
  it('Autobahn 2.4: ping with a 125-byte payload', () => {
    server([f(9, new Uint8Array(125).fill(0xfe))], (s, how) => assert.equal(s.controls[0]!.length, 125, how));
  });
  it('Autobahn 2.5: ping with a 126-byte payload fails with 1002', () => {
    server([f(9, new Uint8Array(126))], fails('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002));
  });
  it('Autobahn 2.7/2.8: unsolicited pongs (empty and with payload) are passed through', () => {
    server([f(10), f(10, 'unsolicited pong payload')], (s, how) => {
      clean(s, how);
      assert.deepEqual(s.controls.map((c) => c.opcode), [10, 10], how);
    });
  });
  it('Autobahn 2.9: unsolicited pong then ping', () => {
    server([f(10, 'pong'), f(9, 'ping')], (s, how) => assert.deepEqual(s.controls.map((c) => c.payload.toString()), ['pong', 'ping'], how));
  });
  it('Autobahn 2.10/2.11: 10 pings in a row', () => {
    const pings = Array.from({ length: 10 }, (_, i) => f(9, `payload-${i}`));
    server(pings, (s, how) => assert.deepEqual(s.controls.map((c) => c.payload.toString()), Array.from({ length: 10 }, (_, i) => `payload-${i}`), how));
  });
});

describe('Autobahn 3: reserved bits', () => {
  it('Autobahn 3.1: text with RSV1 (no extension) fails', () => {
    server([f(1, 'Hello', { rsv1: true })], fails('WS_ERR_UNEXPECTED_RSV_1', 1002));
  });
  it('Autobahn 3.2: valid text, then text with RSV2, then ping: the first message only', () => {
    server([f(1, 'Hello'), f(1, 'Hello', { rsv2: true }), f(9)], (s, how) => {
      fails('WS_ERR_UNEXPECTED_RSV_2', 1002)(s, how);
      assert.deepEqual(text(s), ['Hello'], how);
      assert.equal(s.controls.length, 0, how);
    });
  });
  it('Autobahn 3.3: RSV3 on a text frame', () => {
    server([f(1, 'Hello'), f(1, 'Hello', { rsv3: true }), f(9)], fails('WS_ERR_UNEXPECTED_RSV_3', 1002));
  });
  it('Autobahn 3.4: RSV1+RSV2 reports the lowest forbidden bit', () => {
    server([f(1, 'Hello', { rsv1: true, rsv2: true })], fails('WS_ERR_UNEXPECTED_RSV_1', 1002));
  });
  it('Autobahn 3.5/3.6/3.7: RSV bits on binary, ping and close frames', () => {
    server([f(2, hex('00ff'), { rsv1: true, rsv3: true })], fails('WS_ERR_UNEXPECTED_RSV_1', 1002));
    server([f(9, 'Hello', { rsv2: true, rsv3: true })], fails('WS_ERR_UNEXPECTED_RSV_2', 1002));
    server([f(8, encodeClosePayload(1000), { rsv1: true, rsv2: true, rsv3: true })], fails('WS_ERR_UNEXPECTED_RSV_1', 1002));
  });
});

describe('Autobahn 4: opcodes', () => {
  for (const op of [3, 4, 5, 6, 7]) {
    it(`Autobahn 4.1.${op - 2}: reserved non-control opcode ${op} fails, earlier messages are delivered`, () => {
      server([f(1, 'Hello'), f(op, 'reserved'), f(9)], (s, how) => {
        fails('WS_ERR_INVALID_OPCODE', 1002)(s, how);
        assert.deepEqual(text(s), ['Hello'], how);
      });
    });
  }
  for (const op of [11, 12, 13, 14, 15]) {
    it(`Autobahn 4.2.${op - 10}: reserved control opcode ${op} fails`, () => {
      server([f(1, 'Hello'), f(op, hex('00ff')), f(9)], fails('WS_ERR_INVALID_OPCODE', 1002));
    });
  }
});

describe('Autobahn 5: fragmentation', () => {
  it('Autobahn 5.1/5.2: fragmented ping and pong fail', () => {
    server([fragment(9, 'frag'), f(0, 'ment')], fails('WS_ERR_EXPECTED_FIN', 1002));
    server([fragment(10, 'frag'), f(0, 'ment')], fails('WS_ERR_EXPECTED_FIN', 1002));
  });
  it('Autobahn 5.3/5.4: text in two fragments', () => {
    server([fragment(1, 'frag'), f(0, 'ment1')], (s, how) => {
      clean(s, how);
      assert.deepEqual(text(s), ['fragment1'], how);
      assert.equal(s.messages[0]!.frames, 2, how);
    });
  });
  it('Autobahn 5.6/5.7: text in two fragments with a ping in between', () => {
    server([fragment(1, 'frag'), f(9, 'ping'), f(0, 'ment1')], (s, how) => {
      assert.deepEqual(text(s), ['fragment1'], how);
      assert.deepEqual(s.controls.map((c) => c.opcode), [9], how);
    });
  });
  it('Autobahn 5.9/5.10: continuation with nothing to continue fails', () => {
    server([f(0, 'fragment1'), f(1, 'fragment2')], fails('WS_ERR_UNEXPECTED_CONTINUATION', 1002));
    server([fragment(0, 'fragment1'), f(1, 'fragment2')], fails('WS_ERR_UNEXPECTED_CONTINUATION', 1002));
  });
  it('Autobahn 5.15: a message, then a stray continuation fails after the message', () => {
    server([fragment(1, 'fragment1'), f(0, 'fragment2'), fragment(0, 'fragment3'), f(1, 'fragment4')], (s, how) => {
      fails('WS_ERR_UNEXPECTED_CONTINUATION', 1002)(s, how);
      assert.deepEqual(text(s), ['fragment1fragment2'], how);
    });
  });
  it('Autobahn 5.18: a new text frame while a fragmented text is open fails', () => {
    server([fragment(1, 'fragment1'), f(1, 'fragment2')], fails('WS_ERR_EXPECTED_CONTINUATION', 1002));
  });
  it('Autobahn 5.19/5.20: five fragments with pings between them', () => {
    server([fragment(1, 'f1'), fragment(0, 'f2'), f(9, 'p1'), fragment(0, 'f3'), fragment(0, 'f4'), f(9, 'p2'), f(0, 'f5')], (s, how) => {
      assert.deepEqual(text(s), ['f1f2f3f4f5'], how);
      assert.deepEqual(s.controls.map((c) => c.payload.toString()), ['p1', 'p2'], how);
    });
  });
  it('Autobahn 5.5/5.8: text sent one byte per fragment', () => {
    const msg = 'fragmented';
    const frames = Array.from(msg, (ch, i) => f(i === 0 ? 1 : 0, ch, { fin: i === msg.length - 1 }));
    server(frames, (s, how) => assert.deepEqual(text(s), [msg], how));
  });
});

describe('Autobahn 6: UTF-8 handling', () => {
  const kosme = hex('ce ba e1 bd b9 cf 83 ce bc ce b5');
  it('Autobahn 6.1.1-6.1.3: empty text messages, also fragmented into empty frames', () => {
    server([f(1), fragment(1, ''), fragment(0, ''), f(0, '')], (s, how) => assert.deepEqual(text(s), ['', ''], how));
  });
  it('Autobahn 6.2.1-6.2.4: valid UTF-8 in one frame, split at code points, and split inside code points', () => {
    const s8 = Buffer.from('Hello-µ@ßöäüàá-UTF-8!!');
    server([f(1, s8)], (s, how) => assert.deepEqual(text(s), ['Hello-µ@ßöäüàá-UTF-8!!'], how));
    for (let cut = 1; cut < s8.length; cut++) {
      server([fragment(1, s8.subarray(0, cut)), f(0, s8.subarray(cut))], (s, how) => assert.deepEqual(text(s), ['Hello-µ@ßöäüàá-UTF-8!!'], `${how}, cut ${cut}`));
    }
  });
  it('Autobahn 6.3.1/6.3.2: invalid UTF-8 "κόσμε-edited" (surrogate) fails with 1007, whole or byte per frame', () => {
    const bad = Buffer.concat([kosme, hex('ed a0 80'), Buffer.from('edited')]);
    server([f(1, bad)], fails('WS_ERR_INVALID_UTF8', 1007));
    server(Array.from(bad, (b, i) => f(i === 0 ? 1 : 0, Uint8Array.of(b), { fin: i === bad.length - 1 })), fails('WS_ERR_INVALID_UTF8', 1007));
  });
  it('Autobahn 6.4.1-6.4.4: fail fast: the bad fragment fails before the message completes', () => {
    // Fragment 1 valid, fragment 2 starts a code point beyond U+10FFFF, fragment 3 never matters.
    server([fragment(1, kosme), fragment(0, hex('f4 90 80 80')), f(0, 'edited')], (s, how) => {
      fails('WS_ERR_INVALID_UTF8', 1007)(s, how);
      // The error is raised on the second data frame, before the third was even looked at.
      assert.equal(s.framesAtFirstError, 2, how);
    });
    // Same, with the bad sequence split so only its first two bytes are in fragment 2.
    server([fragment(1, kosme), fragment(0, hex('f4 90')), f(0, hex('80 80'))], (s, how) => assert.equal(s.framesAtFirstError, 2, how));
  });
  it('Autobahn 6.5/6.6: valid "κόσμε" whole and one byte per frame', () => {
    const expected = kosme.toString('utf8');
    server([f(1, kosme)], (s, how) => assert.deepEqual(text(s), [expected], how));
    server(Array.from(kosme, (b, i) => f(i === 0 ? 1 : 0, Uint8Array.of(b), { fin: i === kosme.length - 1 })), (s, how) => assert.deepEqual(text(s), [expected], how));
  });
  it('Autobahn 6.7/6.8/6.9: first and last code points of each length, and the boundaries', () => {
    for (const h of ['00', 'c2 80', 'e0 a0 80', 'f0 90 80 80', '7f', 'df bf', 'ef bf bf', 'f4 8f bf bf', 'ed 9f bf', 'ee 80 80', 'ef bf bd']) {
      server([f(1, hex(h))], (s, how) => clean(s, `${how} ${h}`));
    }
    server([f(1, hex('f4 90 80 80'))], fails('WS_ERR_INVALID_UTF8', 1007));
  });
  it('Autobahn 6.10-6.16: out-of-range, unexpected continuation, lonely start, missing last byte, impossible bytes', () => {
    for (const h of ['f8 88 80 80 80', 'fc 84 80 80 80 80', '80', 'bf', '80 bf 80', 'c0 20', 'e0 20', 'c0', 'e0 80', 'fe', 'ff', 'fe fe ff ff']) {
      server([f(1, hex(h))], fails('WS_ERR_INVALID_UTF8', 1007));
    }
  });
  it('Autobahn 6.17/6.18: overlong encodings and UTF-16 surrogates fail', () => {
    for (const h of ['c0 af', 'e0 80 af', 'f0 80 80 af', 'c1 bf', 'e0 9f bf', 'f0 8f bf bf', 'ed a0 80', 'ed ad bf', 'ed b0 80', 'ed bf bf', 'ed a0 80 ed b0 80']) {
      server([f(1, hex(h))], fails('WS_ERR_INVALID_UTF8', 1007));
    }
  });
  it('Autobahn 6.19-6.21: noncharacters are valid UTF-8', () => {
    for (const h of ['ef bf be', 'ef bf bf', 'f0 9f bf be', 'f4 8f bf be', 'ef b7 90']) server([f(1, hex(h))], (s, how) => clean(s, `${how} ${h}`));
  });
});

describe('Autobahn 7: close handling', () => {
  it('Autobahn 7.1.1: text then close', () => {
    server([f(1, 'Hello World!'), f(8, encodeClosePayload(1000))], (s, how) => {
      assert.deepEqual(text(s), ['Hello World!'], how);
      assert.deepEqual(decodeClosePayload(s.controls[0]!.payload), { code: 1000, reason: '' }, how);
    });
  });
  it('Autobahn 7.1.2/7.1.3/7.1.4: after a close, further close, ping and text frames are ignored', () => {
    server([f(8, encodeClosePayload(1000)), f(8, encodeClosePayload(1000)), f(9), f(1, 'late')], (s, how) => {
      clean(s, how);
      assert.deepEqual([s.controls.length, s.messages.length], [1, 0], how);
    });
  });
  it('Autobahn 7.1.5: close in the middle of a fragmented message drops the message', () => {
    server([fragment(1, 'fragment1'), f(8, encodeClosePayload(1000)), f(0, 'fragment2')], (s, how) => {
      clean(s, how);
      assert.deepEqual([s.controls.map((c) => c.opcode), s.messages.length], [[8], 0], how);
    });
  });
  it('Autobahn 7.3.1: close with an empty payload means 1005', () => {
    server([f(8)], (s, how) => assert.equal(decodeClosePayload(s.controls[0]!.payload).code, 1005, how));
  });
  it('Autobahn 7.3.2: close with a 1-byte payload fails with 1002', () => {
    server([f(8, hex('03'))], fails('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002));
  });
  it('Autobahn 7.3.3-7.3.5: close with code only, with a reason, with a 123-byte reason', () => {
    for (const reason of ['', 'Hello World!', '*'.repeat(123)]) {
      server([f(8, encodeClosePayload(1000, reason))], (s, how) => assert.deepEqual(decodeClosePayload(s.controls[0]!.payload), { code: 1000, reason }, how));
    }
  });
  it('Autobahn 7.3.6: close with a 124-byte reason (payload 126) fails with 1002', () => {
    server([f(8, encodeClosePayload(1000, '*'.repeat(124)))], fails('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002));
  });
  it('Autobahn 7.5.1: close reason with invalid UTF-8 fails with 1007', () => {
    server([f(8, Buffer.concat([encodeClosePayload(1000), hex('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64')]))], fails('WS_ERR_INVALID_UTF8', 1007));
  });
  it('Autobahn 7.7.1-7.7.13: valid close codes are accepted', () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
      server([f(8, encodeClosePayload(code))], (s, how) => {
        clean(s, `${how} ${code}`);
        assert.equal(decodeClosePayload(s.controls[0]!.payload).code, code);
      });
    }
  });
  it('Autobahn 7.9.1-7.9.11 and 7.13: invalid close codes fail with 1002', () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
      server([f(8, encodeClosePayload(code))], (s, how) => fails('WS_ERR_INVALID_CLOSE_CODE', 1002)(s, `${how} ${code}`));
    }
  });
});

describe('Autobahn 9: limits and large messages', () => {
  for (const [id, size] of [['9.1.1', 64 * 1024], ['9.1.2', 256 * 1024], ['9.1.3', 1024 * 1024], ['9.1.4', 4 * 1024 * 1024]] as const) {
    it(`Autobahn ${id}: text message of ${size / 1024} KiB`, () => {
      const payload = Buffer.alloc(size, 0x2a);
      const s = receive([f(1, payload)], SERVER);
      clean(s, 'whole');
      assert.equal(s.messages[0]!.data.length, size);
    });
  }
  it('Autobahn 9.2.3: 1 MiB binary message written in 4 KiB chunks', () => {
    const wire = f(2, Buffer.alloc(1024 * 1024, 0xfe));
    const cuts = Array.from({ length: Math.ceil(wire.length / 4096) }, (_, i) => (i + 1) * 4096);
    const s = receive(chunksAt(wire, cuts), SERVER);
    assert.ok(Buffer.from(s.messages[0]!.data).equals(Buffer.alloc(1024 * 1024, 0xfe)));
  });
  it('Autobahn 9.3/9.4: 1 MiB messages fragmented into 64 B, 4 KiB and 64 KiB frames', () => {
    for (const opcode of [1, 2]) {
      for (const frag of [64, 4096, 65536]) {
        const total = 1024 * 1024;
        const frames: Uint8Array[] = [];
        for (let o = 0; o < total; o += frag) frames.push(f(o === 0 ? opcode : 0, Buffer.alloc(frag, 0x2a), { fin: o + frag >= total }));
        const s = receive([Buffer.concat(frames)], SERVER);
        clean(s, `${opcode}/${frag}`);
        assert.deepEqual([s.messages.length, s.messages[0]!.data.length, s.messages[0]!.frames], [1, total, total / frag]);
      }
    }
  });
  it('Autobahn 9.5/9.6: 1 MiB text and binary messages written in 64-byte chunks', () => {
    for (const opcode of [1, 2]) {
      const wire = f(opcode, Buffer.alloc(1024 * 1024, 0x2a));
      const cuts = Array.from({ length: Math.floor(wire.length / 64) }, (_, i) => (i + 1) * 64);
      const s = receive(chunksAt(wire, cuts), SERVER);
      assert.equal(s.messages[0]!.data.length, 1024 * 1024);
    }
  });
  it('Autobahn 9.7/9.8: 1000 small text and binary messages in one stream', () => {
    const frames = Array.from({ length: 1000 }, (_, i) => f(1 + (i % 2), `message ${i}`));
    server(frames, (s, how) => {
      assert.equal(s.messages.length, 1000, how);
      assert.equal(Buffer.from(s.messages[999]!.data).toString(), 'message 999', how);
    });
  });
  it('maxPayload: a message over the limit fails with 1009, per frame and across fragments', () => {
    server([f(2, new Uint8Array(2000))], fails('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009), { maxPayload: 1024 });
    const s = receive([Buffer.concat([fragment(2, new Uint8Array(600)), f(0, new Uint8Array(600))])], { ...SERVER, maxPayload: 1024 }, { maxPayload: 1024 });
    fails('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009)(s, 'fragments');
  });
});

describe('Autobahn 10: misc', () => {
  it('Autobahn 10.1.1: 65536-byte text message auto-fragmented into 1300-byte frames', () => {
    const payload = Buffer.alloc(65536, 0x2a);
    const frames: Uint8Array[] = [];
    for (let o = 0; o < payload.length; o += 1300) frames.push(f(o === 0 ? 1 : 0, payload.subarray(o, o + 1300), { fin: o + 1300 >= payload.length }));
    server(frames, (s, how) => {
      clean(s, how);
      assert.equal(s.messages.length, 1, how);
      assert.equal(s.messages[0]!.frames, Math.ceil(65536 / 1300), how);
      assert.ok(Buffer.from(s.messages[0]!.data).equals(payload), how);
    });
  });
  it('Autobahn 10 (client role): masked frames from a server fail with 1002', () => {
    const s = receive([f(1, 'masked by a server')], { expectMasked: false });
    fails('WS_ERR_UNEXPECTED_MASK', 1002)(s, 'client role');
    const ok = receive([encodeFrame({ opcode: 1, payload: Buffer.from('fine') })], { expectMasked: false });
    assert.deepEqual(text(ok), ['fine']);
  });
});
