import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  addMessage,
  addRequest,
  removeMessage,
  removeRequest,
  renameMessage,
  renameRequest,
  updateRequest,
  detectFormatting,
  newCollectionText,
} from '../../../src/core/collections/edit';
import { atomicWriteFile, editCollectionFile, readCollectionFile } from '../../../src/core/collections/fsio';
import { parseCollection } from '../../../src/core/collections/parse';
import { CollectionError } from '../../../src/core/collections/types';

// Hand-formatted on purpose: unusual key order, 4-space indent, compact arrays.
const original = `{
    "name": "Mine",
    "version": 1,
    "requests": [
        {
            "url": "ws://h/a",
            "name": "a",
            "headers": { "X-One": "1", "X-Two": "2" },
            "messages": [ { "name": "m1", "kind": "text", "data": "one" } ]
        },
        { "name": "b", "url": "ws://h/b" }
    ]
}
`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CollectionError ? e.code : 'other';
  }
  return undefined;
}

describe('collections: edits keep formatting', () => {
  it('detects indentation and line endings', () => {
    assert.deepEqual(detectFormatting(original), { insertSpaces: true, tabSize: 4, eol: '\n', insertFinalNewline: true });
    assert.equal(detectFormatting('{\r\n\t"a": 1\r\n}').eol, '\r\n');
    assert.equal(detectFormatting('{\r\n\t"a": 1\r\n}').insertSpaces, false);
  });

  it('updating one header changes only that value', () => {
    const c = parseCollection(original).collection!;
    const req = structuredClone(c.requests![0]!);
    req.headers!['X-Two'] = 'deux';
    const out = updateRequest(original, 'a', req);
    assert.equal(out, original.replace('"X-Two": "2"', '"X-Two": "deux"'));
  });

  it('removing and adding keys leaves the rest untouched and key order intact', () => {
    const c = parseCollection(original).collection!;
    const req = structuredClone(c.requests![0]!);
    delete req.headers;
    req.origin = 'http://o';
    const out = updateRequest(original, 'a', req);
    const parsed = parseCollection(out).collection!;
    assert.deepEqual(Object.keys(parsed.requests![0]!), ['url', 'name', 'messages', 'origin']);
    assert.ok(out.includes('"messages": [ { "name": "m1", "kind": "text", "data": "one" } ]'));
    assert.ok(out.startsWith('{\n    "name": "Mine",\n    "version": 1,'));
  });

  it('adds, renames and removes requests and messages', () => {
    let t = addRequest(original, { name: 'c', url: 'ws://h/c' });
    assert.deepEqual(parseCollection(t).collection!.requests!.map((r) => r.name), ['a', 'b', 'c']);
    t = renameRequest(t, 'b', 'bee');
    t = removeRequest(t, 'a');
    assert.deepEqual(parseCollection(t).collection!.requests!.map((r) => r.name), ['bee', 'c']);
    t = addMessage(t, 'c', { name: 'x', kind: 'json', data: { k: 1 } });
    t = addMessage(t, 'c', { name: 'y', kind: 'binary', hex: '00ff' });
    t = renameMessage(t, 'c', 'x', 'ex');
    t = removeMessage(t, 'c', 'y');
    const c = parseCollection(t);
    assert.equal(c.ok, true);
    assert.deepEqual(c.collection!.requests![1]!.messages, [{ name: 'ex', kind: 'json', data: { k: 1 } }]);
    assert.ok(t.includes('\n        { "name": "bee", "url": "ws://h/b" }'), 'untouched request kept its one-line form');
  });

  it('creates the requests array when missing', () => {
    const t = addRequest(newCollectionText('New').replace(',\n  "requests": []', ''), { name: 'r', url: 'ws://x' });
    assert.equal(parseCollection(t).collection!.requests![0]!.name, 'r');
  });

  it('refuses invalid text, duplicates and unknown names with codes', () => {
    assert.equal(codeOf(() => addRequest('{"version":1,"name":"x",}', { name: 'r', url: 'ws://x' })), 'WSWB_REFUSE_WRITE_INVALID');
    assert.equal(codeOf(() => addRequest(original, { name: 'a', url: 'ws://x' })), 'WSWB_DUPLICATE_NAME');
    assert.equal(codeOf(() => renameRequest(original, 'a', 'b')), 'WSWB_DUPLICATE_NAME');
    assert.equal(codeOf(() => removeRequest(original, 'zzz')), 'WSWB_REQUEST_NOT_FOUND');
    assert.equal(codeOf(() => removeMessage(original, 'a', 'zzz')), 'WSWB_MESSAGE_NOT_FOUND');
  });
});

describe('collections: fsio', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wswb-fsio-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('atomicWriteFile replaces content, keeps the mode and leaves no temp files', async () => {
    const f = path.join(dir, 'a.websocket.json');
    writeFileSync(f, 'old');
    chmodSync(f, 0o600);
    await atomicWriteFile(f, 'new');
    assert.equal(readFileSync(f, 'utf8'), 'new');
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['a.websocket.json']);
  });

  it('editCollectionFile writes valid edits and refuses invalid or externally changed files', async () => {
    const f = path.join(dir, 'c.websocket.json');
    writeFileSync(f, original);
    const out = await editCollectionFile(f, (t) => renameRequest(t, 'a', 'alpha'), { expectedText: original });
    assert.equal(readFileSync(f, 'utf8'), out);
    await assert.rejects(editCollectionFile(f, (t) => t, { expectedText: original }), (e: CollectionError) => e.code === 'WSWB_FILE_CHANGED');
    await assert.rejects(editCollectionFile(f, (t) => t.replace('"version": 1', '"version": 9')), (e: CollectionError) => e.code === 'WSWB_REFUSE_WRITE_INVALID');
    const broken = '{ "version": 1, // oops\n "name": "x" }';
    writeFileSync(f, broken);
    await assert.rejects(editCollectionFile(f, (t) => t), (e: CollectionError) => e.code === 'WSWB_REFUSE_WRITE_INVALID');
    assert.equal(readFileSync(f, 'utf8'), broken, 'invalid file never rewritten');
  });

  it('readCollectionFile reports a missing file as a diagnostic', async () => {
    const r = await readCollectionFile(path.join(dir, 'nope.json'));
    assert.equal(r.ok, false);
    assert.equal(r.errors[0]!.code, 'WSWB_FILE_READ');
    assert.match(r.errors[0]!.message, /ENOENT/);
  });
});
