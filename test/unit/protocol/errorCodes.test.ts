import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROTOCOL_ERROR_CODES } from '../../../src/core/protocol/errors';

describe('protocol/error codes', () => {
  const root = join(__dirname, '../../..');
  const doc = readFileSync(join(root, 'docs/error-codes.md'), 'utf8');

  it('every code in PROTOCOL_ERROR_CODES is documented with its close status', () => {
    for (const [code, close] of Object.entries(PROTOCOL_ERROR_CODES)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      assert.ok(row, `${code} missing from docs/error-codes.md`);
      assert.equal(row.split('|')[2]!.trim(), String(close), code);
    }
  });

  it('every code raised in src/core/protocol is in PROTOCOL_ERROR_CODES', () => {
    const dir = join(root, 'src/core/protocol');
    for (const f of readdirSync(dir)) {
      const src = readFileSync(join(dir, f), 'utf8');
      for (const m of src.matchAll(/protocolError\('([A-Z0-9_]+)'/g)) assert.ok(m[1]! in PROTOCOL_ERROR_CODES, `${f}: ${m[1]}`);
    }
  });
});
