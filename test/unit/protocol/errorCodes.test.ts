import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROTOCOL_ERROR_CODES, ProtocolError } from '../../../src/core/protocol/errors';
import { CodedError } from '../../../src/core/errors';
import { ConnectionError } from '../../../src/core/engine/connection';
import { ProxyError } from '../../../src/core/engine/proxy';
import { MockError } from '../../../src/core/engine/mock/errors';
import { RuleCompileError } from '../../../src/core/engine/mock/rules';
import { CollectionError } from '../../../src/core/collections/types';
import { RpcError } from '../../../src/shared/rpc';
import { ValidationError } from '../../../src/shared/validate';
import { UsageError } from '../../../src/cli/args';
import { SessionError } from '../../../src/core/protocols/session';

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
  /** Strings of that shape that are not error codes: environment variables, prefixes, Node's codes, Socket.IO packet types. */
  const notCodes = (v: string) =>
    /^(HTTPS?_PROXY|NO_PROXY|WSWB_SECRET_|WSWB_MAX_FILE_SIZE_MB|WSWB_UNTRUSTED_|CONNECT_ERROR|BINARY_EVENT|BINARY_ACK)$/.test(v) || /^(ERR_|HPE_)/.test(v) || /_$/.test(v);

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

  it('every error class is a CodedError with its code, name and cause', () => {
    const cause = new Error('under');
    const errors: CodedError[] = [
      new ProtocolError('WS_ERR_INVALID_OPCODE', 'm', 1002),
      new ConnectionError('WSWB_CONN_NOT_OPEN', 'm'),
      new ProxyError('WSWB_PROXY_UNREACHABLE', 'm', { cause, status: 502 }),
      new MockError('WSWB_MOCK_LISTEN_FAILED', 'm', { cause }),
      new RuleCompileError(0, 'match/regex', 'bad'),
      new CollectionError('WSWB_FILE_READ', 'm', { file: 'f' }),
      new RpcError('WSWB_RPC_TIMEOUT', 'm'),
      new ValidationError('params.a', 'string'),
      new UsageError('m'),
      new SessionError('m', 'WSWB_PROTO_CLOSED'),
    ];
    for (const e of errors) {
      assert.ok(e instanceof CodedError && e instanceof Error, e.name);
      assert.match(e.code, /^(WS_ERR_|WSWB_)/, e.name);
      assert.equal(e.name, e.constructor.name);
    }
    assert.equal(errors[2]!.cause, cause);
    assert.deepEqual(errors[5]!.details, { file: 'f' });
  });

  it('documented codes follow the prefix table', () => {
    const ours = [...documented].filter((c) => !/^(WS_ERR_|WSWB_|E[A-Z]+$|ERR_|HPE_)/.test(c));
    assert.deepEqual(ours, [], 'documented codes with another prefix');
  });
});
