/**
 * The socket engine as one lazily loaded unit (see loadEngine in src/core/lazy.ts): the client
 * Connection and the MockServer, with `ws` and the wire stack under them. The shipped extension
 * bundles it as dist/chunks/engine.js, so activation neither parses nor runs it: the first
 * connection, transcript or mock loads it. Connection ids come from this module's counter, so every
 * Connection of the extension is made here (through loadEngine), never from another copy.
 */
export { Connection } from './engine/connection';
export { MockServer } from './engine/mock/mockServer';
export { TimelineStore } from './engine/timelineStore';
