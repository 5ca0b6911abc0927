import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyMask, hex32 } from '../../../src/core/protocol/mask';

describe('protocol/mask', () => {
  const naive = (b: Uint8Array, key: Uint8Array, phase: number) => b.map((x, i) => x ^ key[(i + phase) & 3]!);

  it('applyMask XORs byte i with key[(phase + i) mod 4] at any offset, length and phase (RFC 6455 §5.3)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(9), fc.nat(7), (data, key, offset, phase) => {
        const buf = new Uint8Array(offset + data.length);
        buf.set(data, offset);
        applyMask(buf, offset, data.length, key, phase);
        assert.deepEqual(buf.subarray(offset), naive(data, key, phase));
        assert.ok(buf.subarray(0, offset).every((x) => x === 0), 'bytes before `from` untouched');
        applyMask(buf, offset, data.length, key, phase);
        assert.deepEqual(buf.subarray(offset), data, 'masking twice is the identity');
      }),
    );
  });

  it('hex32 writes a masking key as 8 lower-case hex digits', () => {
    assert.equal(hex32(Uint8Array.of(0x00, 0x0f, 0xa0, 0xff)), '000fa0ff');
  });
});
