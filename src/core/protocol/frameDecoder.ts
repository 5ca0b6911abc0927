/**
 * Incremental, zero-copy WebSocket frame decoder (RFC 6455 §5.2), for either direction.
 *
 * Feed it the bytes of one direction of a connection, in any chunking; it calls `onFrame` once per
 * complete frame. An unmasked payload that lies within one input chunk is handed out as a view of
 * that chunk (no copy); a masked payload is unmasked into a fresh buffer, or in place (and then
 * handed out as a view too) when the caller owns its chunks (`unmaskInPlace`: the engine's inbound
 * stack). A payload that spans chunks is collected into one buffer, capped at `payloadLimit` bytes
 * in observe mode so a huge frame is never held whole.
 *
 * State machine, per frame:
 *
 *   HEADER ──(2..14 bytes: flags, length, mask key)──▶ PAYLOAD ──(length bytes)──▶ emit ─┐
 *     ▲                                                                                 │
 *     └─────────────────────────────────────────────────────────────────────────────────┘
 *
 * Partial headers are kept in a 14-byte scratch array, so the state between chunks is a handful of
 * numbers. After the first error the decoder stops (`failed`).
 */
import { ProtocolError, protocolError } from './errors';
import { applyMask } from './mask';

/** One frame as decoded from the wire (RFC 6455 §5.2). */
export interface DecodedFrame {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  /** 4-bit opcode (RFC 6455 §5.2, §11.8). */
  opcode: number;
  masked: boolean;
  /** The 4-byte masking key when masked (a copy, not a view of the input). */
  maskKey?: Uint8Array;
  /** Payload length as on the wire. */
  length: number;
  /** Header size in bytes (2..14); wire size is headerSize + length. */
  headerSize: number;
  /** Unmasked payload: a zero-copy view of the input when unmasked and within one chunk; truncated to `payloadLimit` in observe mode. */
  payload: Uint8Array;
}

/** Decoder options: limits and which RFC rules to enforce. */
export interface FrameDecoderOptions {
  /** Largest payload accepted per frame (strict mode, RFC 6455 §10.4) → 1009; 0 or unset: no limit (as in ws). */
  maxPayload?: number;
  /** true: frames must be masked (server reading a client); false: must not be; undefined: either (RFC 6455 §5.1). */
  expectMasked?: boolean;
  /** Bitmask of RSV bits allowed (0x4 = RSV1, 0x2 = RSV2, 0x1 = RSV3); undefined: any (RFC 6455 §5.2). */
  allowedRsv?: number;
  /** Default true: RFC violations are errors. false: observe only, report structure and keep going where framing allows. */
  strict?: boolean;
  /** Observe mode: keep at most this many payload bytes per frame (`length` stays the true length). */
  payloadLimit?: number;
  /**
   * Observe mode: a frame longer than this is reported at its header (empty payload, true `length`),
   * then refused with 1009 before any of its payload is read. 0 or unset: no limit.
   */
  refuseAbove?: number;
  /**
   * Unmask a payload that lies within one chunk in place and hand it out as a view of the chunk, as
   * ws's Receiver does: only for a reader that owns its chunks (the engine's inbound stack reads
   * socket chunks nobody else sees). Default false: unmasked into a fresh buffer, the input untouched.
   */
  unmaskInPlace?: boolean;
}

const HEADER = 0;
const PAYLOAD = 1;

const EMPTY = new Uint8Array(0);

/** Payloads spanning chunks are collected into a buffer that starts at most this big and grows with the data. */
const INITIAL_COLLECT = 1 << 20;

/**
 * Uninitialised allocation for buffers we overwrite entirely: Node's pooled Buffer.allocUnsafe when
 * present (no zero-fill, small sizes from a shared slab), a plain Uint8Array elsewhere.
 */
const alloc: (n: number) => Uint8Array =
  typeof Buffer === 'function' && typeof Buffer.allocUnsafe === 'function' ? (n) => Buffer.allocUnsafe(n) : (n) => new Uint8Array(n);

/** 2^32, for assembling 64-bit lengths from two 32-bit halves. */
const TWO_32 = 4294967296;

/** Incremental RFC 6455 frame decoder; see the file comment. */
export class FrameDecoder {
  private readonly onFrame: (f: DecodedFrame) => void;
  private readonly onError: (e: ProtocolError) => void;
  private readonly strict: boolean;
  private readonly maxPayload: number;
  private readonly refuseAbove: number;
  private readonly expectMasked: boolean | undefined;
  /** RSV bits that are an error: a mask over byte 0 (0x70 = none allowed), 0 when any is allowed. */
  private readonly rsvForbidden: number;
  /** Payload bytes to keep per frame (Infinity: all). */
  private readonly keepLimit: number;
  private readonly inPlace: boolean;

  private state = HEADER;
  private readonly hdr = new Uint8Array(14);
  private hdrLen = 0;
  private hdrNeed = 2;

  // Current frame.
  private b0 = 0;
  private masked = false;
  private len = 0;
  private headerSize = 0;
  private readonly mk = new Uint8Array(4);
  private maskKey: Uint8Array | undefined = undefined;
  // Payload collection across chunks.
  private buf: Uint8Array = EMPTY;
  private kept = 0;
  private keep = 0;
  private read = 0;

  private _failed = false;
  private _consumed = 0;

  constructor(options: FrameDecoderOptions, onFrame: (f: DecodedFrame) => void, onError: (e: ProtocolError) => void) {
    this.onFrame = onFrame;
    this.onError = onError;
    this.strict = options.strict !== false;
    // As in ws, 0 (or unset) means no limit.
    this.maxPayload = options.maxPayload !== undefined && options.maxPayload > 0 ? options.maxPayload : Infinity;
    this.inPlace = options.unmaskInPlace === true;
    this.refuseAbove = !this.strict && options.refuseAbove !== undefined && options.refuseAbove > 0 ? options.refuseAbove : Infinity;
    this.expectMasked = options.expectMasked;
    this.rsvForbidden = options.allowedRsv === undefined ? 0 : ~(options.allowedRsv << 4) & 0x70;
    this.keepLimit =
      !this.strict && options.payloadLimit !== undefined && options.payloadLimit >= 0 ? options.payloadLimit : Infinity;
  }

  /** True once an error was reported; later pushes are ignored. */
  get failed(): boolean {
    return this._failed;
  }

  /** Input bytes processed so far (through the offending header when failed). */
  get bytesConsumed(): number {
    return this._consumed;
  }

  /** Decodes the next chunk of the byte stream. Never throws for bad input: errors go to `onError`. */
  push(chunk: Uint8Array): void {
    if (this._failed) return;
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.state === PAYLOAD) {
        pos = this.readPayload(chunk, pos);
        continue;
      }
      if (this.hdrLen === 0 && n - pos >= 2) {
        // Fast path: the whole header is in this chunk; parse it in place.
        const b1 = chunk[pos + 1]!;
        const l7 = b1 & 0x7f;
        const hs = 2 + (l7 < 126 ? 0 : l7 === 126 ? 2 : 8) + (b1 & 0x80 ? 4 : 0);
        if (n - pos >= hs) {
          if (!this.parseHeader(chunk, pos, hs)) {
            this._consumed += pos + hs;
            return;
          }
          pos += hs;
          const len = this.len;
          if (len <= n - pos) {
            // Fast path: the payload is in this chunk too (kept up to `keep` bytes).
            const keep = this.keep;
            let payload: Uint8Array;
            if (this.masked) payload = this.unmaskOut(chunk, pos, keep);
            else if (keep === 0) payload = EMPTY;
            else payload = chunk.subarray(pos, pos + keep);
            pos += len;
            this.emit(payload);
          } else {
            this.state = PAYLOAD;
            if (!this.startCollect()) {
              this._consumed += pos;
              return;
            }
          }
          continue;
        }
      }
      // Slow path: gather the header byte by byte across chunks.
      const hdr = this.hdr;
      while (pos < n && this.hdrLen < this.hdrNeed) {
        hdr[this.hdrLen++] = chunk[pos++]!;
        if (this.hdrLen === 2) {
          const b1 = hdr[1]!;
          const l7 = b1 & 0x7f;
          this.hdrNeed = 2 + (l7 < 126 ? 0 : l7 === 126 ? 2 : 8) + (b1 & 0x80 ? 4 : 0);
          // Fail fast on the first two bytes, before the rest of the header arrives.
          if (!this.checkFlags(hdr[0]!, b1)) {
            this._consumed += pos;
            return;
          }
        }
      }
      if (this.hdrLen < this.hdrNeed) break;
      const hs = this.hdrNeed;
      this.hdrLen = 0;
      this.hdrNeed = 2;
      if (!this.parseHeader(hdr, 0, hs)) {
        this._consumed += pos;
        return;
      }
      this.state = PAYLOAD;
      if (!this.startCollect()) {
        this._consumed += pos;
        return;
      }
    }
    this._consumed += n;
  }

  /** Validates byte 0 and 1 (RFC 6455 §5.2, §5.5, §5.1). Reports and returns false on a violation. */
  private checkFlags(b0: number, b1: number): boolean {
    if (!this.strict) return true;
    const forbidden = b0 & this.rsvForbidden;
    if (forbidden !== 0) {
      // RFC 6455 §5.2: RSV bits MUST be 0 unless an extension defines them.
      const bit = forbidden & 0x40 ? 1 : forbidden & 0x20 ? 2 : 3;
      return this.fail(protocolError(bit === 1 ? 'WS_ERR_UNEXPECTED_RSV_1' : bit === 2 ? 'WS_ERR_UNEXPECTED_RSV_2' : 'WS_ERR_UNEXPECTED_RSV_3', `RSV${bit} must be clear`));
    }
    const opcode = b0 & 0x0f;
    if ((opcode > 0x2 && opcode < 0x8) || opcode > 0xa) {
      // RFC 6455 §5.2: reserved opcodes fail the connection.
      return this.fail(protocolError('WS_ERR_INVALID_OPCODE', `invalid opcode ${opcode}`));
    }
    if (opcode >= 0x8) {
      // RFC 6455 §5.5: control frames are not fragmented and carry at most 125 bytes.
      if ((b0 & 0x80) === 0) return this.fail(protocolError('WS_ERR_EXPECTED_FIN', 'FIN must be set on a control frame'));
      if ((b1 & 0x7f) > 125) {
        return this.fail(protocolError('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'control frame payload longer than 125 bytes'));
      }
    }
    const masked = (b1 & 0x80) !== 0;
    // RFC 6455 §5.1: clients mask, servers do not.
    if (this.expectMasked === true && !masked) return this.fail(protocolError('WS_ERR_EXPECTED_MASK', 'MASK must be set'));
    if (this.expectMasked === false && masked) return this.fail(protocolError('WS_ERR_UNEXPECTED_MASK', 'MASK must be clear'));
    return true;
  }

  /** Reads a complete header of `hs` bytes at `off` into the current-frame fields. */
  private parseHeader(b: Uint8Array, off: number, hs: number): boolean {
    const b0 = b[off]!;
    const b1 = b[off + 1]!;
    if (!this.checkFlags(b0, b1)) return false;
    let p = off + 2;
    let len = b1 & 0x7f;
    if (len === 126) {
      // RFC 6455 §5.2: 16-bit extended length.
      len = (b[p]! << 8) | b[p + 1]!;
      p += 2;
    } else if (len === 127) {
      // RFC 6455 §5.2: 64-bit extended length, most significant bit must be 0.
      const hi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      const lo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
      p += 8;
      if (hi & 0x80000000) {
        return this.fail(protocolError('WS_ERR_INVALID_DATA_PAYLOAD_LENGTH', 'the most significant bit of a 64-bit payload length must be 0'));
      }
      if (hi > 0x1fffff) {
        return this.fail(protocolError('WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH', 'Unsupported WebSocket frame: payload length > 2^53 - 1'));
      }
      len = hi * TWO_32 + lo;
    }
    if (this.strict && len > this.maxPayload) {
      // RFC 6455 §10.4: an endpoint may refuse frames larger than it can handle.
      return this.fail(protocolError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `Max payload size exceeded (${len} > ${this.maxPayload})`));
    }
    const masked = (b1 & 0x80) !== 0;
    if (len > this.refuseAbove) {
      // Observe mode: the frame is reported at its header (empty payload, true length), then the
      // decoder stops before reading a byte of a payload it was told not to hold.
      this.b0 = b0;
      this.masked = masked;
      this.len = len;
      this.headerSize = hs;
      this.maskKey = masked ? b.slice(p, p + 4) : undefined;
      this.emit(EMPTY);
      return this.fail(protocolError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `Max payload size exceeded (${len} > ${this.refuseAbove})`));
    }
    if (masked) {
      // RFC 6455 §5.3: the 4-byte masking key follows the length.
      const mk = this.mk;
      mk[0] = b[p]!;
      mk[1] = b[p + 1]!;
      mk[2] = b[p + 2]!;
      mk[3] = b[p + 3]!;
    }
    this.b0 = b0;
    this.masked = masked;
    this.len = len;
    this.headerSize = hs;
    this.keep = len < this.keepLimit ? len : this.keepLimit;
    return true;
  }

  /**
   * Unmasks a payload that is entirely in `src` (RFC 6455 §5.3): in place when this decoder owns its
   * chunks (unmaskInPlace), else into a fresh buffer, the input never modified. Either way a
   * native copy and then 32-bit words (applyMask), not a byte at a time: on 16 KiB frames the
   * byte loop was the largest item of a mock server's profile.
   */
  private unmaskOut(src: Uint8Array, pos: number, len: number): Uint8Array {
    if (this.inPlace) {
      this.maskKey = this.mk.slice();
      applyMask(src, pos, len, this.mk);
      return src.subarray(pos, pos + len);
    }
    // One allocation holds the key copy and the payload.
    const out = alloc(len + 4);
    out.set(this.mk, 0);
    out.set(src.subarray(pos, pos + len), 4);
    applyMask(out, 4, len, this.mk);
    this.maskKey = out.subarray(0, 4);
    return out.subarray(4);
  }

  /** Prepares to collect a payload that spans chunks (or a truncated one in observe mode). */
  private startCollect(): boolean {
    this.read = 0;
    this.kept = 0;
    if (this.masked) this.maskKey = this.mk.slice();
    if (this.len === 0) {
      this.buf = EMPTY;
      this.state = HEADER;
      this.emit(EMPTY);
      return true;
    }
    return this.ensureCapacity(this.keep < INITIAL_COLLECT ? this.keep : INITIAL_COLLECT);
  }

  /** Grows the collection buffer to hold at least `want` bytes (never beyond `keep`). */
  private ensureCapacity(want: number): boolean {
    if (this.buf.length >= want) return true;
    let size = this.buf.length * 2;
    if (size < want) size = want;
    if (size > this.keep) size = this.keep;
    try {
      const next = alloc(size);
      if (this.kept > 0) next.set(this.buf.subarray(0, this.kept));
      this.buf = next;
      return true;
    } catch {
      return this.fail(protocolError('WS_ERR_PAYLOAD_ALLOCATION', `cannot allocate ${size} bytes for a frame payload`));
    }
  }

  /** Consumes payload bytes from `chunk` at `pos`; emits the frame when complete. Returns the new position. */
  private readPayload(chunk: Uint8Array, pos: number): number {
    const avail = chunk.length - pos;
    const remaining = this.len - this.read;
    const take = remaining < avail ? remaining : avail;
    if (this.kept < this.keep) {
      let k = this.keep - this.kept;
      if (k > take) k = take;
      if (!this.ensureCapacity(this.kept + k)) return chunk.length;
      const buf = this.buf;
      const dst = this.kept;
      buf.set(k === avail && pos === 0 ? chunk : chunk.subarray(pos, pos + k), dst);
      // RFC 6455 §5.3: byte i of the payload is XORed with key[i mod 4]; copied first, then
      // unmasked in place a 32-bit word at a time.
      if (this.masked) applyMask(buf, dst, k, this.mk, this.read);
      this.kept += k;
    }
    this.read += take;
    pos += take;
    if (this.read === this.len) {
      const payload = this.buf.length === this.kept ? this.buf : this.buf.subarray(0, this.kept);
      this.buf = EMPTY;
      this.state = HEADER;
      this.emit(payload);
    }
    return pos;
  }

  /** Hands the current frame out. State is already advanced, so a throwing listener leaves the decoder consistent. */
  private emit(payload: Uint8Array): void {
    const b0 = this.b0;
    const maskKey = this.masked ? this.maskKey : undefined;
    this.maskKey = undefined;
    this.onFrame({
      fin: (b0 & 0x80) !== 0,
      rsv1: (b0 & 0x40) !== 0,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      opcode: b0 & 0x0f,
      masked: this.masked,
      maskKey,
      length: this.len,
      headerSize: this.headerSize,
      payload,
    });
  }

  private fail(e: ProtocolError): false {
    this._failed = true;
    this.state = HEADER;
    this.buf = EMPTY;
    this.onError(e);
    return false;
  }
}
