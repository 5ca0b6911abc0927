import assert from 'node:assert/strict';
import { encodeFrame, encodeClosePayload, decodeClosePayload } from '../../../src/core/protocol/frameEncoder';
import { CLOSE_CODES, closeCodeInfo, isValidCloseCode } from '../../../src/core/protocol/closeCodes';
import { checkAccept, computeAccept, generateKey } from '../../../src/core/protocol/handshake';
import { ProtocolError } from '../../../src/core/protocol/errors';
import { decode, hex } from './helpers';

describe('protocol/frameEncoder', () => {
  it('encodes the RFC 6455 §5.7 examples byte for byte', () => {
    const hello = Buffer.from('Hello');
    assert.equal(Buffer.from(encodeFrame({ opcode: 1, payload: hello })).toString('hex'), '810548656c6c6f');
    assert.equal(Buffer.from(encodeFrame({ opcode: 1, payload: hello, mask: hex('37fa213d') })).toString('hex'), '818537fa213d7f9f4d5158');
    assert.equal(Buffer.from(encodeFrame({ opcode: 1, fin: false, payload: Buffer.from('Hel') })).toString('hex'), '010348656c');
    assert.equal(Buffer.from(encodeFrame({ opcode: 0, payload: Buffer.from('lo') })).toString('hex'), '80026c6f');
  });
  it('uses the minimal length form: 125 → 7-bit, 126 and 65535 → 16-bit, 65536 → 64-bit', () => {
    assert.equal(encodeFrame({ opcode: 2, payload: new Uint8Array(125) })[1], 125);
    assert.deepEqual([...encodeFrame({ opcode: 2, payload: new Uint8Array(126) }).subarray(0, 4)], [0x82, 126, 0, 126]);
    assert.deepEqual([...encodeFrame({ opcode: 2, payload: new Uint8Array(65535) }).subarray(0, 4)], [0x82, 126, 255, 255]);
    assert.deepEqual([...encodeFrame({ opcode: 2, payload: new Uint8Array(65536) }).subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
  });
  it('sets RSV bits, any opcode, and lies about the length on request', () => {
    assert.equal(encodeFrame({ opcode: 0xf, rsv1: true, rsv2: true, rsv3: true })[0], 0xff);
    const lie = encodeFrame({ opcode: 2, payload: Buffer.from('ab'), lengthOverride: 2 ** 63 });
    assert.equal(Buffer.from(lie).toString('hex'), '827f80000000000000006162');
  });
  it('a random mask round-trips through the decoder and does not touch the payload', () => {
    const payload = Buffer.from('mask me please');
    const copy = Buffer.from(payload);
    const d = decode([encodeFrame({ opcode: 1, payload, mask: true })], { expectMasked: true });
    assert.equal(d.frames[0]!.payload.toString(), 'mask me please');
    assert.equal(d.frames[0]!.masked, true);
    assert.deepEqual(payload, copy);
  });
  it('close payloads: encode, decode, 1005 when empty, coded errors on 1 byte or bad UTF-8', () => {
    assert.equal(Buffer.from(encodeClosePayload(1000, 'bye')).toString('hex'), '03e8627965');
    assert.deepEqual(decodeClosePayload(encodeClosePayload(4001, 'héllo')), { code: 4001, reason: 'héllo' });
    assert.deepEqual(decodeClosePayload(new Uint8Array(0)), { code: 1005, reason: '' });
    assert.throws(() => decodeClosePayload(hex('03')), (e: unknown) => e instanceof ProtocolError && e.code === 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH' && e.closeCode === 1002);
    assert.throws(() => decodeClosePayload(hex('03e8 ff')), (e: unknown) => e instanceof ProtocolError && e.code === 'WS_ERR_INVALID_UTF8' && e.closeCode === 1007);
    assert.throws(() => encodeClosePayload(70000), RangeError);
  });
});

describe('protocol/closeCodes', () => {
  it('validity per RFC 6455 §7.4.1 and the IANA registry', () => {
    for (const c of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) assert.equal(isValidCloseCode(c), true, String(c));
    for (const c of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, 1000.5]) assert.equal(isValidCloseCode(c), false, String(c));
  });
  it('names from the IANA registry and ranges for unregistered codes', () => {
    assert.equal(closeCodeInfo(1012).name, 'Service Restart');
    assert.equal(closeCodeInfo(1013).name, 'Try Again Later');
    assert.equal(closeCodeInfo(1014).name, 'Bad Gateway');
    assert.deepEqual([closeCodeInfo(1006).name, closeCodeInfo(1006).sendable], ['Abnormal Closure', false]);
    assert.deepEqual([closeCodeInfo(4123).name, closeCodeInfo(4123).sendable], ['Private Use', true]);
    assert.deepEqual([closeCodeInfo(2500).name, closeCodeInfo(2500).sendable], ['Reserved', false]);
    assert.equal(closeCodeInfo(3500).name, 'Registered');
    assert.equal(closeCodeInfo(12).name, 'Unused');
  });
  it('CLOSE_CODES is sorted, unique and frozen', () => {
    const codes = CLOSE_CODES.map((e) => e.code);
    assert.deepEqual(codes, [...new Set(codes)].sort((a, b) => a - b));
    assert.ok(Object.isFrozen(CLOSE_CODES));
  });
});

describe('protocol/handshake', () => {
  it('computes the RFC 6455 §1.3 example accept value', () => {
    assert.equal(computeAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    assert.equal(checkAccept('dGhlIHNhbXBsZSBub25jZQ==', ' s3pPLMBiTxaQ9kYGzzhZRbK+xOo= '), true);
    assert.equal(checkAccept('dGhlIHNhbXBsZSBub25jZQ==', 's3pPLMBiTxaQ9kYGzzhZRbK+xOp='), false);
  });
  it('generates 16 random bytes as base64, different each time', () => {
    const a = generateKey();
    assert.equal(Buffer.from(a, 'base64').length, 16);
    assert.match(a, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(a, generateKey());
  });
});
