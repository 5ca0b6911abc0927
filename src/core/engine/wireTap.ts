/**
 * The socket tap: sees every byte a socket reads and writes, after TLS. The client's handshake
 * capture (engine/client/handshake.ts) uses it for the HTTP upgrade request and response and, after
 * a failure or the peer's close frame, to count what is no longer processed; the WebSocket stream
 * itself is parsed and encoded by the wire stack (engine/wire), not here.
 *
 * Incoming bytes are caught where the socket pushes them into its readable buffer (`push`), so a
 * chunk `ws` puts back with `unshift()` after the upgrade is not seen twice. Outgoing bytes are
 * caught where the writable hands them to the handle (`_write`/`_writev`), in wire order.
 */
import type { Socket } from 'node:net';

const TAPPED = Symbol('websocket-workbench.tapped');
const DETACH_OUT = Symbol('websocket-workbench.detach-out');
/** Largest writev batch handed to the sink as one buffer. */
const JOIN_LIMIT = 256 * 1024;

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

/** Stops watching what the socket writes (its own write path again, no per-write cost); reads stay tapped. */
export function detachOutgoing(socket: Socket): void {
  (socket as unknown as Record<symbol, (() => void) | undefined>)[DETACH_OUT]?.();
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
  const writev = w._writev;
  (s as unknown as Record<symbol, () => void>)[DETACH_OUT] = () => {
    w._write = write;
    if (typeof writev === 'function') w._writev = writev;
  };
  w._write = function (chunk, encoding, cb) {
    try {
      sink.outgoing(toBuffer(chunk, encoding));
    } catch {
      // ignore
    }
    return write.call(this, chunk, encoding, cb);
  };
  if (typeof writev === 'function') {
    w._writev = function (chunks, cb) {
      try {
        // ws writes a frame's header and payload as two chunks of one writev; handing them over
        // joined (when small) lets the decoder take its one-chunk fast path.
        let total = 0;
        for (const c of chunks) total += typeof c.chunk === 'string' ? Buffer.byteLength(c.chunk) : (c.chunk as Uint8Array).length;
        if (chunks.length > 1 && total <= JOIN_LIMIT) sink.outgoing(Buffer.concat(chunks.map((c) => toBuffer(c.chunk, c.encoding)), total));
        else {
          // A big batch: still join each lone frame header (≤ 14 bytes) with the chunk after it.
          for (let i = 0; i < chunks.length; i++) {
            const b = toBuffer(chunks[i]!.chunk, chunks[i]!.encoding);
            const next = chunks[i + 1];
            if (b.length <= 14 && next) {
              sink.outgoing(Buffer.concat([b, toBuffer(next.chunk, next.encoding)]));
              i++;
            } else sink.outgoing(b);
          }
        }
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
