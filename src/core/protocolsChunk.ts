/**
 * The protocol layer as one lazily loaded unit (see loadProtocols in src/core/lazy.ts): client
 * sessions with their decoders and encoders, and the mock's protocol endpoints. The shipped
 * extension bundles it as dist/chunks/protocols.js, so activation neither parses nor runs it.
 * Only what callers outside src/core/protocols reach through loadProtocols() is listed here.
 */
export { ProtocolSession } from './protocols/connectionSession';
export { publicDecoded } from './protocols/monitor';
export { createProtocolEndpoint } from './engine/mock/protocols';
export { protocolRecordingToMock, recognise } from './engine/mock/protocols/record';
