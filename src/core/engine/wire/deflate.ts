/**
 * permessage-deflate (RFC 7692) through Node's zlib, with the parameters the handshake negotiated.
 *
 * `ws` negotiates the extension during the upgrade (its offer, the server's answer); the agreed
 * parameters are read from its PerMessageDeflate object and from then on every compressed message
 * goes through the Inflater/Deflater here, never through ws's. One raw zlib stream per direction,
 * kept across messages (context takeover) unless the peer's or our `*_no_context_takeover` says
 * otherwise; window bits as agreed (15 when unset).
 *
 *   inflate: compressed bytes + 00 00 ff ff ──zlib inflateRaw, SYNC_FLUSH──▶ message
 *   deflate: message ──zlib deflateRaw, SYNC_FLUSH──▶ bytes minus the trailing 00 00 ff ff (final fragment)
 */
import * as zlib from 'node:zlib';

/** The agreed parameters, seen from one endpoint. */
export interface DeflateParams {
  /** Window bits of what we inflate (the peer's max_window_bits). */
  inflateWindowBits: number;
  /** Window bits of what we deflate (our max_window_bits). */
  deflateWindowBits: number;
  /** The peer resets its compressor after each message: so do we, our inflater. */
  inflateNoContextTakeover: boolean;
  /** We reset our compressor after each message. */
  deflateNoContextTakeover: boolean;
  /** Messages below this size are sent uncompressed when deflateNoContextTakeover (as ws does). */
  threshold: number;
}

/** The parts of ws's PerMessageDeflate read here (its negotiated `params`, side and threshold). */
interface WsPerMessageDeflate {
  params: Record<string, unknown> | null;
  _isServer: boolean;
  _threshold?: number;
}

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** The agreed parameters of a ws socket's permessage-deflate, or null when it was not negotiated. */
export function negotiatedDeflate(ws: unknown): DeflateParams | null {
  const ext = (ws as { _extensions?: Record<string, WsPerMessageDeflate> })._extensions?.['permessage-deflate'];
  if (!ext || !ext.params) return null;
  const p = ext.params;
  const own = ext._isServer ? 'server' : 'client';
  const peer = ext._isServer ? 'client' : 'server';
  const bits = (v: unknown) => (typeof v === 'number' ? v : zlib.constants.Z_DEFAULT_WINDOWBITS);
  return {
    inflateWindowBits: bits(p[`${peer}_max_window_bits`]),
    deflateWindowBits: bits(p[`${own}_max_window_bits`]),
    inflateNoContextTakeover: !!p[`${peer}_no_context_takeover`],
    deflateNoContextTakeover: !!p[`${own}_no_context_takeover`],
    threshold: ext._threshold ?? 1024,
  };
}

/** A size limit was exceeded while inflating (RFC 6455 §10.4 → 1009). */
export class InflateLimitError extends Error {
  readonly code = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';
  constructor() {
    super('Max payload size exceeded');
  }
}

/** Inflates one compressed message at a time (callers wait for the callback before the next). */
export class Inflater {
  private stream: zlib.InflateRaw | null = null;
  private parts: Buffer[] = [];
  private total = 0;
  private error: Error | null = null;
  private cb: ((err: Error | null, out?: Buffer) => void) | null = null;

  constructor(
    private readonly windowBits: number,
    private readonly noContextTakeover: boolean,
    /** Largest inflated message; 0: no limit. */
    private readonly maxPayload: number,
  ) {}

  inflate(data: Uint8Array, cb: (err: Error | null, out?: Buffer) => void): void {
    const s = this.open();
    this.cb = cb;
    s.write(data);
    s.write(TRAILER);
    s.flush(() => {
      if (this.cb !== cb) return; // already failed (a zlib error is reported from its 'error' event)
      this.cb = null;
      const err = this.error;
      if (err) {
        this.close();
        cb(err);
        return;
      }
      const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.total);
      this.parts = [];
      this.total = 0;
      if (this.noContextTakeover) s.reset();
      cb(null, out);
    });
  }

  close(): void {
    this.stream?.close();
    this.stream = null;
    this.parts = [];
    this.total = 0;
    this.error = null;
  }

  private open(): zlib.InflateRaw {
    if (this.stream) return this.stream;
    const s = zlib.createInflateRaw({ windowBits: this.windowBits });
    this.error = null;
    s.on('data', (b: Buffer) => {
      this.total += b.length;
      if (this.maxPayload > 0 && this.total > this.maxPayload) {
        this.error = new InflateLimitError();
        s.removeAllListeners('data');
        s.reset();
        return;
      }
      this.parts.push(b);
    });
    s.on('error', (e: Error) => {
      // Corrupt compressed data: the stream is dead; the message fails with 1007 (as in ws).
      // (After a size-limit reset, zlib may still choke on the rest: the limit is the news.)
      const cb = this.cb;
      const err = this.error ?? e;
      this.cb = null;
      this.stream = null;
      this.parts = [];
      this.total = 0;
      this.error = null;
      cb?.(err);
    });
    this.stream = s;
    return s;
  }
}

/** Deflates message fragments in order (callers wait for the callback before the next). */
export class Deflater {
  private stream: zlib.DeflateRaw | null = null;
  private parts: Buffer[] = [];
  private total = 0;

  constructor(
    private readonly windowBits: number,
    private readonly noContextTakeover: boolean,
  ) {}

  /** Compressed bytes of `data`; the final fragment of a message loses zlib's 00 00 ff ff (RFC 7692 §7.2.1). */
  deflate(data: Uint8Array, fin: boolean, cb: (out: Buffer) => void): void {
    const s = this.open();
    s.write(data);
    s.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      let out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.total);
      this.parts = [];
      this.total = 0;
      if (fin) {
        out = out.subarray(0, out.length - 4);
        if (this.noContextTakeover) s.reset();
      }
      cb(out);
    });
  }

  close(): void {
    this.stream?.close();
    this.stream = null;
  }

  private open(): zlib.DeflateRaw {
    if (this.stream) return this.stream;
    const s = zlib.createDeflateRaw({ windowBits: this.windowBits });
    s.on('data', (b: Buffer) => {
      this.parts.push(b);
      this.total += b.length;
    });
    this.stream = s;
    return s;
  }
}
