/**
 * The protocol layer's shapes: a decoded packet (what the timeline, the CLI's NDJSON `decoded` field
 * and the pairing table see), the codec interface one application protocol implements, and the
 * names of the protocols. Pure: no vscode, no DOM.
 */
import type { CodecName } from '../codecs/types';

/** Application protocols spoken over WebSocket that the workbench decodes. */
export type ProtocolName = 'socket.io' | 'graphql-ws' | 'signalr' | 'stomp' | 'mqtt' | 'json-rpc';

/** A request's `protocol` setting: `auto` decodes what it recognises and speaks nothing; `raw` decodes nothing. */
export type ProtocolSetting = 'auto' | 'raw' | ProtocolName;

/** Every protocol name, in the order the docs list them. */
export const PROTOCOLS: readonly ProtocolName[] = ['socket.io', 'graphql-ws', 'signalr', 'stomp', 'mqtt', 'json-rpc'];

/** Whether a string is a valid `protocol` setting. */
export function isProtocolSetting(s: string): s is ProtocolSetting {
  return s === 'auto' || s === 'raw' || (PROTOCOLS as readonly string[]).includes(s);
}

/**
 * What a packet is in a request ↔ reply pair (the pairing table reads it with `key`):
 * `request` opens a pair; `reply` answers it and ends it; `partial` answers it and keeps it open
 * (GraphQL `next`, SignalR stream items, STOMP MESSAGE of a subscription, MQTT PUBREC).
 */
export type PairRole = 'request' | 'reply' | 'partial';

/**
 * One decoded protocol packet. Protocol fields sit beside the common ones, named as in
 * docs/cli-ndjson.md (Socket.IO: namespace, event, args, ackId; GraphQL: id, payload; SignalR:
 * invocationId, target, arguments, result, error; STOMP: command, headers, body; MQTT: packet,
 * packetId, topic, qos, payload; JSON-RPC: id, method, params, result, error). Values are plain
 * JSON: bytes appear as `{"$binary":"<base64>"}`.
 */
export interface Decoded {
  /** The application protocol, or the payload codec (src/core/codecs) for binary payloads bound by `codecs` rules. */
  protocol: ProtocolName | CodecName;
  /** The protocol's own name for the packet type (`EVENT`, `next`, `Invocation`, `MESSAGE`, `PUBLISH`, `request`). */
  type: string;
  /** One line for a timeline row. */
  summary: string;
  /** Pairing key (ack id, operation id, invocation id, receipt, packet id, JSON-RPC id), as a string. */
  key?: string;
  /** How this packet takes part in a pair; absent when it takes part in none. */
  role?: PairRole;
  /** Several packets in one WebSocket message (JSON-RPC batch, SignalR records, STOMP frames, MQTT packets). */
  items?: Decoded[];
  /** The message does not parse as this protocol (text of the problem). */
  invalid?: string;
  [field: string]: unknown;
}

/** A WebSocket data message as the codecs see it. */
export interface WireMessage {
  binary: boolean;
  data: Uint8Array;
}

/** Direction seen from the client: `out` = sent by us. */
export type Dir = 'in' | 'out';

/** Decodes one connection's messages for one protocol; may keep state (attachments, stream buffers). */
export interface ProtocolDecoder {
  readonly protocol: ProtocolName;
  /** Decodes one message; undefined when there is nothing to show (e.g. not this protocol at all). */
  decode(msg: WireMessage, dir: Dir): Decoded | undefined;
}

/** Bytes as the JSON form used in decoded packets and message definitions. */
export interface BinaryJson {
  $binary: string;
}

// Message definitions with a protocol `kind` (parsed and checked by messages.ts). Here, with the
// other shapes, so the webview can type them without the codecs' Node dependencies.

/** `{"kind":"socket.io","event":"chat","args":["hi"],"ack":true,"namespace":"/"}`; binary args as `{"$binary":"…"}`. */
export interface SocketIoMessage { kind: 'socket.io'; event: string; args?: unknown[]; ack?: boolean; namespace?: string }
/** A GraphQL operation (subscribe); `name` is the operation id `graphql-complete` refers to. */
export interface GraphqlMessage { kind: 'graphql'; query: string; variables?: Record<string, unknown>; operationName?: string; name?: string }
/** Completes (cancels) the operation started by the graphql message named `of`. */
export interface GraphqlCompleteMessage { kind: 'graphql-complete'; of: string }
/** A SignalR hub invocation. */
export interface SignalrMessage { kind: 'signalr'; target: string; arguments?: unknown[]; invocation?: 'invoke' | 'send' | 'stream' }
/** A STOMP frame. */
export interface StompMessage { kind: 'stomp'; command: string; headers?: Record<string, string>; body?: string }
/** An MQTT packet. */
export interface MqttMessage { kind: 'mqtt'; packet: 'publish' | 'subscribe' | 'unsubscribe'; topic: string; payload?: unknown; qos?: 0 | 1 | 2; retain?: boolean }
/** A JSON-RPC request (id assigned by the client) or notification. */
export interface JsonRpcMessage { kind: 'json-rpc'; method: string; params?: unknown[] | Record<string, unknown>; notification?: boolean }

/** Every protocol message definition. */
export type ProtocolMessage = SocketIoMessage | GraphqlMessage | GraphqlCompleteMessage | SignalrMessage | StompMessage | MqttMessage | JsonRpcMessage;

/** The protocol a message kind belongs to. */
export const KIND_PROTOCOL: Record<ProtocolMessage['kind'], ProtocolName> = {
  'socket.io': 'socket.io', graphql: 'graphql-ws', 'graphql-complete': 'graphql-ws', signalr: 'signalr', stomp: 'stomp', mqtt: 'mqtt', 'json-rpc': 'json-rpc',
};
