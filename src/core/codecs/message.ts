/**
 * The shape check of a codec message definition (`{"kind":"protobuf","type":…,"data":…}`), apart
 * from encoding: collection and mock validation use it at parse time, and must not pull the
 * codecs (they are a lazy chunk, src/core/lazy.ts) into the extension's activation.
 */
import { CodedError } from '../errors';
import type { CodecMessage } from './types';
import { isObject } from '../protocols/util';

/** A codec message definition that does not have the right shape. */
export class CodecMessageError extends CodedError {
  constructor(message: string) {
    super('WSWB_CODEC_MESSAGE', message);
  }
}

/** Checks a parsed JSON value is a codec message definition (`kind` already one of the codec kinds). */
export function parseCodecMessage(v: Record<string, unknown>): CodecMessage {
  const allowed = v.kind === 'protobuf' ? ['kind', 'type', 'data'] : ['kind', 'data'];
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new CodecMessageError(`unknown field "${k}" for kind "${String(v.kind)}" (allowed: ${allowed.slice(1).join(', ')})`);
  if (v.kind === 'protobuf') {
    if (typeof v.type !== 'string' || !v.type) throw new CodecMessageError('"type" (the message type, e.g. "feed.Envelope") is required for kind "protobuf"');
    if (v.data !== undefined && !isObject(v.data)) throw new CodecMessageError('"data" of a protobuf message must be an object');
  }
  return v as unknown as CodecMessage;
}
