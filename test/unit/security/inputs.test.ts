/**
 * Issue 10 §5 (inputs): names from files and from peers are looked up without Object.prototype
 * (`constructor`, `toString`, `__proto__` are names like any other), collection files have a size
 * cap, and reading many files is bounded. Real files and real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveVariables, substitute, resolveRequest, redact } from '../../../src/core/collections/variables';
import type { Collection, RequestDef } from '../../../src/core/collections/types';
import { collectionSizeLimit, createLimiter, readCollectionFile, DEFAULT_MAX_COLLECTION_MB } from '../../../src/core/collections/fsio';
import { validate } from '../../../src/cli/validate';
import { captureIO } from '../collections/fixtures/captureIO';
import { Resources } from '../mock/helpers';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { Connection } from '../../../src/core/engine/connection';

describe('security: names from files never reach Object.prototype (issue 10 §5)', () => {
  it('{{constructor}} and {{toString}} are unresolved unless defined, and resolve to their definition', async () => {
    const collection: Collection = { version: 1, name: 'c' } as Collection;
    const request: RequestDef = { name: 'r', url: 'ws://h/{{constructor}}/{{toString}}/{{hasOwnProperty}}' };
    const r = await resolveVariables(collection, request);
    assert.equal(r.ok, false);
    assert.deepEqual(r.unresolved.sort(), ['constructor', 'hasOwnProperty', 'toString']);
    assert.throws(() => substitute('{{constructor}}', { values: {} }), /unresolved variables: constructor/);
    assert.throws(() => substitute('{{toString}}', r), /unresolved variables: toString/);

    const defined = await resolveVariables({ version: 1, name: 'c', variables: { constructor: 'C', toString: 'T', __proto__x: 'P' } } as unknown as Collection, request, {
      overrides: { hasOwnProperty: 'H' },
    });
    assert.equal(defined.ok, true, JSON.stringify(defined.errors));
    assert.equal(resolveRequest(request, defined).url, 'ws://h/C/T/H');
  });

  it('a __proto__ key from a file stays a key through substitution and redaction', () => {
    const parsed = JSON.parse('{"name":"r","url":"ws://h","headers":{"__proto__":"x","a":"{{v}}"}}') as RequestDef;
    const out = resolveRequest(parsed, { values: { v: 'V' } });
    assert.deepEqual(Object.keys(out.headers as object), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(out.headers), Object.prototype);
    const red = redact(JSON.parse('{"__proto__":{"polluted":"s3cret"}}') as object, ['s3cret']) as Record<string, unknown>;
    assert.deepEqual(Object.keys(red), ['__proto__']);
    assert.equal((red as { polluted?: unknown }).polluted, undefined, 'the object did not become a prototype');
  });

  describe('mock templates and rules (real sockets)', () => {
    const res = new Resources();
    afterEach(() => res.dispose());

    it('a query parameter named constructor is read by a template; an absent one is empty', async () => {
      const { port } = await res.mock({
        port: 0,
        rules: [
          { match: { text: 'q' }, respond: ['[{{connection.query.constructor}}|{{connection.query.toString}}|{{connection.query.__proto__}}]'] },
          { match: { query: { valueOf: '*' } }, respond: ['has valueOf'] },
          // As a collection file has it: JSON.parse keeps `__proto__` as a key (an object literal would not).
          { match: { text: 'json' }, respond: [{ json: JSON.parse('{"__proto__":"{{connection.query.__proto__}}","k":1}') as unknown }] },
        ],
      } as never);
      const a = await res.client(`ws://127.0.0.1:${port}/?constructor=ctor&__proto__=pp`);
      a.ws.send('q');
      assert.equal(await a.nextText(), '[ctor||pp]');
      a.ws.send('other');
      assert.equal(await a.nextText(), 'other', 'no valueOf parameter: the query rule does not match, the message is echoed');
      a.ws.send('json');
      assert.deepEqual(Object.entries(JSON.parse(await a.nextText()) as object), [['__proto__', 'pp'], ['k', 1]]);
      const b = await res.client(`ws://127.0.0.1:${port}/?valueOf=1`);
      b.ws.send('other');
      assert.equal(await b.nextText(), 'has valueOf');
    });
  });

  it('a request header named constructor is sent as one header (real server)', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    const seen: Array<Record<string, unknown>> = [];
    wss.on('connection', (ws, req) => {
      seen.push(req.headers);
      ws.on('error', () => undefined);
      ws.close();
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const conn = new Connection({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, headers: { constructor: 'c1', toString: 't1' } }, { env: {} });
    try {
      await conn.connect();
      assert.equal(seen[0]!.constructor, 'c1');
      assert.equal(seen[0]!.tostring, 't1');
    } finally {
      conn.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
});

describe('security: collection files have a size cap, and reads are bounded (issue 10 §5)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-size-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const big = (name: string, mb: number) => {
    const file = path.join(dir, name);
    const pad = 'x'.repeat(mb * 1024 * 1024);
    fs.writeFileSync(file, JSON.stringify({ version: 1, name: 'big', description: pad }));
    return file;
  };

  it('a file above the limit is a diagnostic, not read; the limit is configurable', async () => {
    const file = big('big.websocket.json', 6);
    const r = await readCollectionFile(file);
    assert.equal(r.ok, false);
    assert.equal(r.text, undefined);
    assert.equal(r.errors[0]!.code, 'WSWB_FILE_TOO_LARGE');
    assert.equal(r.errors[0]!.line, 1);
    assert.match(r.errors[0]!.message, /file is 6 MB, above the 5 MB limit for collection files; not read \(raise websocketWorkbench\.collections\.maxFileSizeMB/);
    const raised = await readCollectionFile(file, { maxBytes: collectionSizeLimit(7) });
    assert.equal(raised.errors.length, 0, JSON.stringify(raised.errors));
    assert.equal(DEFAULT_MAX_COLLECTION_MB, 5);
    assert.equal(collectionSizeLimit('2'), 2 * 1024 * 1024);
    assert.equal(collectionSizeLimit('nonsense'), 5 * 1024 * 1024);
    assert.equal(collectionSizeLimit(-1), 5 * 1024 * 1024);
  });

  it('the CLI applies the default cap, and WSWB_MAX_FILE_SIZE_MB changes it', async () => {
    big('cli.websocket.json', 6);
    const io = captureIO(dir);
    const before = process.memoryUsage().rss;
    assert.equal(await validate(['cli.websocket.json'], io), 1);
    assert.match(io.out(), /^cli\.websocket\.json:1:1 file is 6 MB, above the 5 MB limit .* \[WSWB_FILE_TOO_LARGE\]$/m);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'the file was not read');
    const raised = captureIO(dir, { WSWB_MAX_FILE_SIZE_MB: '8' });
    assert.equal(await validate(['cli.websocket.json'], raised), 0, raised.out());
  });

  it('createLimiter runs at most N at once, in order, and survives failures', async () => {
    const run = createLimiter(3);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      if (i % 7 === 0) throw new Error(`task ${i}`);
      return i;
    };
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => run(task(i))));
    assert.equal(peak, 3);
    assert.deepEqual(started, Array.from({ length: 40 }, (_, i) => i));
    assert.equal(results.filter((r) => r.status === 'rejected').length, 6);
    assert.deepEqual((results[1] as PromiseFulfilledResult<number>).value, 1);
  });
});
