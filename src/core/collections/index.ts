/** Collections, variables and secrets, transcripts, HAR and command-line export: the pure core. */
export * from './types';
export * from './parse';
export * from './edit';
export * from './fsio';
export * from './variables';
export * from './expect';
export * from './transcript';
export * from './har';
export * from './commandLine';
export * from './replay';
export { collectionValidator, collectionSchemaJson, COLLECTION_SCHEMA_ID, MOCK_SCHEMA_ID } from './schema';
export * from './template';
export * from './secretMask';
