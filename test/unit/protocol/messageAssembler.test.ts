import assert from 'node:assert/strict';
import { MessageAssembler, type AssembledMessage } from '../../../src/core/protocol/messageAssembler';
import type { DecodedFrame } from '../../../src/core/protocol/frameDecoder';
import { ProtocolError } from '../../../src/core/protocol/errors';
import { encodeClosePayload } from '../../../src/core/protocol/frameEncoder';

/** A DecodedFrame as the decoder would hand it out. */
function frame(opcode: number, payload: Uint8Array | string = new Uint8Array(0), o: Partial<DecodedFrame> = {}): DecodedFrame {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, masked: false, length: p.length, headerSize: 2, payload: p, ...o };
}

function run(frames: DecodedFrame[], opts = {}) {
  const out = { messages: [] as AssembledMessage[], controls: [] as DecodedFrame[], errors: [] as ProtocolError[] };
  const a = new MessageAssembler(opts, (m) => out.messages.push(m), (f) => out.controls.push(f), (e) => out.errors.push(e));
  for (const f of frames) a.push(f);
  return { ...out, assembler: a };
}

describe('protocol/MessageAssembler', () => {
  it('a single-frame message hands out the frame payload itself (no copy)', () => {
    const f = frame(2, Buffer.from([1, 2, 3]), { headerSize: 6 });
    const r = run([f]);
    assert.equal(r.messages[0]!.data, f.payload);
    assert.deepEqual({ ...r.messages[0]!, data: undefined }, { opcode: 2, data: undefined, compressed: false, frames: 1, wireSize: 9 });
  });

  it('joins fragments, counts frames and wire size, passes interleaved control frames', () => {
    const r = run([frame(1, 'He', { fin: false }), frame(9, 'p'), frame(0, 'll', { fin: false }), frame(0, '', { fin: false }), frame(0, 'o', { fin: true, headerSize: 6 })]);
    assert.deepEqual(r.errors, []);
    assert.equal(Buffer.from(r.messages[0]!.data).toString(), 'Hello');
    assert.equal(r.messages[0]!.frames, 4);
    assert.equal(r.messages[0]!.wireSize, 2 + 2 + 2 + 2 + 2 + 0 + 6 + 1);
    assert.deepEqual(r.controls.map((c) => c.opcode), [9]);
    assert.equal(r.assembler.inMessage, false);
  });

  it('flags compressed messages and does not validate their (compressed) bytes as UTF-8', () => {
    const r = run([frame(1, Buffer.from([0xff, 0xfe]), { rsv1: true, fin: false }), frame(0, Buffer.from([0x00]))]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.messages[0]!.compressed, true);
  });

  it('sequencing errors: stray continuation, new message inside a fragmented one, RSV1 on a continuation', () => {
    assert.equal(run([frame(0, 'x')]).errors[0]!.code, 'WS_ERR_UNEXPECTED_CONTINUATION');
    const r = run([frame(1, 'a', { fin: false }), frame(2, 'b')]);
    assert.deepEqual([r.errors[0]!.code, r.errors[0]!.closeCode, r.messages.length], ['WS_ERR_EXPECTED_CONTINUATION', 1002, 0]);
    assert.equal(run([frame(1, 'a', { fin: false, rsv1: true }), frame(0, 'b', { rsv1: true })]).errors[0]!.code, 'WS_ERR_UNEXPECTED_RSV_1');
    assert.equal(run([frame(3)]).errors[0]!.code, 'WS_ERR_INVALID_OPCODE');
    assert.equal(run([frame(0xb)]).errors[0]!.code, 'WS_ERR_INVALID_OPCODE');
  });

  it('control frame checks also hold when fed by an observe-mode decoder', () => {
    assert.equal(run([frame(9, '', { fin: false })]).errors[0]!.code, 'WS_ERR_EXPECTED_FIN');
    assert.equal(run([frame(9, new Uint8Array(126))]).errors[0]!.code, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH');
    assert.equal(run([frame(10, '', { rsv1: true })]).errors[0]!.code, 'WS_ERR_UNEXPECTED_RSV_1');
  });

  it('UTF-8 fails fast at the first bad fragment (1007) and can be turned off', () => {
    const r = run([frame(1, Buffer.from([0xce, 0xba]), { fin: false }), frame(0, Buffer.from([0xed, 0xa0, 0x80]), { fin: false })]);
    assert.deepEqual([r.errors[0]!.code, r.errors[0]!.closeCode], ['WS_ERR_INVALID_UTF8', 1007]);
    assert.deepEqual(run([frame(1, Buffer.from([0xff]))], { validateUtf8: false }).errors, []);
    // A code point split across fragments is fine.
    assert.equal(Buffer.from(run([frame(1, Buffer.from([0xce]), { fin: false }), frame(0, Buffer.from([0xba]))]).messages[0]!.data).toString(), 'κ');
  });

  it('maxPayload across fragments → 1009', () => {
    const r = run([frame(2, new Uint8Array(60), { fin: false }), frame(0, new Uint8Array(60))], { maxPayload: 100 });
    assert.deepEqual([r.errors[0]!.code, r.errors[0]!.closeCode, r.messages.length], ['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 1009, 0]);
    assert.equal(run([frame(2, new Uint8Array(50), { fin: false }), frame(0, new Uint8Array(50))], { maxPayload: 100 }).messages.length, 1);
    assert.equal(run([frame(2, new Uint8Array(50))], { maxPayload: 0 }).messages.length, 1, '0 means no limit');
  });

  it('close frame bodies: 1-byte → 1002, bad code → 1002, bad reason → 1007; frames after close are ignored', () => {
    assert.equal(run([frame(8, Buffer.from([3]))]).errors[0]!.code, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH');
    assert.deepEqual([run([frame(8, encodeClosePayload(1005))]).errors[0]!.code], ['WS_ERR_INVALID_CLOSE_CODE']);
    assert.equal(run([frame(8, Buffer.from([0x03, 0xe8, 0xff]))]).errors[0]!.closeCode, 1007);
    const r = run([frame(8, encodeClosePayload(1000, 'bye')), frame(1, 'late'), frame(9)]);
    assert.deepEqual([r.errors.length, r.controls.length, r.messages.length, r.assembler.closed], [0, 1, 0, true]);
  });

  it('truncated payloads (observe mode) yield a message flagged truncated, not a UTF-8 error', () => {
    const r = run([frame(1, Buffer.from([0xe2, 0x82]), { length: 3 })]);
    assert.deepEqual(r.errors, []);
    assert.equal(r.messages[0]!.truncated, true);
  });

  it('stops after an error', () => {
    const r = run([frame(0, 'x'), frame(1, 'ok')]);
    assert.deepEqual([r.errors.length, r.messages.length, r.assembler.failed], [1, 0, true]);
  });
});
