/**
 * Recording of a connection's wire, client or mock alike: the WireSink that turns the wire
 * stack's frames and messages into timeline events.
 */
import { hex32 } from '../../protocol/mask';
import type { DistributiveOmit, FrameEvent, MessageEvent } from '../events';
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

/**
 * The recording side of the wire stack: each frame and message it reports becomes one timeline
 * event, in one object shape per kind (the store's hot path). Frame payloads beyond `preview`
 * bytes are cut (`truncated`); messages are always whole.
 */
export function recordingSink(preview: number, record: (e: RecordedEvent) => void, hooks: SinkHooks): WireSink {
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
