/**
 * Binary payload codecs and the rules that bind them to connections (`codecs` in collection files,
 * at collection or request level). Pure: no vscode, no DOM.
 */

/** Payload codecs. */
export type CodecName = 'msgpack' | 'cbor' | 'protobuf';

/** Every codec name. */
export const CODECS: readonly CodecName[] = ['msgpack', 'cbor', 'protobuf'];

/** Which messages a rule applies to; every given term must hold (none: every binary message). */
export interface CodecMatch {
  /** The negotiated sub-protocol, exactly. */
  subprotocol?: string;
  /** The URL path, exactly (`/feed`), or a prefix when it ends in `*` (`/feed/*`). */
  path?: string;
  /** The message's first bytes, as hex digits (spaces allowed). */
  prefixHex?: string;
  /** Only messages sent (`out`) or received (`in`). */
  direction?: 'in' | 'out';
}

/** `{"match":{…},"codec":"protobuf","proto":"protos/feed.proto","type":"feed.Envelope"}`. */
export interface CodecRule {
  match?: CodecMatch;
  codec: CodecName;
  /** protobuf: `.proto` file(s), relative to the collection file. Without one, messages are decoded raw (field numbers and wire types). */
  proto?: string | string[];
  /** protobuf: the message type (full name with its package). Without one, raw decoding. */
  type?: string;
}

/** Message definitions that send an encoded payload (a binary message). */
export type CodecMessage =
  | { kind: 'msgpack'; data?: unknown }
  | { kind: 'cbor'; data?: unknown }
  | { kind: 'protobuf'; type: string; data?: unknown };

/** Whether a message kind is a codec kind. */
export function isCodecKind(kind: unknown): kind is CodecMessage['kind'] {
  return kind === 'msgpack' || kind === 'cbor' || kind === 'protobuf';
}
