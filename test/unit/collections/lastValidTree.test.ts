/**
 * Issue 17, item 9: one schema error must not collapse a collection in the Collections view to its
 * file name. The tree keeps the last valid version, marked with the error, until the file is fixed.
 * Real files on disk, read by the same readCollectionFile the index uses, through the same state
 * step (nextState) and tree logic (childNodes, fileRow) the view uses.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCollectionFile } from '../../../src/core/collections/fsio';
import { childNodes, fileRow, nextState, type CollectionNode, type CollectionState } from '../../../src/extension/workflow/collectionTree';

const valid = {
  version: 1,
  name: 'Echo examples',
  requests: [
    { name: 'echo', url: 'ws://127.0.0.1:1/echo', messages: [{ name: 'hello', kind: 'text', data: 'hi' }, { name: 'bye', kind: 'text', data: 'bye' }] },
    { name: 'feed', url: 'ws://127.0.0.1:1/feed' },
  ],
  mocks: [{ name: 'echo-mock' }],
};

describe('collections tree: the last valid version stays, marked, while a file is invalid (issue 17 #9)', () => {
  let dir = '';
  let file = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wswb-lastvalid-'));
    file = path.join(dir, 'echo.websocket.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the file, reads it as the index does, and steps the entry. */
  async function step(prev: CollectionState | undefined, text: string): Promise<CollectionState & { file: string }> {
    writeFileSync(file, text);
    return nextState({ file }, prev, await readCollectionFile(file));
  }

  const fileNode = (): CollectionNode => ({ type: 'file', file });
  const names = (nodes: CollectionNode[]) => nodes.map((n) => (n.type === 'request' ? `request:${n.request}` : n.type === 'mock' ? `mock:${n.mock}` : n.type === 'message' ? `message:${n.message}` : n.file));

  it('keeps the tree after a schema error, says so on the file row, and the fixed file replaces it', async () => {
    const good = JSON.stringify(valid, null, 2);
    const first = await step(undefined, good);
    assert.equal(first.ok, true);
    assert.deepEqual(names(childNodes(first, fileNode())), ['request:echo', 'request:feed', 'mock:echo-mock']);
    assert.deepEqual(fileRow(first, 'echo.websocket.json', 'echo.websocket.json'), { label: 'Echo examples', invalid: false, expandable: true, description: 'echo.websocket.json' });

    // One schema error ("version" must be 1): the same tree, the error on the file row.
    const broken = await step(first, good.replace('"version": 1', '"version": "one"'));
    assert.equal(broken.ok, false);
    assert.equal(broken.collection, undefined, 'nothing runs from an invalid file');
    assert.deepEqual(broken.errors.map((e) => [e.code, e.line]), [['WSWB_COLLECTION_SCHEMA', 2]]);
    assert.equal(broken.lastValid, first.collection);
    assert.deepEqual(names(childNodes(broken, fileNode())), ['request:echo', 'request:feed', 'mock:echo-mock']);
    assert.deepEqual(names(childNodes(broken, { type: 'request', file, request: 'echo' })), ['message:hello', 'message:bye']);
    assert.deepEqual(fileRow(broken, 'echo.websocket.json', 'echo.websocket.json'), { label: 'Echo examples', invalid: true, expandable: true, description: 'echo.websocket.json · 1 problem · last valid version shown' });

    // Still invalid after another edit (now a syntax error): the same last valid version, the new error.
    const worse = await step(broken, good.replace('"feed",', '"feed"'));
    assert.equal(worse.ok, false);
    assert.deepEqual(worse.errors.map((e) => e.code), ['WSWB_COLLECTION_SYNTAX']);
    assert.equal(worse.lastValid, first.collection, 'the last valid version, not nothing');
    assert.deepEqual(names(childNodes(worse, fileNode())), ['request:echo', 'request:feed', 'mock:echo-mock']);
    assert.equal(fileRow(worse, 'echo.websocket.json', 'echo.websocket.json').description, 'echo.websocket.json · 1 problem · last valid version shown');

    // Fixed (and changed: a request renamed, one removed): the new tree, unmarked.
    const fixed = await step(worse, JSON.stringify({ ...valid, requests: [{ ...valid.requests[0]!, name: 'echo-renamed' }] }, null, 2));
    assert.equal(fixed.ok, true);
    assert.equal(fixed.lastValid, undefined);
    assert.deepEqual(names(childNodes(fixed, fileNode())), ['request:echo-renamed', 'mock:echo-mock']);
    assert.deepEqual(names(childNodes(fixed, { type: 'request', file, request: 'echo' })), [], 'the old request is gone');
    assert.deepEqual(fileRow(fixed, 'echo.websocket.json', 'echo.websocket.json'), { label: 'Echo examples', invalid: false, expandable: true, description: 'echo.websocket.json' });
  });

  it('a file invalid from its first read has no tree to keep: the file row alone, with its problem', async () => {
    const bad = await step(undefined, JSON.stringify({ ...valid, version: 'one' }, null, 2));
    assert.equal(bad.ok, false);
    assert.equal(bad.lastValid, undefined);
    assert.deepEqual(childNodes(bad, fileNode()), []);
    assert.deepEqual(fileRow(bad, 'echo.websocket.json', 'examples/echo.websocket.json'), { label: 'echo.websocket.json', invalid: true, expandable: false, description: 'examples/echo.websocket.json · 1 problem' });
  });
});
