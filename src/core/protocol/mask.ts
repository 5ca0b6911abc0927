/**
 * The masking key (RFC 6455 §5.3): XOR of payload byte i with key[i mod 4]. Masking and unmasking are
 * the same operation, so the encoder, the decoder and the engine's wire stack share this one loop.
 */

/** Native byte order, for assembling a 32-bit mask word that XORs the bytes in memory order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `b[from, from + n)` with the masking key in place, where `b[from]` is payload byte `phase`
 * of its frame (0 for a whole payload): bytes up to a 4-byte boundary one by one, then 32-bit
 * words, then the tail.
 */
export function applyMask(b: Uint8Array, from: number, n: number, key: Uint8Array, phase = 0): void {
  let i = from;
  const end = from + n;
  let p = phase;
  // Head: until the address is word aligned.
  for (; i < end && ((b.byteOffset + i) & 3) !== 0; i++) b[i] = b[i]! ^ key[p++ & 3]!;
  const words = (end - i) >>> 2;
  if (words > 0) {
    // The key rotated so that word lane 0 meets payload byte p.
    const k0 = key[p & 3]!;
    const k1 = key[(p + 1) & 3]!;
    const k2 = key[(p + 2) & 3]!;
    const k3 = key[(p + 3) & 3]!;
    const kw = LITTLE_ENDIAN ? ((k3 << 24) | (k2 << 16) | (k1 << 8) | k0) : ((k0 << 24) | (k1 << 16) | (k2 << 8) | k3);
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    for (let j = 0; j < words; j++) w[j] = w[j]! ^ kw;
    i += words << 2;
    // p advances by a multiple of 4: the phase of the tail is unchanged.
  }
  for (; i < end; i++) b[i] = b[i]! ^ key[p++ & 3]!;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A 4-byte masking key as 8 hex digits, as timeline frame events show it (per frame, so a table beats toString/padStart). */
export function hex32(k: Uint8Array): string {
  return HEX_BYTE[k[0] ?? 0]! + HEX_BYTE[k[1] ?? 0]! + HEX_BYTE[k[2] ?? 0]! + HEX_BYTE[k[3] ?? 0]!;
}
