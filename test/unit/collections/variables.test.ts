import assert from 'node:assert/strict';
import {
  resolveVariables,
  substitute,
  redact,
  toConnectionOptions,
  messagePayload,
  REDACTED,
  requestReferences,
} from '../../../src/core/collections/variables';
import type { SecretResolver } from '../../../src/core/collections/variables';
import { toWebsocatCommand, toWscatCommand, shellQuote } from '../../../src/core/collections/commandLine';
import { CollectionError } from '../../../src/core/collections/types';
import type { Collection, RequestDef } from '../../../src/core/collections/types';

const secrets = (m: Record<string, string>): SecretResolver & { asked: string[] } => {
  const asked: string[] = [];
  return {
    asked,
    async get(name) {
      asked.push(name);
      return m[name];
    },
  };
};

const request: RequestDef = {
  name: 'r',
  url: 'ws://{{host}}/{{path}}',
  variables: { path: 'req-path', who: 'request' },
  headers: { 'X-Who': '{{who}}', 'X-Env': '{{envOnly}}' },
  auth: { type: 'bearer', token: '{{secret:token}}' },
  query: { key: '{{secret:apiKey}}' },
  messages: [{ name: 'm', kind: 'json', data: { user: '{{who}}', n: 1 } }],
};

const collection: Collection = {
  version: 1,
  name: 'c',
  variables: { host: '{{hostName}}:{{port}}', hostName: 'coll-host', who: 'collection', port: '1' },
  environments: { dev: { port: '9000', envOnly: 'e', who: 'env' }, empty: {} },
  requests: [request],
};

describe('collections: variables', () => {
  it('finds references in every string of a request, keys included', () => {
    assert.deepEqual(requestReferences(request).sort(), ['envOnly', 'host', 'path', 'secret:apiKey', 'secret:token', 'who'].sort());
  });

  it('resolves request → collection → environment → secret, nested references included', async () => {
    const r = await resolveVariables(collection, request, { environment: 'dev', secrets: secrets({ token: 'T0K', apiKey: 'a b&c' }) });
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok, true);
    assert.equal(r.values.who, 'request');
    assert.equal(r.sources.who, 'request');
    assert.equal(r.values.host, 'coll-host:1', 'collection beats environment');
    assert.equal(r.values.envOnly, 'e');
    assert.equal(r.sources.envOnly, 'environment');
    assert.equal(r.values['secret:token'], 'T0K');
    assert.ok(r.secretValues.includes('T0K'));
    assert.equal(redact('a%20b%26c', r), REDACTED, 'URL-encoded form is masked too');
    const o = toConnectionOptions(request, r);
    assert.equal(o.url, 'ws://coll-host:1/req-path');
    assert.deepEqual(o.headers, { 'X-Who': 'request', 'X-Env': 'e' });
    assert.deepEqual(o.auth, { type: 'bearer', token: 'T0K' });
    assert.deepEqual(o.query, { key: 'a b&c' });
    assert.deepEqual(messagePayload(request.messages![0]!, r), { binary: false, text: '{"user":"request","n":1}' });
  });

  it('falls back to a secret for a plain name defined nowhere else', async () => {
    const req: RequestDef = { name: 'x', url: 'ws://h/{{onlySecret}}' };
    const r = await resolveVariables({ version: 1, name: 'c' }, req, { secrets: secrets({ onlySecret: 's3' }) });
    assert.equal(r.sources.onlySecret, 'secret');
    assert.deepEqual(r.secretValues, ['s3']);
  });

  it('lists every unresolved name before connecting and never sends one literally', async () => {
    const r = await resolveVariables(collection, request, { secrets: secrets({ token: 'T' }) });
    assert.equal(r.ok, false);
    assert.deepEqual(r.unresolved.sort(), ['envOnly', 'secret:apiKey'].sort());
    assert.ok(r.errors.every((e) => e.code === 'WSWB_UNRESOLVED_VARIABLE'));
    assert.match(r.errors.find((e) => e.name === 'secret:apiKey')!.message, /secret "apiKey" is not set/);
    assert.throws(() => toConnectionOptions(request, r), (e: CollectionError) => e.code === 'WSWB_UNRESOLVED_VARIABLE' && /envOnly/.test(e.message));
    assert.throws(() => substitute('{{nope}}', r), /unresolved variables: nope/);
  });

  it('a name like an Object.prototype member ({{constructor}}, {{toString}}) resolves only when defined', async () => {
    const req: RequestDef = { name: 'r', url: 'ws://h/{{constructor}}', headers: { 'X-A': '{{toString}}' } };
    const none = await resolveVariables({ version: 1, name: 'c' }, req);
    assert.equal(none.ok, false, 'was ok, sending "function Object() { [native code] }"');
    assert.deepEqual([...none.unresolved].sort(), ['constructor', 'toString']);
    assert.throws(() => toConnectionOptions(req, { values: {} }), (e: CollectionError) => e.code === 'WSWB_UNRESOLVED_VARIABLE');
    const set = await resolveVariables({ version: 1, name: 'c', variables: { constructor: 'C', toString: 'T' } }, req);
    assert.deepEqual(toConnectionOptions(req, set), { url: 'ws://h/C', headers: { 'X-A': 'T' } });
  });

  it('reports cycles, unknown environments and failing secret stores', async () => {
    const c: Collection = { version: 1, name: 'c', variables: { a: '{{b}}', b: '{{a}}' } };
    const r1 = await resolveVariables(c, { name: 'x', url: 'ws://{{a}}' });
    assert.equal(r1.errors[0]!.code, 'WSWB_VARIABLE_CYCLE');
    const r2 = await resolveVariables(collection, { name: 'x', url: 'ws://h' }, { environment: 'prod' });
    assert.equal(r2.errors[0]!.code, 'WSWB_ENV_NOT_FOUND');
    assert.match(r2.errors[0]!.message, /have: dev, empty/);
    const failing: SecretResolver = { get: async () => Promise.reject(new Error('locked')) };
    const r3 = await resolveVariables(collection, { name: 'x', url: 'ws://h/{{secret:k}}' }, { secrets: failing });
    assert.ok(r3.errors.some((e) => e.code === 'WSWB_SECRET_ERROR' && /locked/.test(e.message)));
    assert.equal(r3.ok, false);
  });

  it('asks the secret store once per name', async () => {
    const s = secrets({ token: 'T', apiKey: 'K' });
    const req: RequestDef = { name: 'x', url: 'ws://h/{{secret:token}}/{{secret:token}}', headers: { a: '{{secret:token}}', b: '{{secret:apiKey}}' } };
    await resolveVariables({ version: 1, name: 'c' }, req, { secrets: s });
    assert.deepEqual(s.asked.sort(), ['apiKey', 'token']);
  });

  it('redact masks secret values and the Basic credentials derived from them, deeply, in values only', async () => {
    const req: RequestDef = { name: 'x', url: 'ws://h', auth: { type: 'basic', username: 'me', password: '{{secret:pw}}' } };
    const r = await resolveVariables({ version: 1, name: 'c' }, req, { secrets: secrets({ pw: 'hunter2' }) });
    const basic = Buffer.from('me:hunter2').toString('base64');
    const out = redact(
      { headers: [['Authorization', `Basic ${basic}`]], note: 'pw=hunter2', nested: { hunter2: ['x hunter2 y'] }, bytes: new Uint8Array([1]), sent: new TextEncoder().encode('{"pw":"hunter2","again":"hunter2"}'), n: 5 },
      r,
    );
    assert.deepEqual(out.headers, [['Authorization', `Basic ${REDACTED}`]]);
    assert.equal(out.note, `pw=${REDACTED}`);
    assert.deepEqual(out.nested, { hunter2: [`x ${REDACTED} y`] }, 'keys are kept: a short secret must not rename fields');
    assert.ok(out.bytes instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(out.sent), `{"pw":"${REDACTED}","again":"${REDACTED}"}`, 'payload bytes are masked too');
    assert.equal(out.n, 5);
    assert.equal(JSON.stringify(out.headers).includes('hunter2'), false);
  });

  it('maps TLS files, keep-alive and reconnect to connection options', async () => {
    const req: RequestDef = {
      name: 'x',
      url: 'wss://h',
      tls: { rejectUnauthorized: false, caFile: 'ca.pem', passphrase: '{{secret:p}}' },
      keepAlive: { pingIntervalMs: 1500, autoPong: false },
      reconnect: { enabled: true, maxAttempts: 2, queue: true },
      deflate: true,
      proxy: 'none',
    };
    const r = await resolveVariables({ version: 1, name: 'c' }, req, { secrets: secrets({ p: 'pp' }) });
    const read: string[] = [];
    const o = toConnectionOptions(req, r, { baseDir: '/coll', readFile: (f) => (read.push(f), new Uint8Array([7])) });
    assert.deepEqual(read, ['/coll/ca.pem']);
    assert.deepEqual(o.tls, { rejectUnauthorized: false, ca: new Uint8Array([7]), passphrase: 'pp' });
    assert.equal(o.pingIntervalMs, 1500);
    assert.equal(o.autoPong, false);
    assert.deepEqual(o.reconnect, { enabled: true, maxAttempts: 2 });
    assert.equal(o.queueWhileReconnecting, true);
    assert.equal(o.proxy, 'none');
    assert.throws(
      () => toConnectionOptions(req, r, { baseDir: '/nonexistent-dir-wswb' }),
      (e: CollectionError) => e.code === 'WSWB_TLS_FILE',
    );
  });

  it('encodes binary messages from hex and base64, rejecting malformed ones with a code', () => {
    const r = { values: { b: '02' } };
    assert.deepEqual(messagePayload({ name: 'h', kind: 'binary', hex: '00 0x01 {{b}}' }, r), { binary: true, data: new Uint8Array([0, 1, 2]) });
    assert.deepEqual(messagePayload({ name: 'b', kind: 'binary', base64: 'AAEC' }, r), { binary: true, data: new Uint8Array([0, 1, 2]) });
    assert.throws(() => messagePayload({ name: 'b', kind: 'binary', base64: 'A' }, r), (e: CollectionError) => e.code === 'WSWB_BAD_BINARY');
    assert.throws(() => messagePayload({ name: 'h', kind: 'binary', hex: 'abc' }, r), (e: CollectionError) => e.code === 'WSWB_BAD_BINARY');
  });
});

describe('collections: websocat / wscat export', () => {
  const req: RequestDef = {
    name: 'x',
    url: 'wss://{{host}}/chat',
    headers: { 'X-Note': "it's {{who}}" },
    subprotocols: ['v1', 'v2'],
    origin: 'https://app.example',
    auth: { type: 'bearer', token: '{{secret:token}}' },
    query: { room: 'a b' },
    tls: { rejectUnauthorized: false },
  };
  const collection: Collection = { version: 1, name: 'c', variables: { host: 'example.com', who: 'me; rm -rf /' } };

  it('quotes every argument safely for POSIX shells', () => {
    assert.equal(shellQuote('plain-arg/1:2'), 'plain-arg/1:2');
    assert.equal(shellQuote("a'b"), `'a'\\''b'`);
    assert.equal(shellQuote('$(x) `y` ;|&'), `'$(x) \`y\` ;|&'`);
    assert.equal(shellQuote(''), "''");
  });

  it('websocat: headers, protocol, origin, insecure, query; token masked by default', async () => {
    const r = await resolveVariables(collection, req, { secrets: { get: async () => 'SECRET-T' } });
    const cmd = toWebsocatCommand(req, r);
    assert.equal(
      cmd,
      `websocat -H 'X-Note: it'\\''s me; rm -rf /' -H 'Authorization: Bearer ${REDACTED}' --protocol 'v1, v2' --origin https://app.example --insecure 'wss://example.com/chat?room=a%20b'`,
    );
    assert.ok(toWebsocatCommand(req, r, { revealSecrets: true }).includes('Bearer SECRET-T'));
  });

  it('wscat: -c, -H, -s per subprotocol, -o, -n, --auth for basic', async () => {
    const r = await resolveVariables(collection, req, { secrets: { get: async () => 'SECRET-T' } });
    assert.equal(
      toWscatCommand(req, r),
      `wscat -c 'wss://example.com/chat?room=a%20b' -H 'X-Note: it'\\''s me; rm -rf /' -H 'Authorization: Bearer ${REDACTED}' -s v1 -s v2 -o https://app.example -n`,
    );
    const basic: RequestDef = { name: 'b', url: 'ws://h', auth: { type: 'basic', username: 'u', password: '{{secret:pw}}' } };
    const rb = await resolveVariables(collection, basic, { secrets: { get: async () => 'pw1' } });
    assert.equal(toWscatCommand(basic, rb), `wscat -c ws://h --auth 'u:${REDACTED}'`);
    assert.equal(toWscatCommand(basic, rb, { revealSecrets: true }), 'wscat -c ws://h --auth u:pw1');
  });
});
