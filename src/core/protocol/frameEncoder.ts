/**
 * Frame encoder (RFC 6455 §5.2): builds any frame, valid or not, for tests, the mock server's
 * fault injection and the client's raw-frame send. It does not validate: a reserved opcode, RSV
 * bits, an oversize control frame or a lying length are encoded as asked. Pure: no Node imports
 * (the random mask key comes from Web Crypto, present in Node and browsers).
 */
import { protocolError } from './errors';
import { isValidUtf8 } from './utf8';

/** What to put in a frame; everything but the opcode has a default. */
export interface FrameSpec {
  /** Default true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** 4-bit opcode (RFC 6455 §5.2); only the low 4 bits are used. */
  opcode: number;
  payload?: Uint8Array;
  /** true: a random key (RFC 6455 §5.3); a Uint8Array: that 4-byte key; false/undefined: unmasked. */
  mask?: boolean | Uint8Array;
  /** Length to write in the header instead of the payload's (fault injection); the payload bytes are still appended as given. */
  lengthOverride?: number;
}

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Encodes one frame into a new buffer: header, optional masking key, (masked) payload (RFC 6455 §5.2). */
export function encodeFrame(f: FrameSpec): Uint8Array {
  const payload = f.payload ?? EMPTY;
  const len = f.lengthOverride ?? payload.length;
  if (!Number.isInteger(len) || len < 0 || len > 2 ** 64 - 1) throw new RangeError(`invalid frame length ${len}`);
  let key: Uint8Array | undefined;
  if (f.mask === true) {
    const k = new Uint8Array(4);
    globalThis.crypto.getRandomValues(k);
    key = k;
  } else if (f.mask instanceof Uint8Array) {
    if (f.mask.length !== 4) throw new RangeError('a masking key is 4 bytes');
    key = f.mask;
  }
  const hs = frameHeaderSize(len, !!key);
  const out = new Uint8Array(hs + payload.length);
  const b0 = (f.fin === false ? 0 : 0x80) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f);
  const p = writeFrameHeader(out, b0, len, key);
  if (key) {
    // RFC 6455 §5.3: payload byte i is XORed with key[i mod 4].
    for (let i = 0; i < payload.length; i++) out[p + i] = payload[i]! ^ key[i & 3]!;
  } else {
    out.set(payload, p);
  }
  return out;
}

/** Close frame body: 16-bit code then UTF-8 reason (RFC 6455 §5.5.1). Not validated, so invalid codes can be sent on purpose. */
export function encodeClosePayload(code: number, reason = ''): Uint8Array {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw new RangeError(`close code ${code} is not a 16-bit integer`);
  const r = encoder.encode(reason);
  const out = new Uint8Array(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}

/** Parses a close frame body (RFC 6455 §5.5.1, §7.1.5): 1005 when empty; throws ProtocolError on length 1 or a non-UTF-8 reason. The code itself is not checked. */
export function decodeClosePayload(p: Uint8Array): { code: number; reason: string } {
  if (p.length === 0) return { code: 1005, reason: '' };
  if (p.length === 1) throw protocolError('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'close frame payload of 1 byte');
  const code = (p[0]! << 8) | p[1]!;
  const r = p.subarray(2);
  // RFC 6455 §8.1: the reason must be valid UTF-8.
  if (!isValidUtf8(r)) throw protocolError('WS_ERR_INVALID_UTF8', 'invalid UTF-8 sequence in close reason');
  return { code, reason: decoder.decode(r) };
}

/** Header bytes of a frame with a payload of `len` bytes (RFC 6455 §5.2, minimal length form), plus 4 when masked. */
export function frameHeaderSize(len: number, masked: boolean): number {
  return 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at the start of `out`: `b0` is the first byte (FIN, RSV1–3, opcode), then
 * the length in its minimal form and the masking key when given. Returns the header size.
 */
export function writeFrameHeader(out: Uint8Array, b0: number, len: number, key?: Uint8Array): number {
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  out[0] = b0;
  out[1] = (key ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  let p = 2;
  if (ext === 2) {
    out[2] = len >>> 8;
    out[3] = len & 0xff;
    p = 4;
  } else if (ext === 8) {
    const hi = Math.floor(len / 4294967296) >>> 0;
    const lo = len >>> 0;
    out[2] = hi >>> 24;
    out[3] = (hi >>> 16) & 0xff;
    out[4] = (hi >>> 8) & 0xff;
    out[5] = hi & 0xff;
    out[6] = lo >>> 24;
    out[7] = (lo >>> 16) & 0xff;
    out[8] = (lo >>> 8) & 0xff;
    out[9] = lo & 0xff;
    p = 10;
  }
  if (key) {
    out[p] = key[0]!;
    out[p + 1] = key[1]!;
    out[p + 2] = key[2]!;
    out[p + 3] = key[3]!;
    p += 4;
  }
  return p;
}
