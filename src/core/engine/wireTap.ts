/**
 * The wire tap: sees every byte a socket reads and writes, after TLS and before `ws` touches it.
 *
 * Incoming bytes are caught where the socket pushes them into its readable buffer (`push`), so a
 * chunk `ws` puts back with `unshift()` after the upgrade is not seen twice. Outgoing bytes are
 * caught where the writable hands them to the handle (`_write`/`_writev`), in wire order, whoever
 * wrote them (Node's HTTP client for the upgrade request, `ws`'s Sender, or a raw frame).
 */
import type { Socket } from 'node:net';

const TAPPED = Symbol('websocket-workbench.tapped');

/** Callbacks of a tap; each gets the bytes of one read or write. */
export interface TapSink {
  incoming(chunk: Buffer): void;
  outgoing(chunk: Buffer): void;
  /** The socket's read side ended (EOF). */
  end?(): void;
}

type Tappable = Socket & { [TAPPED]?: TapSink };

/** Whether the socket already carries a tap. */
export function isTapped(socket: Socket): boolean {
  return !!(socket as Tappable)[TAPPED];
}

/** Installs the tap on the socket (once). A sink that throws never breaks the socket. */
export function tapSocket(socket: Socket, sink: TapSink): void {
  const s = socket as Tappable;
  if (s[TAPPED]) return;
  s[TAPPED] = sink;

  const push = s.push;
  s.push = function (chunk: unknown, encoding?: BufferEncoding): boolean {
    try {
      if (chunk === null) sink.end?.();
      else if (chunk !== undefined) sink.incoming(toBuffer(chunk, encoding));
    } catch {
      // observing must never break the connection
    }
    return push.call(this, chunk, encoding);
  };

  const w = s as unknown as {
    _write: (chunk: unknown, encoding: BufferEncoding, cb: (err?: Error | null) => void) => void;
    _writev?: (chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, cb: (err?: Error | null) => void) => void;
  };
  const write = w._write;
  w._write = function (chunk, encoding, cb) {
    try {
      sink.outgoing(toBuffer(chunk, encoding));
    } catch {
      // ignore
    }
    return write.call(this, chunk, encoding, cb);
  };
  const writev = w._writev;
  if (typeof writev === 'function') {
    w._writev = function (chunks, cb) {
      try {
        for (const c of chunks) sink.outgoing(toBuffer(c.chunk, c.encoding));
      } catch {
        // ignore
      }
      return writev.call(this, chunks, cb);
    };
  }
}

function toBuffer(chunk: unknown, encoding?: BufferEncoding | string): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding && encoding !== 'buffer' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return Buffer.alloc(0);
}
