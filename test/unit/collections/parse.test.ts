import assert from 'node:assert/strict';
import { parseCollection, formatDiagnostic, LineIndex } from '../../../src/core/collections/parse';

const valid = {
  version: 1,
  name: 'Echo',
  variables: { host: '127.0.0.1:8080' },
  environments: { local: { host: 'localhost:1' }, ci: { host: 'ci:2' } },
  requests: [
    {
      name: 'echo',
      url: 'ws://{{host}}/echo',
      headers: { 'X-Trace': '1' },
      subprotocols: ['chat'],
      auth: { type: 'bearer', token: '{{secret:token}}' },
      keepAlive: { pingIntervalMs: 1000, autoPong: false },
      reconnect: { enabled: true, maxAttempts: 3 },
      messages: [
        { name: 'hello', kind: 'text', data: 'hi', expect: [{ regex: '^hi$', timeoutMs: 1000 }] },
        { name: 'obj', kind: 'json', data: { a: [1, 2] }, expect: [{ jsonPath: '$.a[0]', equals: 1 }] },
        { name: 'bytes', kind: 'binary', hex: '00 01 ff' },
        { name: 'b64', kind: 'binary', base64: 'AAE=' },
      ],
    },
  ],
  mocks: [{ name: 'echo-mock' }],
};

function errs(text: string) {
  return parseCollection(text, 'c.websocket.json').errors;
}

describe('collections: parseCollection', () => {
  it('accepts a full valid collection and returns it typed', () => {
    const r = parseCollection(JSON.stringify(valid, null, 2), 'c.websocket.json');
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, true);
    assert.equal(r.collection?.requests?.[0]?.messages?.length, 4);
  });

  it('reports comments as syntax errors with their line and column', () => {
    const e = errs('{\n  // note\n  "version": 1, "name": "x"\n}');
    assert.equal(e.length, 1);
    assert.equal(e[0]!.code, 'WSWB_COLLECTION_SYNTAX');
    assert.deepEqual([e[0]!.line, e[0]!.column], [2, 3]);
    assert.match(e[0]!.message, /comments are not allowed/);
  });

  it('reports trailing commas, truncation and empty input without throwing', () => {
    assert.equal(errs('{"version": 1, "name": "x",}')[0]!.code, 'WSWB_COLLECTION_SYNTAX');
    assert.equal(errs('{"version": 1, "name": "x"')[0]!.code, 'WSWB_COLLECTION_SYNTAX');
    assert.equal(errs('')[0]!.code, 'WSWB_COLLECTION_SYNTAX');
    assert.equal(errs('\u0000\u0001garbage')[0]!.code, 'WSWB_COLLECTION_SYNTAX');
  });

  it('maps schema errors to the offending value with 1-based positions and a path', () => {
    const text = '{\n  "version": 2,\n  "name": "x",\n  "requests": [\n    { "name": "a", "url": "http://nope" }\n  ]\n}';
    const e = errs(text);
    assert.deepEqual(
      e.map((d) => [d.line, d.column, d.path]),
      [
        [2, 14, '/version'],
        [5, 27, '/requests/0/url'],
      ],
    );
    assert.match(e[0]!.message, /^version: must be 1$/);
    assert.match(e[1]!.message, /ws:\/\/ or wss:\/\//);
    assert.equal(formatDiagnostic(e[1]!), 'c.websocket.json:5:27 requests[0].url: must be a ws:// or wss:// URL');
  });

  it('points unknown properties at their key', () => {
    const text = '{"version":1,"name":"x","requests":[{"name":"a","url":"ws://h","hedaers":{}}]}';
    const e = errs(text);
    assert.equal(e.length, 1);
    assert.equal(e[0]!.column, text.indexOf('"hedaers"') + 1);
    assert.equal(e[0]!.path, '/requests/0/hedaers');
    assert.match(e[0]!.message, /unknown property "hedaers"/);
  });

  it('explains auth by the branch its type selects', () => {
    const e = errs('{"version":1,"name":"x","requests":[{"name":"a","url":"ws://h","auth":{"type":"basic","username":"u"}}]}');
    assert.equal(e.length, 1);
    assert.match(e[0]!.message, /requests\[0\]\.auth: missing required property "password"/);
  });

  it('checks message kinds against their payload fields', () => {
    const base = (m: unknown) => JSON.stringify({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', messages: [m] }] });
    assert.match(errs(base({ name: 'm', kind: 'binary', data: 'x' })).map((d) => d.message).join('\n'), /exactly one of "hex" or "base64"/);
    assert.match(errs(base({ name: 'm', kind: 'binary', hex: 'zz' }))[0]!.message, /hex digits/);
    assert.match(errs(base({ name: 'm', kind: 'text', data: 5 }))[0]!.message, /must be string/);
    assert.match(errs(base({ name: 'm', kind: 'text' }))[0]!.message, /missing required property "data"/);
    assert.match(errs(base({ name: 'm', kind: 'xml', data: '' }))[0]!.message, /must be one of "text", "json", "binary"/);
    assert.equal(errs(base({ name: 'm', kind: 'json', data: null })).length, 0);
  });

  it('checks expect rules: one of regex/jsonPath, and regexes that compile', () => {
    const base = (x: unknown) => JSON.stringify({ version: 1, name: 'x', requests: [{ name: 'a', url: 'ws://h', messages: [{ name: 'm', kind: 'text', data: '', expect: [x] }] }] });
    assert.match(errs(base({ regex: 'a', jsonPath: '$.a' }))[0]!.message, /either "regex" or "jsonPath"/);
    assert.match(errs(base({ regex: '(' }))[0]!.message, /not a valid regular expression/);
    assert.match(errs(base({ jsonPath: 'a.b' }))[0]!.message, /JSON path starting with \$/);
    assert.equal(errs(base({ jsonPath: '$.a', exists: false })).length, 0);
  });

  it('reports duplicate request, message and JSON keys', () => {
    const dupReq = errs('{"version":1,"name":"x","requests":[{"name":"a","url":"ws://h"},{"name":"a","url":"ws://h"}]}');
    assert.equal(dupReq[0]!.code, 'WSWB_DUPLICATE_NAME');
    assert.equal(dupReq[0]!.path, '/requests/1/name');
    const dupMsg = errs('{"version":1,"name":"x","requests":[{"name":"a","url":"ws://h","messages":[{"name":"m","kind":"text","data":""},{"name":"m","kind":"text","data":""}]}]}');
    assert.equal(dupMsg[0]!.code, 'WSWB_DUPLICATE_NAME');
    const dupText = '{"version":1,"name":"x","name":"y"}';
    const dupKey = errs(dupText);
    assert.equal(dupKey[0]!.code, 'WSWB_DUPLICATE_KEY');
    assert.equal(dupKey[0]!.column, dupText.lastIndexOf('"name"') + 1);
  });

  it('reports a bad variable or header name once, at its key', () => {
    const text = JSON.stringify({ version: 1, name: 'x', variables: { '9bad': 'v' }, environments: { dev: { 'a b': '1' } }, requests: [{ name: 'a', url: 'ws://h', headers: { 'Bad Header': 'x' } }] }, null, 2);
    assert.deepEqual(
      errs(text).map((e) => [e.path, e.message, e.column]),
      [
        ['/variables/9bad', 'variables["9bad"]: invalid variable name "9bad"', 5],
        ['/environments/dev/a b', 'environments.dev["a b"]: invalid variable name "a b"', 7],
        ['/requests/0/headers/Bad Header', 'requests[0].headers["Bad Header"]: invalid header name "Bad Header"', 9],
      ],
    );
  });

  it('validates mocks with the mock schema and the mock engine checks', () => {
    const base = (m: unknown) => JSON.stringify({ version: 1, name: 'x', mocks: [m] }, null, 2);
    assert.deepEqual(errs(base({ name: 'echo', rules: [{ match: { text: 'ping' }, respond: ['pong'] }] })), []);
    const bad = errs(base({ name: 'echo', port: 'eighty' }));
    assert.equal(bad[0]!.path, '/mocks/0/port');
    assert.equal(bad[0]!.line, 7);
    const semantic = errs(base({ name: 'echo', rules: [{ match: { regex: '(' } }] }));
    assert.ok(semantic.length >= 1);
    assert.ok(semantic.every((e) => e.path.startsWith('/mocks/0')));
  });

  it('LineIndex handles CRLF and CR line breaks', () => {
    const ix = new LineIndex('a\r\nb\rc\nd');
    assert.deepEqual(ix.position(3), { line: 2, column: 1 });
    assert.deepEqual(ix.position(5), { line: 3, column: 1 });
    assert.deepEqual(ix.position(7), { line: 4, column: 1 });
  });

  it('never throws on random input', async () => {
    const fc = await import('fast-check');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
        const r = parseCollection(s);
        return r.ok === (r.errors.length === 0) && r.errors.every((e) => e.line >= 1 && e.column >= 1);
      }),
      { numRuns: 300 },
    );
  });
});
