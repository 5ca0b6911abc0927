/**
 * The one contract between the extension host and the workbench webview, shared by both bundles.
 * Requests (webview → host) are declared with a params validator and a result type; events
 * (host → webview) are a name → payload map. Bytes cross as Uint8Array, never base64 or arrays.
 *
 * The host store is the source of truth. The webview shows one *view* of it: the events that pass
 * the current filter (`setView`), numbered 0…total-1 as view rows. It fetches windows of rows
 * (`getRows`), full payloads (`readPayload`), and receives at most ~60 `events` posts per second
 * carrying only the view's new total and its newest rows.
 */
import { PROTOCOLS, type ProtocolSetting } from '../core/protocols/types';
import type { ConnectionState, TimelineEvent, HandshakeEvent, Direction, EventKind } from '../core/engine/events';
import type { AuthDef, RequestDraft } from '../core/collections/types';
import { method } from './rpc';
import { v, type Validator } from './validate';
import { CODEC_KINDS, PROTOCOL_KINDS, protocolContract, protocolFilterFields, type CodecComposerMessage, type DecodedBy, type ProtocolMessage, type RowProtocol } from './protocolContract';

export type { ConnectionState, TimelineEvent, HandshakeEvent, Direction, EventKind, RequestDraft };

/** Bumped when the contract changes incompatibly; the webview sends it with `ready`. */
export const CONTRACT_VERSION = 2;

/** What a (re)loaded webview needs to rebuild its view: it holds nothing it cannot get from this. */
export interface Snapshot {
  contractVersion: number;
  /** Connection shown by this panel, if any. */
  connection?: ConnectionSummary;
  /** UI state the webview asked the host to keep (composer draft, filters, selection). */
  viewState?: Record<string, unknown>;
  /** Host version info, shown in the panel footer and used by tests. */
  host: { extensionVersion: string; vscodeVersion: string };
  /** Rows of the current view (after the filter the host remembers for this panel). */
  view?: { total: number; filter: ViewFilter; unfiltered?: number };
  /** A repeat-send job running for this panel. */
  repeat?: RepeatStatus;
  /** The saved collection request this panel shows, with its named messages. */
  source?: SavedRequestInfo;
  /** The transcript this panel shows (read-only: no connection, no composer). */
  transcript?: TranscriptInfo;
}

/** A transcript opened in a panel. */
export interface TranscriptInfo {
  /** Path on disk. */
  file: string;
  /** Short label (workspace-relative path). */
  label: string;
  /** Events read from it. */
  events: number;
}

/** A file the host wrote (transcript, HAR, payload), which the panel can ask it to open. */
export interface SavedResult {
  saved: boolean;
  /** What `openResult` takes. */
  target?: string;
  /** Short label for the user (workspace-relative path). */
  label?: string;
}

/** A named message of a saved request, as the message composer edits it. */
export interface SavedMessage {
  name: string;
  /** text, json, binary, a protocol message kind (`socket.io`, `graphql`, …, see protocolContract.ts), or a codec kind (`msgpack`, `cbor`, `protobuf`). */
  kind: 'text' | 'json' | 'binary' | ProtocolMessage['kind'] | CodecComposerMessage['kind'];
  /** A protocol message's fields (without `kind`), as in the collection file; a codec message's `data` (and `type`). */
  fields?: Record<string, unknown>;
  /** text: the text; json: the value, serialized (pretty). */
  text?: string;
  /** binary: hex digits. */
  hex?: string;
  /** binary: base64. */
  base64?: string;
  description?: string;
}

/** The collection request behind a panel (`file` is the collection's path on disk). */
export interface SavedRequestInfo {
  file: string;
  request: string;
  /** Short label: workspace-relative file and request name. */
  label: string;
  messages: SavedMessage[];
  /** Why the request could not be read (invalid file, request gone…); messages are then empty. */
  error?: { code: string; message: string };
}

/** The header data of one connection. */
export interface ConnectionSummary {
  id: string;
  url: string;
  state: ConnectionState;
  /** Total events in the host store (the webview renders windows of it). */
  total: number;
  counters: { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number; framesIn: number; framesOut: number; dropped: number };
  handshake?: HandshakeEvent;
  closeCode?: number;
  closeReason?: string;
  /** Who closed the connection (with closeCode). */
  closeInitiator?: 'client' | 'server';
  /** Whether both close frames were exchanged before TCP closed (with closeCode). */
  closeClean?: boolean;
  rttMs?: number;
  /** Last coded error (e.g. ECONNREFUSED, HANDSHAKE_FAILED). */
  error?: { code: string; message: string };
  /** The request the panel shows (literal secrets removed), to fill the request composer. */
  request?: RequestDraft;
  /** The transcript this connection is being recorded into, while it is. */
  recording?: { file: string; label: string };
}

/** The filter of a view: every given criterion must match. Text and regex match full payloads, host-side. */
export interface ViewFilter {
  /** 'messages' hides frame events, 'frames' hides message events, 'all' shows both. */
  mode: 'messages' | 'frames' | 'all';
  dirs?: Direction[];
  kinds?: EventKind[];
  text?: string;
  regex?: string;
  regexFlags?: string;
  /** Decoded messages of this protocol only (`any`: every decoded message). */
  protocol?: 'any' | DecodedBy;
  /** Decoded messages whose event, method, target, destination, topic or packet type contains this (any case). */
  operation?: string;
}

/** State of the panel's repeat-send job. */
export interface RepeatStatus {
  active: boolean;
  sent: number;
  /** Total to send, when bounded. */
  count?: number;
  everyMs?: number;
}

/** A message to send: exactly one of text or data. */
export interface OutgoingMessage {
  text?: string;
  data?: Uint8Array;
  /** Split into this many frames (1 = unfragmented). */
  fragments?: number;
  /** Substitute `{{variables}}` in text (default true). */
  substitute?: boolean;
}

const bytes = v.bytes({ max: 256 * 1024 * 1024 });
const str = (max = 8192) => v.string({ max });
const optBool = v.optional(v.boolean());
const optInt = (min = 0, max = 2 ** 31) => v.optional(v.number({ integer: true, min, max }));

const authV: Validator<AuthDef> = (x, p = '') => {
  const t = (x as { type?: unknown } | null)?.type;
  if (t === 'basic') return v.object({ type: v.literal('basic'), username: str(1024), password: str(4096) })(x, p);
  return v.object({ type: v.literal('bearer'), token: str(16384) })(x, p);
};
const optStr = (max = 8192) => v.optional(str(max));
const strMap = (max: number) => v.optional(v.record(str(max), { max: 500 }));

/** A RequestDraft (schemas/websocket-collection.schema.json, request without name and messages), bounded; the file write validates it against the schema. */
const requestDraftV: Validator<RequestDraft> = v.object({
  description: optStr(65536),
  url: str(8192),
  headers: strMap(16384),
  subprotocols: v.optional(v.array(str(256), { max: 32 })),
  origin: optStr(2048),
  auth: v.optional(authV),
  query: strMap(16384),
  tls: v.optional(v.object({
    rejectUnauthorized: optBool, ca: optStr(1 << 20), cert: optStr(1 << 20), key: optStr(1 << 20),
    caFile: optStr(4096), certFile: optStr(4096), keyFile: optStr(4096), pfxFile: optStr(4096), passphrase: optStr(4096),
  })),
  proxy: optStr(2048),
  noProxy: optStr(4096),
  deflate: optBool,
  reconnect: v.optional(v.object({
    enabled: v.boolean(), initialDelayMs: optInt(0, 3_600_000), maxDelayMs: optInt(0, 3_600_000), maxAttempts: optInt(0, 1_000_000),
    jitter: v.optional(v.number({ min: 0, max: 1 })), queue: optBool,
  })),
  keepAlive: v.optional(v.object({ pingIntervalMs: optInt(0, 3_600_000), autoPong: optBool })),
  handshakeTimeoutMs: optInt(0, 3_600_000),
  maxPayload: optInt(0, 2 ** 31),
  followRedirects: optBool,
  maxRedirects: optInt(0, 1000),
  variables: strMap(65536),
  protocol: v.optional(v.literal<ProtocolSetting>('auto', 'raw', ...PROTOCOLS)),
  // Each protocol's options are checked by the collection schema when the file is written.
  protocolOptions: v.optional(v.record(v.unknown(), { max: 64 })),
  // Codec rules (src/core/codecs/types.ts), also checked by the collection schema when the file is written.
  codecs: v.optional(v.array(v.record(v.unknown(), { max: 8 }), { max: 64 })),
}) as Validator<RequestDraft>;

const filterV: Validator<ViewFilter> = v.object({
  mode: v.literal('messages', 'frames', 'all'),
  dirs: v.optional(v.array(v.literal('in', 'out'), { max: 2 })),
  kinds: v.optional(v.array(v.literal('handshake', 'frame', 'message', 'state', 'close', 'error', 'rtt', 'info'), { max: 8 })),
  text: v.optional(str(4096)),
  regex: v.optional(str(4096)),
  regexFlags: v.optional((x, p = '') => {
    const s = v.string({ max: 8 })(x, p);
    if (!/^[imsu]*$/.test(s)) throw new Error(`${p}: only the flags i, m, s, u are allowed`);
    return s;
  }),
  ...protocolFilterFields,
}) as Validator<ViewFilter>;

const savedMessageV: Validator<SavedMessage> = v.object({
  name: v.string({ max: 256 }),
  kind: v.literal('text', 'json', 'binary', ...PROTOCOL_KINDS, ...CODEC_KINDS),
  fields: v.optional(v.record(v.unknown(), { max: 32 })),
  text: v.optional(v.string({ max: 16 * 1024 * 1024 })),
  hex: v.optional(v.string({ max: 16 * 1024 * 1024 })),
  base64: v.optional(v.string({ max: 16 * 1024 * 1024 })),
  description: v.optional(str(4096)),
}) as Validator<SavedMessage>;

const messageV: Validator<OutgoingMessage> = v.object({
  text: v.optional(v.string({ max: 64 * 1024 * 1024 })),
  data: v.optional(bytes),
  fragments: optInt(1, 10_000),
  substitute: optBool,
});

/** Webview → host requests. */
export const hostContract = {
  /** Ready handshake: returns the snapshot; events are held by the host until it completes. */
  ready: method<{ contractVersion: number }, Snapshot>(v.object({ contractVersion: v.number({ integer: true }) })),
  /** (Re)connect this panel with the composer's request (resolved like a saved one); a new Connection replaces a closed one. */
  connect: method<{ request: RequestDraft }, { connectionId: string }>(v.object({ request: requestDraftV })),
  /** Close the panel's connection with a code and reason (any code: invalid ones go out as raw frames, for testing servers). */
  disconnect: method<{ code?: number; reason?: string }, { code: number; reason: string }>(
    v.object({ code: optInt(0, 65535), reason: v.optional(str(1024)) }),
  ),
  /** Drop the TCP connection without a closing handshake. */
  terminate: method<Record<string, never>, void>(v.object({}) as Validator<Record<string, never>>),
  /** Send one data message. */
  send: method<OutgoingMessage, { sent: number }>(messageV),
  /** Send a message N times at once, or every T ms (count optional), until `stopRepeat`. */
  sendRepeat: method<{ message: OutgoingMessage; count?: number; everyMs?: number }, RepeatStatus>(
    v.object({ message: messageV, count: optInt(1, 1_000_000), everyMs: optInt(1, 86_400_000) }),
  ),
  /** Stop the repeat-send job. */
  stopRepeat: method<Record<string, never>, RepeatStatus>(v.object({}) as Validator<Record<string, never>>),
  /** Ping or pong with a payload (≤ 125 bytes, RFC 6455 §5.5). */
  control: method<{ type: 'ping' | 'pong'; payload?: Uint8Array }, void>(v.object({ type: v.literal('ping', 'pong'), payload: v.optional(v.bytes({ max: 125 })) })),
  /** Set the view's filter; returns the number of rows (the regex runs over full payloads in the host). */
  setView: method<{ filter: ViewFilter }, { total: number; ms: number; unfiltered?: number }>(v.object({ filter: filterV })),
  /** A window of view rows [from, to) (at most 2000); payloads trimmed to `previewBytes` (default 256). */
  getRows: method<{ from: number; to: number; previewBytes?: number }, { from: number; events: TimelineEvent[]; total: number }>(
    v.object({ from: v.number({ integer: true, min: 0 }), to: v.number({ integer: true, min: 0 }), previewBytes: optInt(0, 65536) }),
  ),
  /** The full payload of a frame or message event (read from disk when spilled). */
  readPayload: method<{ id: number }, { data: Uint8Array }>(v.object({ id: v.number({ integer: true, min: 0 }) })),
  /** Forget the timeline (the store keeps counting ids). */
  clear: method<Record<string, never>, void>(v.object({}) as Validator<Record<string, never>>),
  /** Export the timeline (NDJSON transcript or HAR) to a file the user picks, or the selected events to the clipboard. */
  export: method<{ format: 'ndjson' | 'har' | 'clipboard'; ids?: number[] }, SavedResult>(
    v.object({ format: v.literal('ndjson', 'har', 'clipboard'), ids: v.optional(v.array(v.number({ integer: true, min: 0 }), { max: 100_000 })) }),
  ),
  /** Save one event's payload to a file the user picks. */
  savePayload: method<{ id: number }, SavedResult>(v.object({ id: v.number({ integer: true, min: 0 }) })),
  /** Start (`on`) or stop recording the panel's connection into a transcript in the sessions folder. */
  record: method<{ on: boolean }, { recording: boolean; file?: string; label?: string }>(v.object({ on: v.boolean() })),
  /** Open a file this panel produced (an export, a recording): a transcript in a panel, anything else in an editor. */
  openResult: method<{ target: string }, void>(v.object({ target: v.string({ max: 8192 }) })),
  /** For a transcript panel: replay the transcript against its URL, or turn it into a mock in a collection. */
  transcriptAction: method<{ action: 'replay' | 'toMock' }, void>(v.object({ action: v.literal('replay', 'toMock') })),
  /** Put text on the clipboard (webviews cannot always reach it themselves). */
  copy: method<{ text: string }, void>(v.object({ text: v.string({ max: 64 * 1024 * 1024 }) })),
  /** Ask the user for a file to send as binary; resolves with its bytes (undefined if cancelled). */
  pickFile: method<Record<string, never>, { name: string; data: Uint8Array } | undefined>(v.object({}) as Validator<Record<string, never>>),
  /** Send one of the saved request's named messages (variables resolved host-side). */
  sendSaved: method<{ name: string }, { sent: number }>(v.object({ name: v.string({ max: 256 }) })),
  /** Add or replace (`previousName`) a named message of the saved request; writes the collection file atomically. */
  saveMessage: method<{ message: SavedMessage; previousName?: string }, SavedRequestInfo>(
    v.object({ message: savedMessageV, previousName: v.optional(v.string({ max: 256 })) }),
  ),
  /**
   * Save the request composer's request to the panel's saved request, or (`asNew`, or when the panel
   * has none) to a collection request the user picks. Refuses invalid files and literal secrets.
   */
  saveRequest: method<{ request: RequestDraft; asNew?: boolean }, { saved: boolean; source?: SavedRequestInfo }>(
    v.object({ request: requestDraftV, asNew: optBool }),
  ),
  /** Let the user pick a saved request and load it into the composer (the panel then shows its messages). */
  loadRequest: method<Record<string, never>, { request?: RequestDraft; source?: SavedRequestInfo }>(v.object({}) as Validator<Record<string, never>>),
  /** Persist UI state with the panel so it survives reload and hide/show. */
  saveViewState: method<{ state: Record<string, unknown> }, void>(v.object({ state: v.record(v.unknown(), { max: 200 }) })),
  ...protocolContract,
};

export type HostContract = typeof hostContract;

/** Host → webview events. */
export interface WebviewEvents extends Record<string, unknown> {
  /**
   * New events, batched (at most one post per ~16 ms whatever the traffic). `total` is the view's row
   * count; `tail` holds the view's newest rows (at most a screenful), starting at row `tailFrom`.
   */
  events: { connectionId: string; total: number; tailFrom: number; tail: TimelineEvent[]; storeTotal: number; reset?: boolean; unfiltered?: number };
  /** The connection's header data changed. */
  connection: ConnectionSummary;
  /** The repeat-send job changed. */
  repeat: RepeatStatus;
  /** The saved request (or its messages) changed. */
  source: SavedRequestInfo;
  /** Protocol facts of rows already posted changed (a pair completed, a request went unanswered). */
  protocolRows: { rows: Array<{ id: number; proto: RowProtocol }> };
}
