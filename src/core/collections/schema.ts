/**
 * The collection JSON Schema, compiled once with ajv. Both schema files are loaded with it
 * (loadSchemas); items of `mocks` follow the mock server's own schema (schemas/mock.schema.json).
 */
import { loadAjv, loadSchemas } from '../lazy';
import { compilePattern } from '../pattern';
import type { ErrorObject, ValidateFunction } from 'ajv';

/** Base URI the schemas are registered under, so `./mock.schema.json` resolves. */
export const SCHEMA_BASE = 'https://websocket-workbench.invalid/schemas/';
export const COLLECTION_SCHEMA_ID = SCHEMA_BASE + 'websocket-collection.schema.json';
export const MOCK_SCHEMA_ID = SCHEMA_BASE + 'mock.schema.json';

/** Drops `$id`/`$schema` so the schema registers under the URI we choose. */
function withoutIds(s: Record<string, unknown>): Record<string, unknown> {
  const { $id: _id, $schema: _schema, id: _legacyId, ...rest } = s;
  return rest;
}

let compiled: ValidateFunction | undefined;

/** The compiled validator for a whole collection document. */
export function collectionValidator(): ValidateFunction {
  if (compiled) return compiled;
  const { collectionSchema, mockSchema } = loadSchemas();
  const ajv = new (loadAjv())({ allErrors: true, strict: false, allowUnionTypes: true });
  // Patterns are checked with the engine that runs them (RE2), not with RegExp.
  ajv.addFormat('regex', (s: string) => compilePattern(s).ok);
  ajv.addSchema(withoutIds(mockSchema as Record<string, unknown>), MOCK_SCHEMA_ID);
  ajv.addSchema(withoutIds(collectionSchema as Record<string, unknown>), COLLECTION_SCHEMA_ID);
  const v = ajv.getSchema(COLLECTION_SCHEMA_ID);
  if (!v) throw new Error('collection schema failed to compile');
  compiled = v;
  return v;
}

/** The raw collection schema object (e.g. for tooling). */
export function collectionSchemaJson(): unknown {
  return loadSchemas().collectionSchema;
}

export type { ErrorObject };
