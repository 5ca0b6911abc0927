/**
 * The outgoing half of the wire stack: the encoder that writes a connection's frames, and records
 * each one as it writes it (nothing outgoing is parsed back).
 *
 * It takes the place of ws's `Sender` (same methods: send, ping, pong, close; same errors for bad
 * arguments; same permessage-deflate decisions), so ws's WebSocket API keeps working on top of it:
 *
 *   send(data) ─▶ [Deflater] ─▶ header + (masked) payload ─▶ socket.write ─▶ sink.frameOut
 *                                                                        └─▶ sink.messageOut (last frame)
 *
 * While a message is being compressed (zlib is asynchronous) everything sent after it waits, so
 * frames leave in the order they were sent. Raw frames (any bits, any length) bypass the deflater
 * and are recorded from their spec.
 */
import { randomFillSync } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { FrameDecoder, type DecodedFrame } from '../../protocol/frameDecoder';
import { encodeFrame, frameHeaderSize, writeFrameHeader, type FrameSpec } from '../../protocol/frameEncoder';
import { applyMask } from '../../protocol/mask';
import { isValidCloseCode } from '../../protocol/closeCodes';
import { Deflater, type DeflateParams } from './deflate';
import { firstByte } from './recording';
import type { WireSink } from './sink';

type Callback = ((err?: Error | null) => void) | undefined;
type Sendable = string | Buffer | ArrayBuffer | ArrayBufferView;

export interface OutboundOptions {
  /** Negotiated permessage-deflate, or null. */
  deflate: DeflateParams | null;
}

/** Unmasked payloads at least this big go out as a second write after the header (no copy). */
const SPLIT_WRITE = 16 * 1024;
/** Masking keys are drawn from a pool of random bytes refilled this many at a time. */
const KEY_POOL = 8 * 1024;

/** The outgoing encoder of one connection; see the file comment. */
export class Outbound {
  /** Bytes waiting in the deflater (ws adds them to `bufferedAmount`). */
  _bufferedBytes = 0;
  /** Set by ws: a write error after the connection failed. */
  onerror: ((err: Error) => void) | null = null;

  private readonly deflater: Deflater | null;
  private readonly threshold: number;
  private readonly deflateNoContextTakeover: boolean;
  private deflating = false;
  private readonly waiting: Array<() => void> = [];
  private firstFragment = true;
  private compressMessage = false;
  /** The message being sent in fragments: its parts and wire bytes so far. */
  private parts: Buffer[] = [];
  private wire = 0;
  private keys = Buffer.alloc(0);
  private keyAt = KEY_POOL;

  constructor(
    private readonly socket: Duplex,
    opts: OutboundOptions,
    private readonly sink: WireSink,
  ) {
    const d = opts.deflate;
    this.deflater = d ? new Deflater(d.deflateWindowBits, d.deflateNoContextTakeover) : null;
    this.threshold = d?.threshold ?? 1024;
    this.deflateNoContextTakeover = !!d?.deflateNoContextTakeover;
  }

  /** ws's Sender.send: one message, or one fragment of it (`fin: false` for all but the last). */
  send(data: Sendable, options: { binary?: boolean; compress?: boolean; fin?: boolean; mask?: boolean }, cb?: Callback): void {
    const buf = toBuffer(data);
    let opcode = options.binary ? 2 : 1;
    let rsv1 = !!options.compress && !!this.deflater;
    const binary = !!options.binary;
    const fin = options.fin !== false;
    if (this.firstFragment) {
      this.firstFragment = false;
      // As ws: without context takeover, small messages are not worth compressing.
      if (rsv1 && this.deflateNoContextTakeover) rsv1 = buf.length >= this.threshold;
      this.compressMessage = rsv1;
    } else {
      rsv1 = false;
      opcode = 0;
    }
    if (fin) this.firstFragment = true;
    const compress = this.compressMessage;
    const mask = !!options.mask;
    if (this.deflating) this.waiting.push(() => this.dispatch(buf, compress, opcode, rsv1, fin, mask, binary, cb));
    else this.dispatch(buf, compress, opcode, rsv1, fin, mask, binary, cb);
  }

  /** ws's Sender.ping. */
  ping(data: Sendable, mask: boolean, cb?: Callback): void {
    this.control(0x9, controlPayload(data), mask, cb);
  }

  /** ws's Sender.pong. */
  pong(data: Sendable, mask: boolean, cb?: Callback): void {
    this.control(0xa, controlPayload(data), mask, cb);
  }

  /** ws's Sender.close: the same validation and errors. */
  close(code: number | undefined, data: string | Uint8Array | undefined, mask: boolean, cb?: Callback): void {
    let buf: Buffer;
    if (code === undefined) buf = Buffer.alloc(0);
    else if (typeof code !== 'number' || !isValidCloseCode(code)) throw new TypeError('First argument must be a valid error code number');
    else if (data === undefined || !data.length) {
      buf = Buffer.allocUnsafe(2);
      buf.writeUInt16BE(code, 0);
    } else {
      const length = Buffer.byteLength(data);
      if (length > 123) throw new RangeError('The message must not be greater than 123 bytes');
      buf = Buffer.allocUnsafe(2 + length);
      buf.writeUInt16BE(code, 0);
      if (typeof data === 'string') buf.write(data, 2);
      else if (data instanceof Uint8Array) buf.set(data, 2);
      else throw new TypeError('Second argument must be a string or a Uint8Array');
    }
    this.control(0x8, buf, mask, cb);
  }

  /** A hand-built frame (fault injection, invalid on purpose if asked): written as is, recorded from its spec. */
  raw(spec: FrameSpec, cb?: Callback): void {
    const go = () => {
      const key = spec.mask === true ? Uint8Array.from(this.nextKey()) : spec.mask instanceof Uint8Array ? spec.mask : undefined;
      const bytes = encodeFrame({ ...spec, mask: key });
      const payload = spec.payload ?? new Uint8Array(0);
      this.socket.write(bytes, cb);
      this.sink.frameOut(bytes[0]!, key, spec.lengthOverride ?? payload.length, bytes.length, payload);
    };
    if (this.deflating) this.waiting.push(go);
    else go();
  }

  /**
   * Bytes written exactly as given (fault injection: they may not even be a valid frame), recorded
   * frame by frame as far as they parse: the one place outgoing bytes are decoded, because they
   * were not encoded here.
   */
  rawBytes(bytes: Uint8Array, cb?: Callback): void {
    const go = () => {
      this.socket.write(bytes, cb);
      const record = (f: DecodedFrame) => this.sink.frameOut(firstByte(f), f.maskKey, f.length, f.headerSize + f.length, f.payload);
      new FrameDecoder({ strict: false }, record, () => undefined).push(bytes);
    };
    if (this.deflating) this.waiting.push(go);
    else go();
  }

  private control(opcode: number, payload: Buffer, mask: boolean, cb: Callback): void {
    if (this.deflating) this.waiting.push(() => this.frame(0x80 | opcode, payload, mask, cb));
    else this.frame(0x80 | opcode, payload, mask, cb);
  }

  private dispatch(buf: Buffer, compress: boolean, opcode: number, rsv1: boolean, fin: boolean, mask: boolean, binary: boolean, cb: Callback): void {
    const b0 = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
    if (!compress) {
      this.wire += this.frame(b0, buf, mask, cb);
      this.endOfFragment(buf, fin, binary, false);
      return;
    }
    this.deflating = true;
    this._bufferedBytes += buf.length;
    this.deflater!.deflate(buf, fin, (out) => {
      this._bufferedBytes -= buf.length;
      this.deflating = false;
      if (this.socket.destroyed) {
        cb?.(new Error('The socket was closed while data was being compressed'));
      } else {
        this.wire += this.frame(b0, out, mask, cb);
        this.endOfFragment(buf, fin, binary, true);
      }
      while (!this.deflating && this.waiting.length) this.waiting.shift()!();
    });
  }

  /** Message bookkeeping after a data frame: the message event once its last frame is out. */
  private endOfFragment(buf: Buffer, fin: boolean, binary: boolean, compressed: boolean): void {
    if (!fin) {
      this.parts.push(buf);
      return;
    }
    let data = buf;
    if (this.parts.length) {
      this.parts.push(buf);
      data = Buffer.concat(this.parts);
      this.parts = [];
    }
    const wire = this.wire;
    this.wire = 0;
    this.sink.messageOut(data, binary, wire, compressed);
  }

  /** Encodes and writes one frame; returns its wire size. */
  private frame(b0: number, payload: Buffer, mask: boolean, cb: Callback): number {
    const len = payload.length;
    const sock = this.socket;
    let key: Uint8Array | undefined;
    let wire: number;
    if (mask) {
      key = this.nextKey();
      const hs = frameHeaderSize(len, true);
      const out = Buffer.allocUnsafe(hs + len);
      writeFrameHeader(out, b0, len, key);
      out.set(payload, hs);
      applyMask(out, hs, len, key);
      sock.write(out, cb);
      wire = out.length;
    } else if (len < SPLIT_WRITE) {
      const hs = frameHeaderSize(len, false);
      const out = Buffer.allocUnsafe(hs + len);
      writeFrameHeader(out, b0, len);
      out.set(payload, hs);
      sock.write(out, cb);
      wire = out.length;
    } else {
      const hs = frameHeaderSize(len, false);
      const head = Buffer.allocUnsafe(hs);
      writeFrameHeader(head, b0, len);
      sock.cork();
      sock.write(head);
      sock.write(payload, cb);
      sock.uncork();
      wire = hs + len;
    }
    this.sink.frameOut(b0, key, len, wire, payload);
    return wire;
  }

  /** A fresh 4-byte masking key (RFC 6455 §5.3: unpredictable), from a pool of random bytes. */
  private nextKey(): Uint8Array {
    if (this.keyAt + 4 > this.keys.length) {
      this.keys = randomFillSync(Buffer.allocUnsafe(KEY_POOL));
      this.keyAt = 0;
    }
    const k = this.keys.subarray(this.keyAt, this.keyAt + 4);
    this.keyAt += 4;
    return k;
  }
}

function toBuffer(data: Sendable): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  throw new TypeError('The data must be a string, a Buffer, an ArrayBuffer or a typed array');
}

function controlPayload(data: Sendable): Buffer {
  const b = toBuffer(data);
  if (b.length > 125) throw new RangeError('The data size must not be greater than 125 bytes');
  return b;
}
