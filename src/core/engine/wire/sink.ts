/**
 * What the wire stack reports, for recording: every frame in both directions as it crossed the
 * wire, every whole message, and incoming bytes that were not processed. The client connection
 * and the mock server implement it the same way (src/core/engine/wire/recorder.ts).
 */
import type { DecodedFrame } from '../../protocol/frameDecoder';

export interface WireSink {
  /** An incoming frame, decoded once; `payload` is whole (unmasked, still compressed when RSV1). */
  frameIn(f: DecodedFrame): void;
  /** An incoming data message, after reassembly and inflation. */
  messageIn(data: Buffer, binary: boolean, wireSize: number, compressed: boolean): void;
  /**
   * An outgoing frame, from the encoder that wrote it: `b0` is its first byte (FIN, RSV1–3,
   * opcode), `key` the masking key (undefined when unmasked), `payload` the bytes before masking.
   */
  frameOut(b0: number, key: Uint8Array | undefined, length: number, wireSize: number, payload: Uint8Array): void;
  /** An outgoing data message, once its last frame was written. */
  messageOut(data: Buffer, binary: boolean, wireSize: number, compressed: boolean): void;
  /** Incoming bytes after the peer's close frame or after a failure, not processed. */
  ignoredIn(bytes: number): void;
  /**
   * One socket read starts / ends: what is reported in between (its frames and messages, and what
   * the application sends in answer) may be recorded as one batch, appended at readEnd().
   */
  readStart?(): void;
  readEnd?(): void;
}
