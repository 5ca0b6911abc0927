/**
 * Message assembly (RFC 6455 §5.4, §5.5, §5.6): consumes decoded frames in order and yields whole
 * data messages, passing control frames through. Enforces continuation sequencing, UTF-8 of text
 * (fail fast, fragment by fragment), close frame bodies and a message size limit. It does not
 * decompress: a permessage-deflate message (RSV1 on its first frame, RFC 7692 §6) is handed out
 * as received, flagged `compressed`.
 *
 *   idle ──text/binary, FIN──▶ message ──▶ idle
 *   idle ──text/binary, !FIN──▶ open ──continuation, !FIN──▶ open
 *                                open ──continuation, FIN──▶ message ──▶ idle
 *   (control frames may arrive in any state; after a close frame everything is ignored)
 */
import { ProtocolError, protocolError } from './errors';
import type { DecodedFrame } from './frameDecoder';
import { isValidCloseCode } from './closeCodes';
import { Utf8Validator } from './utf8';

/** A reassembled data message. */
export interface AssembledMessage {
  /** 1 text, 2 binary. */
  opcode: 1 | 2;
  /** The payload: the frame's own view for a single-frame message, else a concatenation. Still compressed when `compressed`. */
  data: Uint8Array;
  /** RSV1 was set on the first frame (permessage-deflate, RFC 7692 §6). */
  compressed: boolean;
  /** Number of data frames in the message. */
  frames: number;
  /** Header + payload bytes on the wire, over all its frames. */
  wireSize: number;
  /** Some frame payload was truncated by the decoder (observe mode payloadLimit): `data` is incomplete. */
  truncated?: boolean;
}

/** Assembler options. */
export interface MessageAssemblerOptions {
  /** Largest message (sum of its frame payloads, as on the wire) → 1009 (RFC 6455 §10.4); 0 or unset: no limit (as in ws). */
  maxPayload?: number;
  /** Default true: validate text messages and close reasons as UTF-8 (RFC 6455 §8.1) → 1007. */
  validateUtf8?: boolean;
}

/** Reassembles data messages from DecodedFrames; see the file comment. */
export class MessageAssembler {
  private readonly maxPayload: number;
  private readonly validateUtf8: boolean;
  private readonly onMessage: (m: AssembledMessage) => void;
  private readonly onControl: (f: DecodedFrame) => void;
  private readonly onError: (e: ProtocolError) => void;
  private readonly utf8 = new Utf8Validator();

  /** Opcode of the open fragmented message (0: none). */
  private opcode = 0;
  private compressed = false;
  private truncated = false;
  private frames = 0;
  private size = 0;
  private wireSize = 0;
  private parts: Uint8Array[] = [];
  private _failed = false;
  private _closed = false;

  constructor(
    options: MessageAssemblerOptions,
    onMessage: (m: AssembledMessage) => void,
    onControl: (f: DecodedFrame) => void,
    onError: (e: ProtocolError) => void,
  ) {
    // As in ws, 0 (or unset) means no limit.
    this.maxPayload = options.maxPayload !== undefined && options.maxPayload > 0 ? options.maxPayload : Infinity;
    this.validateUtf8 = options.validateUtf8 !== false;
    this.onMessage = onMessage;
    this.onControl = onControl;
    this.onError = onError;
  }

  /** True once an error was reported; later frames are ignored. */
  get failed(): boolean {
    return this._failed;
  }

  /** True once a valid close frame went through; later frames are ignored (RFC 6455 §5.5.1). */
  get closed(): boolean {
    return this._closed;
  }

  /** Whether a fragmented message is open (waiting for continuation frames). */
  get inMessage(): boolean {
    return this.opcode !== 0;
  }

  /** Consumes the next frame. Never throws for bad input: errors go to `onError`. */
  push(f: DecodedFrame): void {
    if (this._failed || this._closed) return;
    const op = f.opcode;
    if (op >= 0x8) {
      this.control(f);
      return;
    }
    if (op === 0x0) {
      // RFC 6455 §5.4: a continuation frame only continues an open fragmented message.
      if (this.opcode === 0) return this.fail(protocolError('WS_ERR_UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue'));
      // RFC 7692 §6.1: RSV1 only on the first frame of a message.
      if (f.rsv1) return this.fail(protocolError('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on a continuation frame'));
    } else if (op === 0x1 || op === 0x2) {
      // RFC 6455 §5.4: fragments of one message are not interleaved with another data message.
      if (this.opcode !== 0) return this.fail(protocolError('WS_ERR_EXPECTED_CONTINUATION', `data frame (opcode ${op}) while a fragmented message is open`));
      this.opcode = op;
      this.compressed = f.rsv1;
      this.truncated = false;
      this.frames = 0;
      this.size = 0;
      this.wireSize = 0;
      if (op === 0x1) this.utf8.reset();
    } else {
      // RFC 6455 §5.2: reserved non-control opcodes (3–7), passed by an observe-mode decoder.
      return this.fail(protocolError('WS_ERR_INVALID_OPCODE', `invalid opcode ${op}`));
    }

    this.frames++;
    this.size += f.length;
    this.wireSize += f.headerSize + f.length;
    if (this.size > this.maxPayload) {
      return this.fail(protocolError('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', `Max payload size exceeded (${this.size} > ${this.maxPayload})`));
    }
    const payload = f.payload;
    const short = payload.length < f.length;
    if (short) this.truncated = true;
    if (this.opcode === 0x1 && !this.compressed && this.validateUtf8 && !this.truncated) {
      // RFC 6455 §8.1 + Autobahn 6.4: fail on the first fragment that cannot be valid UTF-8.
      if (!this.utf8.push(payload, f.fin)) return this.fail(protocolError('WS_ERR_INVALID_UTF8', 'invalid UTF-8 sequence'));
    }
    if (payload.length > 0) this.parts.push(payload);
    if (!f.fin) return;

    const parts = this.parts;
    let data: Uint8Array;
    if (parts.length === 0) data = new Uint8Array(0);
    else if (parts.length === 1) data = parts[0]!;
    else {
      let total = 0;
      for (const p of parts) total += p.length;
      data = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
    }
    const m: AssembledMessage = {
      opcode: this.opcode as 1 | 2,
      data,
      compressed: this.compressed,
      frames: this.frames,
      wireSize: this.wireSize,
    };
    if (this.truncated) m.truncated = true;
    this.opcode = 0;
    this.parts = [];
    this.onMessage(m);
  }

  private control(f: DecodedFrame): void {
    const op = f.opcode;
    if (op > 0xa) return this.fail(protocolError('WS_ERR_INVALID_OPCODE', `invalid opcode ${op}`));
    // RFC 6455 §5.5: control frames are not fragmented and carry at most 125 bytes.
    if (!f.fin) return this.fail(protocolError('WS_ERR_EXPECTED_FIN', 'FIN must be set on a control frame'));
    if (f.length > 125) return this.fail(protocolError('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'control frame payload longer than 125 bytes'));
    // RFC 7692 §6.1: control frames are never compressed.
    if (f.rsv1) return this.fail(protocolError('WS_ERR_UNEXPECTED_RSV_1', 'RSV1 must be clear on a control frame'));
    if (op === 0x8) {
      const p = f.payload;
      // RFC 6455 §5.5.1: a close body is empty or starts with a 2-byte code.
      if (f.length === 1) return this.fail(protocolError('WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 'close frame payload of 1 byte'));
      if (p.length >= 2) {
        const code = (p[0]! << 8) | p[1]!;
        // RFC 6455 §7.4.1: codes that must not appear in a close frame.
        if (!isValidCloseCode(code)) return this.fail(protocolError('WS_ERR_INVALID_CLOSE_CODE', `invalid status code ${code}`));
        if (this.validateUtf8 && p.length === f.length) {
          const v = new Utf8Validator();
          if (!v.push(p.subarray(2), true)) return this.fail(protocolError('WS_ERR_INVALID_UTF8', 'invalid UTF-8 sequence in close reason'));
        }
      }
      this._closed = true;
    }
    this.onControl(f);
  }

  private fail(e: ProtocolError): void {
    this._failed = true;
    this.opcode = 0;
    this.parts = [];
    this.onError(e);
  }
}
