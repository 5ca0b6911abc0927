/**
 * The incoming half of the wire stack: the one parser of a connection's incoming bytes.
 *
 * It takes the place of ws's `Receiver` (same stream, same events: `conclude`, `ping`, `pong`,
 * `error`, `drain`, and `message` when asked), so ws keeps its lifecycle — closing handshake,
 * auto-pong, timers — while every byte is parsed once, by the project's FrameDecoder and
 * MessageAssembler, and the frames and messages it yields are what both the timeline and the
 * application see:
 *
 *   socket 'data' ─▶ sink.readStart ─▶ FrameDecoder (observe) ─▶ sink.frameIn ─▶ checks (ws's, in its order)
 *        ─▶ MessageAssembler ─▶ [Inflater] ─▶ sink.messageIn (+ 'message') / 'ping' 'pong' 'conclude'
 *        ─▶ sink.readEnd (the chunk's events appended to the timeline as one batch)
 *
 * Every frame is on the timeline before it is judged: an offending frame is recorded, then the
 * connection fails with ws's code and close status. While a compressed message is being inflated
 * (zlib is asynchronous), later frames are still recorded as they arrive, but what they mean
 * (messages, control frames, errors) waits its turn, and the socket write callback with it, so
 * order is kept and the socket is paused as ws's Receiver would pause it.
 */
import { Writable } from 'node:stream';
import { FrameDecoder, type DecodedFrame } from '../../protocol/frameDecoder';
import { MessageAssembler, type AssembledMessage } from '../../protocol/messageAssembler';
import { isValidUtf8 } from '../../protocol/utf8';
import type { ProtocolError } from '../../protocol/errors';
import { InflateLimitError, Inflater, type DeflateParams } from './deflate';
import type { WireSink } from './sink';
import { wsStatusSymbol } from './wsInternals';

export interface InboundOptions {
  /** We are the server: incoming frames must be masked. */
  isServer: boolean;
  /** Largest message (and frame); 0: no limit. */
  maxPayload: number;
  /** Negotiated permessage-deflate, or null. */
  deflate: DeflateParams | null;
  /** Most frames in one message (ws's maxFragments → 1008); 0 or unset: no limit. */
  maxFragments?: number;
  /** The socket to cork while a chunk is parsed (its writes then leave together). */
  cork?: { cork(): void; uncork(): void };
  /** Also emit ws's 'message' event (the mock's rules listen to it); the client only records. */
  emitMessages: boolean;
}

type WriteCallback = (err?: Error | null) => void;

const EMPTY = Buffer.alloc(0);
/** Bytes parsed in a row before the stream yields to the event loop once (a few ms of work). */
const BURST_BYTES = 128 * 1024;

/** The incoming parser of one connection; see the file comment. */
export class Inbound extends Writable {
  /** Set by ws's `binaryType` setter; messages are always Buffers here. */
  _binaryType = 'nodebuffer';
  /** Read by ws's ping listener (auto-pong is masked by a client only). */
  readonly _isServer: boolean;
  /** Bytes written to the parser, and bytes of complete frames among them (a difference at close = cut mid-frame). */
  bytesIn = 0;
  bytesFramed = 0;

  private readonly decoder: FrameDecoder;
  private readonly assembler: MessageAssembler;
  private readonly inflater: Inflater | null;
  private readonly isServer: boolean;
  private readonly emitMessages: boolean;
  private readonly maxFragments: number;
  private readonly corked: { cork(): void; uncork(): void } | undefined;
  /** Data frames of the current message so far. */
  private fragments = 0;
  /** A close frame was handled or the connection failed: later frames are only counted. */
  private done = false;
  private error: Error | null = null;
  /** Inflating: meanings of later frames wait here, in order. */
  private busy = false;
  private readonly waiting: Array<() => void> = [];
  /** Bytes parsed in this turn of the event loop (see BURST_BYTES). */
  private burst = 0;
  private readonly newTurn = (): void => {
    this.burst = 0;
  };
  /** The write callback held while busy. */
  private held: WriteCallback | null = null;

  constructor(opts: InboundOptions, private readonly sink: WireSink) {
    super();
    this.isServer = opts.isServer;
    this._isServer = opts.isServer;
    this.emitMessages = opts.emitMessages;
    this.corked = opts.cork;
    this.maxFragments = opts.maxFragments && opts.maxFragments > 0 ? opts.maxFragments : Infinity;
    this.inflater = opts.deflate ? new Inflater(opts.deflate.inflateWindowBits, opts.deflate.inflateNoContextTakeover, opts.maxPayload) : null;
    this.decoder = new FrameDecoder({ strict: false, refuseAbove: opts.maxPayload, unmaskInPlace: true }, this.onFrame, this.onProtocolError);
    this.assembler = new MessageAssembler({ maxPayload: opts.maxPayload }, this.onMessage, this.onControl, this.onProtocolError);
  }

  /** The parser stopped on an error. */
  get failed(): boolean {
    return this.error !== null;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: WriteCallback): void {
    if (this.done) {
      this.sink.ignoredIn(chunk.length);
      cb();
      return;
    }
    this.bytesIn += chunk.length;
    // What the application sends while this chunk's messages are handled (echoes, replies, pongs)
    // leaves in one write when the chunk is done: one syscall per read, not one per frame.
    // Everything this chunk yields is recorded as one batch, appended once the chunk is parsed.
    const out = this.corked;
    out?.cork();
    this.sink.readStart?.();
    try {
      this.decoder.push(chunk);
    } finally {
      try {
        this.sink.readEnd?.();
      } finally {
        out?.uncork();
      }
    }
    if (this.busy) {
      this.held = cb;
      return;
    }
    // A firehose: libuv reads up to 32 chunks in one poll phase. Past BURST_BYTES in one phase,
    // finishing this write on the next turn makes the stream buffer, ws pause the socket, and
    // timers, I/O and the UI get their turn. (The count restarts with each turn of the loop.)
    if (this.burst === 0) setImmediate(this.newTurn);
    this.burst += chunk.length;
    if (this.burst >= BURST_BYTES && !this.error) setImmediate(cb);
    else cb(this.error);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inflater?.close();
    cb(err);
  }

  // ---------------------------------------------------------------- frames

  private readonly onFrame = (f: DecodedFrame): void => {
    const wire = f.headerSize + f.length;
    if (this.done) {
      // After the peer's close frame or a failure, in the same chunk: not processed (as in ws).
      this.sink.ignoredIn(wire);
      return;
    }
    this.bytesFramed += wire;
    this.sink.frameIn(f);
    // ws's Receiver checks, in its order, with its codes and messages (the assembler does the rest).
    if (f.rsv2 || f.rsv3) return this.fail('WS_ERR_UNEXPECTED_RSV_2_3', 'Invalid WebSocket frame: RSV2 and RSV3 must be clear', 1002);
    if (f.rsv1 && !this.inflater) return this.fail('WS_ERR_UNEXPECTED_RSV_1', 'Invalid WebSocket frame: RSV1 must be clear', 1002);
    const op = f.opcode;
    if ((op > 2 && op < 8) || op > 10) return this.fail('WS_ERR_INVALID_OPCODE', `Invalid WebSocket frame: invalid opcode ${op}`, 1002);
    if (f.masked !== this.isServer) {
      return this.isServer
        ? this.fail('WS_ERR_EXPECTED_MASK', 'Invalid WebSocket frame: MASK must be set', 1002)
        : this.fail('WS_ERR_UNEXPECTED_MASK', 'Invalid WebSocket frame: MASK must be clear', 1002);
    }
    if (op < 8) {
      this.fragments = op === 0 ? this.fragments + 1 : 1;
      if (this.fragments > this.maxFragments) return this.fail('WS_ERR_TOO_MANY_BUFFERED_PARTS', 'Too many message fragments', 1008);
    }
    this.assembler.push(f);
  };

  private readonly onMessage = (m: AssembledMessage): void => {
    if (m.compressed) {
      this.later(() => this.inflate(m));
      return;
    }
    const data = asBuffer(m.data);
    if (this.busy) this.waiting.push(() => this.deliver(data, m.opcode === 2, m.wireSize, false));
    else this.deliver(data, m.opcode === 2, m.wireSize, false);
  };

  private readonly onControl = (f: DecodedFrame): void => {
    if (f.opcode === 8) this.done = true; // what follows the close frame is not processed
    if (this.busy) this.waiting.push(() => this.control(f));
    else this.control(f);
  };

  private readonly onProtocolError = (e: ProtocolError): void => {
    const msg = e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'Max payload size exceeded' : `Invalid WebSocket frame: ${e.message}`;
    this.fail(e.code, msg, e.closeCode);
  };

  // ---------------------------------------------------------------- meanings, in order

  private later(fn: () => void): void {
    if (this.busy) this.waiting.push(fn);
    else fn();
  }

  private deliver(data: Buffer, binary: boolean, wireSize: number, compressed: boolean): void {
    if (this.error) return;
    this.sink.messageIn(data, binary, wireSize, compressed);
    if (this.emitMessages) this.emit('message', data, binary);
  }

  private control(f: DecodedFrame): void {
    if (this.error) return;
    const p = asBuffer(f.payload);
    if (f.opcode === 9) this.emit('ping', p);
    else if (f.opcode === 10) this.emit('pong', p);
    else {
      // The assembler has checked the code and the reason's UTF-8.
      if (p.length === 0) this.emit('conclude', 1005, EMPTY);
      else this.emit('conclude', p.readUInt16BE(0), p.subarray(2));
      this.end();
    }
  }

  private inflate(m: AssembledMessage): void {
    if (this.error) return;
    this.busy = true;
    this.inflater!.inflate(m.data, (err, out) => {
      this.busy = false;
      if (err) {
        if (err instanceof InflateLimitError) this.fail(err.code, err.message, 1009);
        else this.fail('WSWB_DEFLATE_INVALID_DATA', `Invalid compressed data: ${err.message}`, 1007);
      } else if (m.opcode === 1 && !isValidUtf8(out!)) {
        this.fail('WS_ERR_INVALID_UTF8', 'Invalid WebSocket frame: invalid UTF-8 sequence', 1007);
      } else {
        this.deliver(out!, m.opcode === 2, m.wireSize, true);
      }
      // What waited behind this message, until the next compressed one (or the end).
      while (!this.busy && this.waiting.length) this.waiting.shift()!();
      if (!this.busy && this.held) {
        const cb = this.held;
        this.held = null;
        cb(this.error);
      }
    });
  }

  /** Fails the connection with ws's error shape (code, close status under ws's symbol): ws sends the close frame. */
  private fail(code: string, message: string, status: number): void {
    if (this.error) return;
    if (this.busy) {
      this.waiting.push(() => this.fail(code, message, status));
      return;
    }
    const err = new (status === 1007 ? Error : RangeError)(message) as Error & { code: string; [k: symbol]: unknown };
    err.code = code;
    err[wsStatusSymbol()] = status;
    this.error = err;
    this.done = true;
    if (this.held) {
      const cb = this.held;
      this.held = null;
      cb(err);
    }
  }
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
