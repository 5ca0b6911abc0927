/**
 * Collection files (`*.websocket.json`, `"version": 1`): the TypeScript mirror of
 * schemas/websocket-collection.schema.json. Documented for users in docs/collection-format.md.
 * Pure: no vscode, no DOM.
 */
import type { CodecMessage, CodecRule } from '../codecs/types';
import type { MockDefinition } from '../engine/mock/definition';
import { CodedError } from '../errors';
import type { ProtocolMessage } from '../protocols/types';
import type { ProtocolSetting } from '../protocols/types';
import type { ScenarioDef } from './scenario';

/** Variables: name → value. Values may themselves contain `{{references}}`. */
export type VariableMap = Record<string, string>;

/** Credentials sent with the upgrade request. Use `{{secret:name}}` for the sensitive values. */
export type AuthDef =
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string };

/** TLS options for `wss://`. PEM text inline, or a path relative to the collection file. */
export interface TlsDef {
  rejectUnauthorized?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  pfxFile?: string;
  passphrase?: string;
}

/** Automatic reconnection after an unexpected close. */
export interface ReconnectDef {
  enabled: boolean;
  initialDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  jitter?: number;
  /** Queue messages sent while reconnecting and flush them on reopen. */
  queue?: boolean;
}

/** Keep-alive: periodic pings, and whether pings from the peer are answered automatically. */
export interface KeepAliveDef {
  pingIntervalMs?: number;
  autoPong?: boolean;
}

/**
 * One expectation on a reply received after a message is sent: at most one of `regex` / `jsonPath` /
 * `shape`, with or without the protocol terms (`event`, `ack`, `type`, `count`); at least one of all
 * these. On a decoded reply, `jsonPath` and `shape` look into the decoded payload (expect.ts
 * `decodedPayload`).
 */
export interface ExpectRule {
  description?: string;
  /** JavaScript regular expression tested against the reply text. */
  regex?: string;
  /** Regex flags (`i`, `m`, `s`, `u`). */
  flags?: string;
  /** JSON path (`$.a.b[0]['c']`) into the reply parsed as JSON. */
  jsonPath?: string;
  /** With `jsonPath`: the value found must deep-equal this. */
  equals?: unknown;
  /** With `jsonPath`: the path must (true, default) or must not (false) exist. */
  exists?: boolean;
  /** The reply parses as JSON and each path exists with this JSON type (what a recorded reply looked like). */
  shape?: Record<string, JsonType>;
  /** Socket.IO: the reply is an event of this name. */
  event?: string;
  /** The reply is this message's ack / response / completion (the pairing table's reply to its key). */
  ack?: boolean;
  /** The decoded packet type: `next`, `MESSAGE`, `Completion`, `PUBLISH`, `EVENT`, `result`, … */
  type?: string;
  /** Wait for this many matching replies (subscriptions), default 1. */
  count?: number;
  /** How long to wait for a matching reply, default 5000 ms. */
  timeoutMs?: number;
}

/** JSON value types, as `shape` rules name them. */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/**
 * Kind of a plain message: decides how `data` / `hex` / `base64` become bytes. `msgpack`, `cbor`
 * and `protobuf` encode `data` (a JSON tree, src/core/codecs/tree.ts) and send it as binary.
 */
export type MessageKind = 'text' | 'json' | 'binary' | CodecMessage['kind'];

/** Every message kind: the plain ones and one per protocol (src/core/protocols/messages.ts). */
export type AnyMessageKind = MessageKind | ProtocolMessage['kind'];

/** The payload of a plain (text, JSON or binary) message. */
export interface PayloadMessage {
  kind: MessageKind;
  /** text: a string; json: any JSON value (sent serialized). */
  data?: unknown;
  /** binary: payload as hex digits (spaces allowed). */
  hex?: string;
  /** binary: payload as base64. */
  base64?: string;
  /** protobuf: the message type (`feed.Envelope`), defined in a `.proto` of the `codecs` rules. */
  type?: string;
}

/** What every named message has, whatever its kind. */
export interface MessageCommon {
  name: string;
  description?: string;
  /** Replies to wait for after sending this message (`websocket-workbench run`). */
  expect?: ExpectRule[];
}

/**
 * A named message saved with a request: a plain payload, or a protocol message with the fields of
 * the CLI's `--message` (a `graphql` message's operation id is its name, which `graphql-complete`
 * names in `of`). Protocol kinds need the request's `protocol` set to their protocol.
 */
export type MessageDef = MessageCommon & (PayloadMessage | ProtocolMessage);

/** Whether a message (named or inline) is a protocol message. */
export function isProtocolMessage<T extends { kind: string }>(m: T): m is T & ProtocolMessage {
  return !PLAIN_KINDS.has(m.kind);
}

const PLAIN_KINDS: ReadonlySet<string> = new Set<MessageKind>(['text', 'json', 'binary', 'msgpack', 'cbor', 'protobuf']);

/** A saved WebSocket request. */
export interface RequestDef {
  name: string;
  description?: string;
  /** `ws://` or `wss://` URL, may contain `{{variables}}`. */
  url: string;
  headers?: Record<string, string>;
  subprotocols?: string[];
  origin?: string;
  auth?: AuthDef;
  query?: Record<string, string>;
  tls?: TlsDef;
  /** Proxy URL, `env` (HTTPS_PROXY/HTTP_PROXY/NO_PROXY, default) or `none`. */
  proxy?: string;
  noProxy?: string;
  deflate?: boolean;
  reconnect?: ReconnectDef;
  keepAlive?: KeepAliveDef;
  handshakeTimeoutMs?: number;
  maxPayload?: number;
  followRedirects?: boolean;
  maxRedirects?: number;
  /** Request-level variables (highest precedence). */
  variables?: VariableMap;
  /**
   * Application protocol: `auto` (default) decodes what it recognises and speaks nothing, `raw`
   * decodes nothing, a protocol name decodes, pairs and speaks it (handshake, heartbeats, acks).
   */
  protocol?: ProtocolSetting;
  /**
   * The protocol's settings, as `connect --protocol-options` takes them (namespace and auth,
   * connectionParams, STOMP login, MQTT clientId…; src/core/protocols/session.ts). Strings may hold
   * `{{variables}}` and `{{secret:…}}`.
   */
  protocolOptions?: Record<string, unknown>;
  /** Binary payload codecs for this request, tried before the collection's (docs/collection-format.md#codecs). */
  codecs?: CodecRule[];
  messages?: MessageDef[];
}

/**
 * What the panel's request composer edits and saves: the request without its name (the panel's
 * saved request names it) and without its named messages (edited one by one). Every other field of
 * RequestDef is here by construction, so a field added to the schema reaches the panel unmapped.
 */
export type RequestDraft = Omit<RequestDef, 'name' | 'messages'>;

/** A mock server definition: schemas/mock.schema.json, typed by the mock engine. */
export type MockRef = MockDefinition;

/** A whole collection file. */
export interface Collection {
  $schema?: string;
  version: 1;
  name: string;
  description?: string;
  variables?: VariableMap;
  /** Named variable sets; one is active at a time. */
  environments?: Record<string, VariableMap>;
  requests?: RequestDef[];
  mocks?: MockRef[];
  /** Multi-connection flows run as tests (src/core/collections/scenario.ts). */
  scenarios?: ScenarioDef[];
  /** Binary payload codecs for every request (after each request's own rules). */
  codecs?: CodecRule[];
}

/** A problem found in a file, with a 1-based position. */
export interface CollectionDiagnostic {
  /** Machine code (docs/error-codes.md, section Collections). */
  code: string;
  file: string;
  line: number;
  column: number;
  /** Offset and length in the text, for editors. */
  offset: number;
  length: number;
  message: string;
  /** JSON path of the offending value, e.g. `/requests/0/url`. */
  path: string;
}

/** Outcome of parsing a collection: never throws. */
export interface ParseResult {
  ok: boolean;
  collection?: Collection;
  errors: CollectionDiagnostic[];
}

/** A coded error thrown by collection helpers (resolution, writes). */
export class CollectionError extends CodedError {
  declare readonly details?: Record<string, unknown>;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
  }
}
