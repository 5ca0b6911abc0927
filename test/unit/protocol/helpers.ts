/** Test helpers for the protocol core: run bytes through the decoder (and assembler) under any chunking. */
import { FrameDecoder, type DecodedFrame, type FrameDecoderOptions } from '../../../src/core/protocol/frameDecoder';
import { MessageAssembler, type AssembledMessage, type MessageAssemblerOptions } from '../../../src/core/protocol/messageAssembler';
import { ProtocolError } from '../../../src/core/protocol/errors';
import { hexToBytes } from '../../../src/core/protocol/hexdump';

/** A frame with its payload copied out (the decoder hands out views). */
export type Frame = Omit<DecodedFrame, 'payload' | 'maskKey'> & { payload: Buffer; maskKey?: Buffer };

export interface Decoded {
  frames: Frame[];
  errors: ProtocolError[];
  decoder: FrameDecoder;
}

export function hex(s: string): Buffer {
  return Buffer.from(hexToBytes(s));
}

function copy(f: DecodedFrame): Frame {
  const out: Frame = { ...f, payload: Buffer.from(f.payload), maskKey: f.maskKey ? Buffer.from(f.maskKey) : undefined };
  return out;
}

/** Splits `bytes` at the given offsets (ascending) into chunks. */
export function chunksAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let last = 0;
  for (const c of cuts) {
    if (c <= last || c >= bytes.length) continue;
    out.push(bytes.subarray(last, c));
    last = c;
  }
  out.push(bytes.subarray(last));
  return out;
}

/** Feeds chunks to a fresh decoder; every callback error is captured, anything else thrown propagates. */
export function decode(chunks: Uint8Array[], opts: FrameDecoderOptions = {}): Decoded {
  const frames: Frame[] = [];
  const errors: ProtocolError[] = [];
  const decoder = new FrameDecoder(opts, (f) => frames.push(copy(f)), (e) => errors.push(e));
  for (const c of chunks) decoder.push(c);
  return { frames, errors, decoder };
}

/** Decodes `bytes` whole, byte by byte, and split at every single offset; asserts all agree and returns the whole-chunk result. */
export function decodeEverySplit(bytes: Uint8Array, opts: FrameDecoderOptions, check: (d: Decoded, how: string) => void): void {
  check(decode([bytes], opts), 'whole');
  check(decode(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)), opts), 'byte by byte');
  for (let i = 1; i < bytes.length; i++) check(decode(chunksAt(bytes, [i]), opts), `split at ${i}`);
}

export interface Session {
  frames: Frame[];
  messages: AssembledMessage[];
  controls: Frame[];
  errors: ProtocolError[];
  /** How many frames had been decoded when the first error was reported. */
  framesAtFirstError?: number;
}

/** Decoder + assembler over the chunks, like a receiving endpoint. */
export function receive(
  chunks: Uint8Array[],
  decOpts: FrameDecoderOptions = {},
  asmOpts: MessageAssemblerOptions = {},
): Session {
  const s: Session = { frames: [], messages: [], controls: [], errors: [] };
  const onError = (e: ProtocolError) => {
    if (s.errors.length === 0) s.framesAtFirstError = s.frames.length;
    s.errors.push(e);
  };
  const asm = new MessageAssembler(
    asmOpts,
    (m) => s.messages.push({ ...m, data: Buffer.from(m.data) }),
    (f) => s.controls.push(copy(f)),
    onError,
  );
  const dec = new FrameDecoder(
    decOpts,
    (f) => {
      s.frames.push(copy(f));
      asm.push(f);
    },
    onError,
  );
  for (const c of chunks) {
    if (asm.failed) break;
    dec.push(c);
  }
  return s;
}
