/** The connection engine: client connections on the wire stack, their timeline store, and a manager. */
export * from './events';
export * from './timelineStore';
export * from './connection';
export * from './connectionManager';
export { resolveProxy, bypassed } from './proxy';
export { tapSocket, isTapped } from './wireTap';
