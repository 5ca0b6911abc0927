/**
 * Mock server definitions, as written in a collection file's `mocks` array. Mirrors
 * schemas/mock.schema.json (keep both in step). Pure types and defaults: no I/O here.
 */
import type { ProtocolSetting } from '../../protocols/types';

/** How a mock (or one of its endpoints) behaves; an endpoint's own field replaces the mock's. */
export interface MockBehaviour {
  subprotocols?: string[];
  /** Reject a client that offers none of `subprotocols` (HTTP 400) instead of accepting without one. */
  requireSubprotocol?: boolean;
  greeting?: MockMessage[];
  rules?: MockRule[];
  schedules?: MockSchedule[];
  faults?: MockFault[];
  /** Echo messages no rule matched. Default true. */
  echo?: boolean;
  /**
   * The application protocol the mock speaks (same names as requests). `raw` and `auto` (the
   * default) answer bytes; any other runs that protocol's server side (docs/mock-servers.md#protocol-mocks).
   */
  protocol?: ProtocolSetting;
  /** Settings of the protocol's server side (namespaces and auth, init timeout, hub path, heart-beats, credentials, …). */
  protocolOptions?: Record<string, unknown>;
}

/** One mock server: where it listens, who may connect, and how it behaves (the default for every endpoint). */
export interface MockDefinition extends MockBehaviour {
  /** Unique within the collection; shown in the tree, status bar and CLI `--name`. */
  name: string;
  description?: string;
  /** Address to bind. Default 127.0.0.1; anything else is exposed beyond this machine. */
  host?: string;
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
  /** Serve wss:// with the named PEM files, or a self-signed certificate generated for localhost. */
  tls?: MockTls;
  /** Extra browser origins allowed on top of the loopback ones; `"*"` allows any origin. */
  allowedOrigins?: string[];
  /** Check the Host header against the bound address (blocks DNS rebinding). Default true. */
  checkHost?: boolean;
  /** Extra Host values accepted when checkHost is on: `name` (e.g. from /etc/hosts) or `name:port` (a forwarded port); see gate.ts. */
  allowedHosts?: string[];
  /** Largest message accepted, in bytes (ws `maxPayload`). Default 16 MiB. */
  maxPayload?: number;
  /** Most fragments one message may have (ws `maxFragments`); more closes with 1008. Default 16384. */
  maxFragments?: number;
  /** Several paths on one port; when absent the mock answers on every path. */
  endpoints?: MockEndpoint[];
}

/** TLS: user-provided PEM files (paths relative to the collection file), or a generated self-signed pair. */
export type MockTls =
  | { certFile: string; keyFile: string; passphrase?: string }
  | { generate: true; hostnames?: string[] };

/** One routed path; unset fields inherit the mock-level ones. */
export interface MockEndpoint extends MockBehaviour {
  /** Request path without query: exact (`/chat`), or a prefix ending in `*` (`/rooms/*`). */
  path: string;
}

/** A message to send: text, JSON (serialised), binary as hex or base64. Strings are templates unless `literal`. */
export type MockMessage = string | { text: string; literal?: boolean } | { json: unknown } | { hex: string } | { base64: string } | MockProtocolMessage | MockCodecMessage;

/**
 * A binary message encoded from `data` by a payload codec (src/core/codecs): MessagePack, CBOR,
 * or Protobuf of `type` from the collection's `codecs` rules. Strings in `data` are templated.
 */
export interface MockCodecMessage {
  kind: 'msgpack' | 'cbor' | 'protobuf';
  data?: unknown;
  type?: string;
}

/**
 * A protocol message in a protocol mock's `respond`, `greeting` or schedule: the client's message
 * kinds (src/core/protocols/messages.ts, checked by parseMessageDef when the mock is validated).
 * Kept structural here so that this file stays free of Node types for the webview's build.
 */
export interface MockProtocolMessage {
  kind: 'socket.io' | 'graphql' | 'graphql-complete' | 'signalr' | 'stomp' | 'mqtt' | 'json-rpc';
  [field: string]: unknown;
}

/** A delay: fixed milliseconds, or a uniformly random range. */
export type MockDelay = number | { min: number; max: number };

/** Evaluated in order for each received message; the first whose `match` holds answers. */
export interface MockRule {
  name?: string;
  /** Every condition given must hold; absent matches every message. */
  match?: MockMatch;
  /** Messages sent back (templated). Absent or empty with no close: do nothing. */
  respond?: MockMessage[];
  delay?: MockDelay;
  /** Send `respond` to every client of the endpoint instead of only the sender. */
  broadcast?: boolean;
  /** Close after responding (code must be sendable, RFC 6455 §7.4). */
  close?: { code: number; reason?: string };
  /** Faults triggered by this rule (handshake faults do not apply here). */
  faults?: MockFault[];
  /**
   * Protocol mocks: the answer under the message's pairing key (Socket.IO ack arguments, JSON-RPC
   * result or `{"error":…}`, SignalR completion result or `{"error":…}`, GraphQL `next` payloads
   * then `complete`). Templated like `respond`.
   */
  reply?: unknown;
  /** Socket.IO: rooms the sender joins (templated), before `respond` is sent. */
  join?: string | string[];
  /** Socket.IO: rooms the sender leaves (templated). */
  leave?: string | string[];
  /** Socket.IO: `broadcast` goes to this room (templated) of the sender's namespace, the sender included. */
  room?: string;
}

/** Conditions on a received message and its connection. */
export interface MockMatch {
  /** The text message equals this exactly. */
  text?: string;
  /** The text message matches this regular expression; captures feed `{{1}}`, `{{name}}`. */
  regex?: string;
  /** Regex flags (e.g. `i`, `s`, `u`). */
  flags?: string;
  /** The message parses as JSON and the value at `path` (dots, `[0]`) equals / exists. */
  json?: { path: string; equals?: unknown; exists?: boolean };
  /** Binary message (or text bytes) starting with these bytes, in hex. */
  binaryPrefix?: string;
  /** Only binary (true) or only text (false) messages. */
  binary?: boolean;
  /** Connection path: exact, or prefix ending in `*`. */
  path?: string;
  /**
   * Connection query parameters: each must equal (`"*"`: be present). On a `graphql-ws` mock,
   * the GraphQL document instead: a string it contains, or `{"regex":…,"flags"?:…}`.
   */
  query?: Record<string, string> | string;
  /** 1-based index of this message on its connection: exact, or a range / period. */
  count?: number | { min?: number; max?: number; every?: number };
  // Protocol mocks: decoded fields (docs/mock-servers.md#protocol-mocks). `regex`, `text` and
  // `json` then apply to the decoded payload (Socket.IO: the arguments array).
  /** Socket.IO event name. */
  event?: string;
  /** Socket.IO namespace (default: any). */
  namespace?: string;
  /** GraphQL operationName. */
  operationName?: string;
  /** SignalR hub method (invocation target). */
  target?: string;
  /** STOMP frame command (SEND, SUBSCRIBE, …). */
  command?: string;
  /** STOMP destination: exact, or a prefix ending in `*`. */
  destination?: string;
  /** MQTT topic filter (`+` and `#` wildcards) the PUBLISH topic must match. */
  topic?: string;
  /** JSON-RPC method. */
  method?: string;
  /** The decoded packet type (`EVENT`, `subscribe`, `Invocation`, `SEND`, `PUBLISH`, `request`, `notification`). */
  type?: string;
}

/** Push messages periodically: to each client (from its connect) or broadcast (from server start). */
export interface MockSchedule {
  name?: string;
  everyMs: number;
  messages: MockMessage[];
  broadcast?: boolean;
  /** Stop after this many sends (per client, or in total when broadcasting). */
  count?: number;
  /** First send after this many ms instead of `everyMs`. */
  initialDelayMs?: number;
}

/** Malformed frame kinds the mock can write raw onto the socket. */
export type MalformedKind = 'reservedOpcode' | 'rsv' | 'invalidUtf8' | 'oversizeControl' | 'maskedServerFrame';

/** Fault injection. Mock-level faults apply to every connection; rule-level ones when the rule fires. */
export type MockFault =
  /** Accept, then destroy the TCP socket without a close frame. */
  | { type: 'drop'; afterMs?: number }
  /** Close with this code (any code, even ones not valid on the wire). */
  | { type: 'close'; code: number; reason?: string; afterMs?: number }
  /** Hold the handshake this long before answering (mock level only). */
  | { type: 'handshakeDelay'; ms: number }
  /** Refuse the upgrade with this HTTP status and body (mock level only). */
  | { type: 'refuse'; status: number; body?: string; headers?: Record<string, string> }
  /** Split each outgoing message into this many frames. */
  | { type: 'fragment'; frames: number }
  /** Write one malformed frame raw onto the socket. */
  | { type: 'malformed'; kind: MalformedKind; afterMs?: number }
  /** Stop answering pings. */
  | { type: 'noPong' }
  /** Read slowly: stop reading this long after each chunk read from the socket (TCP backpressure). */
  | { type: 'slowRead'; pauseMs: number }
  /** Protocol mocks: do not send the reply (ack, completion, result, receipt). */
  | { type: 'dropReply' }
  /** Protocol mocks: send one packet that does not parse as the protocol. */
  | { type: 'malformedPacket'; afterMs?: number }
  /** Protocol mocks: stop the protocol's heartbeats (Engine.IO pings, GraphQL pongs, SignalR pings, STOMP heart-beats, MQTT PINGRESP). */
  | { type: 'noHeartbeat' };

/** The fault `type` values. */
export type MockFaultType = MockFault['type'];

/** Default bind address: loopback only. */
export const DEFAULT_MOCK_HOST = '127.0.0.1';
/** Default maxPayload: 16 MiB. */
export const DEFAULT_MOCK_MAX_PAYLOAD = 16 * 1024 * 1024;

/** Resolved behaviour of one endpoint (mock-level defaults applied). */
export interface ResolvedEndpoint {
  path: string;
  subprotocols: string[];
  requireSubprotocol: boolean;
  greeting: MockMessage[];
  rules: MockRule[];
  schedules: MockSchedule[];
  faults: MockFault[];
  echo: boolean;
  protocol: ProtocolSetting;
  protocolOptions: Record<string, unknown>;
}

/** The endpoints a definition serves, with inheritance applied. Without `endpoints`: one on `*`. */
export function resolveEndpoints(def: MockDefinition): ResolvedEndpoint[] {
  const base = {
    subprotocols: def.subprotocols ?? [],
    requireSubprotocol: def.requireSubprotocol ?? false,
    greeting: def.greeting ?? [],
    rules: def.rules ?? [],
    schedules: def.schedules ?? [],
    faults: def.faults ?? [],
    echo: def.echo ?? true,
    protocol: def.protocol ?? 'auto',
    protocolOptions: def.protocolOptions ?? {},
  };
  if (!def.endpoints || def.endpoints.length === 0) return [{ path: '*', ...base }];
  return def.endpoints.map((e) => ({
    path: e.path,
    subprotocols: e.subprotocols ?? base.subprotocols,
    requireSubprotocol: e.requireSubprotocol ?? base.requireSubprotocol,
    greeting: e.greeting ?? base.greeting,
    rules: e.rules ?? base.rules,
    schedules: e.schedules ?? base.schedules,
    faults: e.faults ?? base.faults,
    echo: e.echo ?? base.echo,
    protocol: e.protocol ?? base.protocol,
    protocolOptions: e.protocolOptions ?? base.protocolOptions,
  }));
}

/** Whether a request path (no query) matches a pattern: `*`, exact, or prefix ending in `*`. */
export function pathMatches(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}
