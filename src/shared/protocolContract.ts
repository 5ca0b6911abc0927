/**
 * The protocol part of the host ↔ webview contract (issue 13): what a timeline row carries about its
 * decoded packet, the detail of one packet, the latency table, and sending a protocol message.
 * Spread into `hostContract` (contract.ts). Pure: shared by both bundles.
 */
import { method } from './rpc';
import { v, type Validator } from './validate';
import type { ProtocolName } from '../core/protocols/types';
import type { CodecName } from '../core/codecs/types';

export type { ProtocolName };

/** What decoded a row: an application protocol, or a payload codec (`codecs` rules: msgpack, cbor, protobuf). */
export type DecodedBy = ProtocolName | CodecName;

/** Compact protocol facts of one timeline row (kept short: rows come 60 times a second). */
export interface RowProtocol {
  protocol: DecodedBy;
  /** The protocol's packet type (`EVENT`, `next`, `Invocation`, `MESSAGE`, `PUBLISH`, `request`). */
  type: string;
  /** One line, at most ROW_SUMMARY_MAX characters. */
  summary: string;
  /** Event, method, target, destination or topic, when the packet names one. */
  name?: string;
  /** This row's pair: the other event's id and the latency; `request` says which side this row is. */
  pair?: { peer: number; latencyMs: number; request: boolean };
  /** A request that got no reply within the timeout (or before the connection ended). */
  unanswered?: { afterMs: number; closed?: boolean };
}

/** Summaries longer than this are cut for rows (the detail pane has the whole packet). */
export const ROW_SUMMARY_MAX = 200;

/** The decoded packet of one event, for the detail pane's tree. */
export interface ProtocolDetail {
  /** The decoded packet as plain JSON (fields as in docs/cli-ndjson.md). */
  decoded: Record<string, unknown>;
  row: RowProtocol;
  /** The view row of the paired event, when it is in the current view. */
  peerRow?: number;
}

/** One line of the latency table: per protocol and operation (event, method, target, destination, topic). */
export interface LatencyRow {
  protocol: DecodedBy;
  name: string;
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** Requests of this operation left unanswered. */
  unanswered: number;
}

/** The protocol message kinds (src/core/protocols/messages.ts; not imported here: its module uses Node's Buffer). */
export const PROTOCOL_KINDS = ['socket.io', 'graphql', 'graphql-complete', 'signalr', 'stomp', 'mqtt', 'json-rpc'] as const;

/**
 * A protocol message as it crosses the contract: a `kind` and the fields of that kind, named as in
 * collection files and the CLI's `--message` (ProtocolMessage in src/core/protocols/messages.ts).
 */
export type ProtocolMessage = { kind: (typeof PROTOCOL_KINDS)[number] } & Record<string, unknown>;

/** A protocol message from the webview: an object with a known `kind` here; the host checks its fields with the core's parseMessageDef. */
const protocolMessageV: Validator<ProtocolMessage> = (x, p = '') => {
  const o = v.record(v.unknown(), { max: 16 })(x, p);
  v.literal(...PROTOCOL_KINDS)(o.kind, `${p}.kind`);
  return o as unknown as ProtocolMessage;
};

/** The codec message kinds the composer sends (src/core/codecs/types.ts CodecMessage). */
export const CODEC_KINDS = ['msgpack', 'cbor', 'protobuf'] as const;

/** A codec message from the composer: `data` as a JSON tree (docs/collection-format.md, Codecs); `type` for protobuf. */
export interface CodecComposerMessage {
  kind: (typeof CODEC_KINDS)[number];
  type?: string;
  data: unknown;
}

const codecMessageV: Validator<CodecComposerMessage> = (x, p = '') => {
  const o = v.record(v.unknown(), { max: 4 })(x, p);
  v.literal(...CODEC_KINDS)(o.kind, `${p}.kind`);
  if (o.type !== undefined) v.string({ max: 1024 })(o.type, `${p}.type`);
  return o as unknown as CodecComposerMessage;
};

/** Webview → host requests of the protocol layer. */
export const protocolContract = {
  /** The decoded packet of an event (undefined when it was not decoded or is no longer kept). */
  protocolDetail: method<{ id: number }, ProtocolDetail | undefined>(v.object({ id: v.number({ integer: true, min: 0 }) })),
  /** The latency table: one row per protocol operation seen in a pair. */
  protocolStats: method<Record<string, never>, { rows: LatencyRow[]; unanswered: number }>(v.object({}) as Validator<Record<string, never>>),
  /** The view row of an event (to jump to a pair's other side); -1 when the view does not show it. */
  rowOfEvent: method<{ id: number }, { row: number }>(v.object({ id: v.number({ integer: true, min: 0 }) })),
  /** Send a protocol message through the connection's session (it adds separators, terminators and ids). */
  sendProtocol: method<{ message: ProtocolMessage }, { sent: true }>(v.object({ message: protocolMessageV })),
  /** Send a codec message: `data` encoded (protobuf: with the type from the request's and collection's codecs rules) as one binary message. */
  sendCodec: method<{ message: CodecComposerMessage }, { sent: number }>(v.object({ message: codecMessageV })),
  /** The Protobuf message types of the `.proto` files bound by the connection's codecs rules (for the composer's type list). */
  codecTypes: method<Record<string, never>, { types: string[] }>(v.object({}) as Validator<Record<string, never>>),
};

/** Protocol criteria of a view filter (ViewFilter's `protocol` and `operation`). */
export const protocolFilterFields = {
  /** A protocol name, or `any` for every decoded message. */
  protocol: v.optional(v.literal('any', 'socket.io', 'graphql-ws', 'signalr', 'stomp', 'mqtt', 'json-rpc', 'msgpack', 'cbor', 'protobuf')),
  /** Matches the event, method, target, destination or topic (case-insensitive substring), or the packet type. */
  operation: v.optional(v.string({ max: 1024 })),
};
