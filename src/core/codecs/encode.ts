/**
 * One encode function for codec message kinds (`{"kind":"msgpack"|"cbor","data":…}`,
 * `{"kind":"protobuf","type":"feed.Envelope","data":…}`), shared by the client (files, CLI
 * `--message`, the panel's composer) and the mock's `respond`.
 */
import { renderJson, type TemplateValues } from '../collections/template';
import { CodedError } from '../errors';
import type { CodecSet } from './bindings';
import { encodeCbor } from './cbor';
import { encodeMsgpack } from './msgpack';
import type { ProtoSchemas } from './protobuf';
import type { CodecMessage } from './types';

export { CodecMessageError, parseCodecMessage } from './message';

/**
 * The bytes of a codec message definition from a file or the panel: `{{references}}` in its
 * strings replaced, then encoded; protobuf types from the loaded `codecs` rules.
 */
export function codecPayload(m: { kind: CodecMessage['kind']; data?: unknown; type?: string; name?: string }, resolved: TemplateValues, codecs?: CodecSet): Uint8Array {
  const data = JSON.parse(renderJson(m.data ?? null, resolved).text) as unknown;
  const msg = (m.kind === 'protobuf' ? { kind: 'protobuf', type: m.type ?? '', data } : { kind: m.kind, data }) as CodecMessage;
  try {
    return encodeCodecMessage(msg, msg.kind === 'protobuf' ? codecs?.schemasFor(msg.type) : undefined);
  } catch (e) {
    if (e instanceof CodedError && m.name !== undefined) throw new CodedError(e.code, `message "${m.name}": ${e.message}`, { cause: e });
    throw e;
  }
}

/** The bytes of a codec message; protobuf needs the schemas holding its type. */
export function encodeCodecMessage(m: CodecMessage, schemas?: ProtoSchemas): Uint8Array {
  try {
    switch (m.kind) {
      case 'msgpack':
        return encodeMsgpack(m.data ?? null);
      case 'cbor':
        return encodeCbor(m.data ?? null);
      case 'protobuf':
        if (!schemas) throw new CodedError('WSWB_CODEC_NO_SCHEMA', `a protobuf message of type ${m.type} needs a .proto: a "codecs" rule with "proto" in the collection (or request), or "proto" in the message`);
        return schemas.encode(m.type, m.data ?? {});
    }
  } catch (e) {
    if (e instanceof CodedError) throw e;
    throw new CodedError('WSWB_CODEC_ENCODE', `cannot encode ${m.kind} data: ${(e as Error).message}`, { cause: e });
  }
}
