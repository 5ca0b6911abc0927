/**
 * The transcript worker thread (TranscriptWriter in worker mode): receives packed event batches
 * (EventPacker) in order, encodes them to NDJSON lines (BatchEncoder) and writes each batch to the
 * file descriptor it was given with one write (partial writes continued). Replies per batch with its
 * sequence number and the batch's buffer (given back, so neither side allocates one per batch), or the write error (code and message); after an error it writes nothing more.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchEncoder, encodePacked } from './transcriptEncoder';
import { encodeEventLine } from './transcript';

export interface WorkerBatch {
  seq: number;
  packed: Uint8Array;
}
export interface WorkerReply {
  seq: number;
  error?: { code?: string; message: string };
  /** The batch's buffer, given back (transferred) for the packer to fill again. */
  packed?: Uint8Array;
}

const fd = (workerData as { fd: number }).fd;
const enc = new BatchEncoder(encodeEventLine);
let failed: WorkerReply['error'];

parentPort?.postMessage({ seq: 0 } satisfies WorkerReply); // loaded and ready
parentPort?.on('message', (m: WorkerBatch) => {
  if (!failed) {
    try {
      const packed = Buffer.from(m.packed.buffer, m.packed.byteOffset, m.packed.byteLength);
      encodePacked(packed, enc);
      const out = enc.take();
      for (let off = 0; off < out.length; ) off += writeSync(fd, out, off, out.length - off);
      enc.recycle(out);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failed = { code: e.code, message: e.message };
    }
  }
  parentPort?.postMessage({ seq: m.seq, error: failed, packed: m.packed } satisfies WorkerReply, [m.packed.buffer as ArrayBuffer]);
});
