import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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

/** The prefix table of docs/error-codes.md, the tables below it and the code agree. */
describe('error codes: one prefix table', () => {
  const root = join(__dirname, '../../..');
  const doc = readFileSync(join(root, 'docs/error-codes.md'), 'utf8');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  const sources = [...files(join(root, 'src')), ...files(join(root, 'webview'))].map((p) => ({ file: relative(root, p), text: readFileSync(p, 'utf8') }));

  /** Quoted ALL_CAPS_WITH_UNDERSCORES strings: error codes, and a few names that are not codes. */
  const literals = sources.flatMap(({ file, text }) => [...text.matchAll(/['`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+_?)['`]/g)].map((m) => ({ file, value: m[1]! })));
  /** Strings of that shape that are not error codes: environment variables, prefixes of codes or names, Node's codes, severities. */
  const notCodes = (v: string) =>
    /^(HTTPS?_PROXY|NO_PROXY|WSWB_SECRET_|WSWB_MAX_FILE_SIZE_MB|WSWB_UNTRUSTED_)$/.test(v) || /^(ERR_|HPE_)/.test(v) || /_$/.test(v);

  /** Codes in the first column of the tables (a cell may list several). */
  const documented = new Set(
    doc
      .slice(doc.indexOf('Each area appends'))
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .flatMap((l) => [...l.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
  );

  it('every code raised in src/ and webview/ is WS_ERR_* (ws\'s names) or WSWB_* (ours)', () => {
    const stray = literals.filter(({ value }) => !notCodes(value) && !/^(WS_ERR_|WSWB_)/.test(value));
    assert.deepEqual(stray, [], 'codes outside the prefix table');
  });

  it('every such code is documented in a table of docs/error-codes.md', () => {
    const missing = literals.filter(({ value }) => !notCodes(value) && !documented.has(value) && value !== 'WS_ERR_UNEXPECTED_RSV_2_3');
    assert.deepEqual([...new Set(missing.map((m) => `${m.value} (${m.file})`))], []);
  });

  it('every documented code of ours is still raised somewhere (no stale rows)', () => {
    const raised = new Set(literals.map((l) => l.value));
    const all = sources.map((s) => s.text).join('\n');
    const stale = [...documented].filter((c) => /^WSWB_/.test(c) && !raised.has(c) && !all.includes(c));
    assert.deepEqual(stale, []);
  });

  it('documented codes follow the prefix table', () => {
    const ours = [...documented].filter((c) => !/^(WS_ERR_|WSWB_|E[A-Z]+$|ERR_|HPE_)/.test(c));
    assert.deepEqual(ours, [], 'documented codes with another prefix');
  });
});
