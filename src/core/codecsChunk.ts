/**
 * The codecs layer (MessagePack, CBOR, Protobuf: encoding, decoding, `.proto` loading) as one lazily
 * loaded unit (see loadCodecLayer in src/core/lazy.ts). The shipped extension bundles it as
 * dist/chunks/codecs.js, so activation neither parses nor runs it; its libraries are chunks of their own.
 */
export { loadCodecs } from './codecs/bindings';
export { codecPayload, encodeCodecMessage } from './codecs/encode';
export { codecDiagnostics, describeCodecProblem, loadRequestCodecs } from './codecs/collection';
export { loadProtoFiles } from './codecs/protobuf';
