/**
 * The JSON Schemas of collections and mock definitions, loaded with ajv on first validation (see
 * loadSchemas in src/core/lazy.ts); the shipped extension bundles them as dist/chunks/schemas.js.
 */
export { default as collectionSchema } from '../../schemas/websocket-collection.schema.json';
export { default as mockSchema } from '../../schemas/mock.schema.json';
