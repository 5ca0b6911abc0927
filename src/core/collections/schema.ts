/**
 * The collection JSON Schema, compiled once with ajv. The schema file is imported so esbuild bundles
 * it; the mock definition schema (owned by the mock server, schemas/mock.schema.json) is loaded when
 * it exists, otherwise mock items are only checked to be objects with a name.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import collectionSchema from '../../../schemas/websocket-collection.schema.json';

/** Base URI the schemas are registered under, so `./mock.schema.json` resolves. */
export const SCHEMA_BASE = 'https://websocket-workbench.invalid/schemas/';
export const COLLECTION_SCHEMA_ID = SCHEMA_BASE + 'websocket-collection.schema.json';
export const MOCK_SCHEMA_ID = SCHEMA_BASE + 'mock.schema.json';

/** Stand-in used until schemas/mock.schema.json exists. */
const FALLBACK_MOCK_SCHEMA = {
  description: 'A mock server definition (see schemas/mock.schema.json).',
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1 } },
};

function loadMockSchema(): Record<string, unknown> {
  try {
    // A plain require inside try/catch: the mock schema is optional at build time.
    const s = require('../../../schemas/mock.schema.json') as Record<string, unknown>;
    if (s && typeof s === 'object') return s;
  } catch {
    // not there yet
  }
  return FALLBACK_MOCK_SCHEMA;
}

/** Drops `$id`/`$schema` so the schema registers under the URI we choose. */
function withoutIds(s: Record<string, unknown>): Record<string, unknown> {
  const { $id: _id, $schema: _schema, id: _legacyId, ...rest } = s;
  return rest;
}

let compiled: ValidateFunction | undefined;

/** The compiled validator for a whole collection document. */
export function collectionValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  ajv.addFormat('regex', (s: string) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  });
  ajv.addSchema(withoutIds(loadMockSchema()), MOCK_SCHEMA_ID);
  ajv.addSchema(withoutIds(collectionSchema as Record<string, unknown>), COLLECTION_SCHEMA_ID);
  const v = ajv.getSchema(COLLECTION_SCHEMA_ID);
  if (!v) throw new Error('collection schema failed to compile');
  compiled = v;
  return v;
}

/** The raw collection schema object (e.g. for tooling). */
export function collectionSchemaJson(): unknown {
  return collectionSchema;
}

export type { ErrorObject };
