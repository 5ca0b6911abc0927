/**
 * The protocol layer as the extension host loads it on first use (src/core/lazy.ts): the session
 * (decoders, pairing, drivers) and what the panel reads of decoded packets. Bundled as its own chunk
 * (dist/chunks/protocol-layer.js, scripts/build.mjs), so activation neither parses nor runs it.
 */
export { ProtocolSession } from './connectionSession';
export { publicDecoded } from './monitor';
