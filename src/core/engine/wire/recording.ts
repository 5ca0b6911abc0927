/**
 * Recording of a connection's wire, client or mock alike: the WireSink that turns the wire
 * stack's frames and messages into timeline events.
 */
import { hex32 } from '../../protocol/mask';
import type { DecodedFrame } from '../../protocol/frameDecoder';
import type { DistributiveOmit, FrameEvent, MessageEvent } from '../events';
import type { TimelineStore, WireOwner } from '../timelineStore';
import type { WireSink } from './sink';

/** A frame or message event before the connection stamps it (hot path: `time: 0, connection: ''`, filled in place). */
export type RecordedEvent = DistributiveOmit<FrameEvent | MessageEvent, 'id'>;

/** What the connection wants to know besides the events, and what it records. */
export interface SinkHooks {
  /** Record frame events (default true). */
  frames?: boolean;
  /** Record message events (default true). */
  messages?: boolean;
  /** A close frame crossed the wire in this direction (before its event is recorded). */
  closeFrame(dir: 'in' | 'out'): void;
  /** Incoming bytes were not processed (after the close frame or a failure). */
  ignored(bytes: number): void;
}

/** Straight into a TimelineStore: batched per socket read, no event object unless someone listens. */
export interface StoreTarget {
  store: TimelineStore;
  /** The connection id stamped on every event. */
  connection: string;
  clock: () => number;
  /** Told about each event (as an object) when its batch is appended, if it listens. */
  owner: WireOwner;
  /** False once the owner stopped recording (disposed). */
  live(): boolean;
}

/**
 * The recording side of the wire stack: each frame and message it reports becomes one timeline
 * event. Frame payloads beyond `preview` bytes are cut (`truncated`); messages are always whole.
 *
 * With a `target` store (the client's and the mock's TimelineStore), events are recorded field by
 * field, one batch per socket read (see TimelineStore.recordFrame); otherwise each becomes one
 * object, in one shape per kind, handed to `record`.
 */
export function recordingSink(preview: number, record: (e: RecordedEvent) => void, hooks: SinkHooks, target?: StoreTarget): WireSink {
  if (target) return storeSink(preview, target, hooks);
  const frames = hooks.frames !== false;
  const messages = hooks.messages !== false;
  return {
    frameIn: (f) => {
      if (f.opcode === 8) hooks.closeFrame('in');
      if (!frames) return;
      const mk = f.maskKey;
      const p = f.payload;
      record({
        time: 0, connection: '', kind: 'frame', dir: 'in', fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, opcode: f.opcode, masked: f.masked,
        maskKey: mk ? hex32(mk) : undefined,
        length: f.length, wireSize: f.headerSize + f.length, payload: p.length > preview ? p.subarray(0, preview) : p,
        truncated: p.length > preview || p.length < f.length ? true : undefined,
      });
    },
    frameOut: (b0, key, length, wireSize, payload) => {
      const opcode = b0 & 0x0f;
      if (opcode === 8) hooks.closeFrame('out');
      if (!frames) return;
      record({
        time: 0, connection: '', kind: 'frame', dir: 'out', fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, rsv2: (b0 & 0x20) !== 0, rsv3: (b0 & 0x10) !== 0, opcode, masked: key !== undefined,
        maskKey: key ? hex32(key) : undefined,
        length, wireSize, payload: payload.length > preview ? payload.subarray(0, preview) : payload,
        truncated: payload.length > preview || payload.length < length ? true : undefined,
      });
    },
    messageIn: (data, binary, wireSize, compressed) => {
      if (messages) record({ time: 0, connection: '', kind: 'message', dir: 'in', binary, data, size: data.length, wireSize, compressed });
    },
    messageOut: (data, binary, wireSize, compressed) => {
      if (messages) record({ time: 0, connection: '', kind: 'message', dir: 'out', binary, data, size: data.length, wireSize, compressed });
    },
    ignoredIn: (bytes) => hooks.ignored(bytes),
  };
}

/** The batched sink of recordingSink(): the store's record calls, no object per event. */
function storeSink(preview: number, t: StoreTarget, hooks: SinkHooks): WireSink {
  const frames = hooks.frames !== false;
  const messages = hooks.messages !== false;
  const { store, connection, clock, owner } = t;
  return {
    frameIn: (f) => {
      if (f.opcode === 8) hooks.closeFrame('in');
      if (!frames || !t.live()) return;
      const p = f.payload;
      const stored = p.length > preview ? preview : p.length;
      const mk = f.maskKey;
      store.recordFrame(owner, clock(), connection, true, firstByte(f), f.masked, mk ? key32(mk) : 0, f.length, f.headerSize + f.length, p, stored, p.length > preview || p.length < f.length);
    },
    frameOut: (b0, key, length, wireSize, payload) => {
      if ((b0 & 0x0f) === 8) hooks.closeFrame('out');
      if (!frames || !t.live()) return;
      const stored = payload.length > preview ? preview : payload.length;
      store.recordFrame(owner, clock(), connection, false, b0, key !== undefined, key ? key32(key) : 0, length, wireSize, payload, stored, payload.length > preview || payload.length < length);
    },
    messageIn: (data, binary, wireSize, compressed) => {
      if (messages && t.live()) store.recordMessage(owner, clock(), connection, true, binary, data, wireSize, compressed);
    },
    messageOut: (data, binary, wireSize, compressed) => {
      if (messages && t.live()) store.recordMessage(owner, clock(), connection, false, binary, data, wireSize, compressed);
    },
    ignoredIn: (bytes) => hooks.ignored(bytes),
    readStart: () => store.beginBatch(),
    readEnd: () => store.endBatch(),
  };
}

/** A masking key as one 32-bit number (big-endian, as on the wire). */
function key32(k: Uint8Array): number {
  return ((k[0]! << 24) | (k[1]! << 16) | (k[2]! << 8) | k[3]!) >>> 0;
}

/** The first header byte of a decoded frame (FIN, RSV1–3, opcode). */
export function firstByte(f: DecodedFrame): number {
  return (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f);
}
