/**
 * The timeline event model: one record per thing that happened on a connection (client or mock
 * server side). Shared by the engine, the timeline store, transcripts, the CLI's NDJSON output and
 * the webview (through src/shared/contract.ts). Pure: no vscode, no DOM.
 */

/** Direction of traffic, seen from the local endpoint: `out` = we sent it, `in` = we received it. */
export type Direction = 'in' | 'out';

/** Which side began the closing handshake (or dropped the connection). */
export type Initiator = 'client' | 'server';

/** Lifecycle of a connection, as shown in the panel header and status bar. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

/** An HTTP header as it was on the wire: name case preserved, order preserved, repeats kept. */
export type HeaderPair = [name: string, value: string];

/** Fields every event carries. `id` is monotonic per store; `time` is ms since the epoch from an injected clock. */
export interface EventBase {
  id: number;
  time: number;
  /** Connection id (client connection, or one accepted connection of a mock server). */
  connection: string;
}

/** The captured HTTP upgrade: raw request and response, parsed. */
export interface HandshakeEvent extends EventBase {
  kind: 'handshake';
  request: { method: string; path: string; url: string; headers: HeaderPair[] };
  /** Absent while waiting; present for 101 and for a refused upgrade (then `body` holds the bounded body). */
  response?: { status: number; statusText: string; headers: HeaderPair[]; body?: string; bodyTruncated?: boolean };
  subprotocol?: string;
  extensions?: string;
  /** Whether Sec-WebSocket-Accept matched the key (RFC 6455 §4.2.2). */
  acceptValid?: boolean;
}

/** One frame as it was on the wire (after TLS, before decompression). */
export interface FrameEvent extends EventBase {
  kind: 'frame';
  dir: Direction;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** Mask key as 8 hex digits when masked. */
  maskKey?: string;
  /** Payload length as on the wire (compressed when RSV1 is set). */
  length: number;
  /** Header + payload bytes on the wire. */
  wireSize: number;
  /** Unmasked payload, possibly truncated to the preview limit (`truncated` then true). */
  payload: Uint8Array;
  truncated?: boolean;
  /** Set by the TimelineStore when the payload moved to its spill file (`payload` is then empty; see readPayload). */
  spilled?: boolean;
}

/** One reassembled (and decompressed) data message. */
export interface MessageEvent extends EventBase {
  kind: 'message';
  dir: Direction;
  binary: boolean;
  /** Full payload. The store may move it to disk past its memory budget (see TimelineStore). */
  data: Uint8Array;
  /** Length of `data` (kept when the payload is spilled). */
  size: number;
  /** Size on the wire summed over the message's frames (smaller than `size` when compressed). */
  wireSize?: number;
  /** Whether the message was compressed (permessage-deflate, RSV1 on the first frame). */
  compressed?: boolean;
  /** Set by the TimelineStore when the payload moved to its spill file (`data` is then empty; see readPayload). */
  spilled?: boolean;
}

/** Connection state change. */
export interface StateEvent extends EventBase {
  kind: 'state';
  state: ConnectionState;
  /** For `closing`: who started it. */
  initiator?: Initiator;
  detail?: string;
}

/** The connection closed: code and reason as received (or 1005/1006 when none / abnormal). */
export interface CloseEvent extends EventBase {
  kind: 'close';
  code: number;
  reason: string;
  initiator: Initiator;
  /** True when both close frames were exchanged before TCP closed. */
  wasClean: boolean;
}

/** A coded error: protocol violation, network failure, TLS, proxy, refused upgrade, etc. */
export interface ErrorEvent extends EventBase {
  kind: 'error';
  /** Machine code, documented in docs/error-codes.md (e.g. WS_ERR_INVALID_OPCODE, ECONNREFUSED). */
  code: string;
  message: string;
  /** Close status the error implies (RFC 6455 §7.4), when it implies one. */
  closeCode?: number;
}

/** Ping → pong round-trip time measured by the engine. */
export interface RttEvent extends EventBase {
  kind: 'rtt';
  ms: number;
}

/** Anything else worth a line: reconnect scheduled, queue flushed, mock rule matched, … */
export interface InfoEvent extends EventBase {
  kind: 'info';
  message: string;
  data?: Record<string, unknown>;
}

/** Every kind of timeline record. */
export type TimelineEvent =
  | HandshakeEvent
  | FrameEvent
  | MessageEvent
  | StateEvent
  | CloseEvent
  | ErrorEvent
  | RttEvent
  | InfoEvent;

/** The discriminant values of TimelineEvent. */
export type EventKind = TimelineEvent['kind'];

/** An event before the store has numbered it. */
export type NewEvent = DistributiveOmit<TimelineEvent, 'id'>;

/** `Omit` applied to each member of a union (plain `Omit` merges the union into one shape first). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** WebSocket opcodes (RFC 6455 §5.2). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
