import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as collections from '../../../src/core/collections';

const schemaFile = path.resolve(__dirname, '../../../schemas/websocket-collection.schema.json');

describe('collections: schema file', () => {
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;

  it('is draft-07 and references the mock schema for mocks', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    const mocks = (schema.properties as Record<string, { items: { $ref: string } }>).mocks!;
    assert.equal(mocks.items.$ref, './mock.schema.json');
    assert.ok(fs.existsSync(path.resolve(path.dirname(schemaFile), 'mock.schema.json')));
  });

  it('describes every property, for hover docs in VS Code', () => {
    const missing: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object') {
        for (const [k, v] of Object.entries(o.properties as Record<string, unknown>)) {
          const isConstraintOnly = typeof v === 'boolean' || (at.includes('/then') || at.includes('/if'));
          if (!isConstraintOnly && !(v as { description?: string }).description) missing.push(`${at}/properties/${k}`);
        }
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    walk(schema, '#');
    assert.deepEqual(missing, []);
  });

  it('the index re-exports the public API', () => {
    for (const name of ['parseCollection', 'updateRequest', 'atomicWriteFile', 'resolveVariables', 'redact', 'toConnectionOptions', 'TranscriptWriter', 'readTranscript', 'importHar', 'exportHar', 'toWebsocatCommand', 'toWscatCommand', 'compileExpect']) {
      assert.equal(typeof (collections as Record<string, unknown>)[name], 'function', name);
    }
  });
});
