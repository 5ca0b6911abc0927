import assert from 'node:assert/strict';
import { findReferences, redact, resolveRequest, VariableResolver, hexToBytesLoose } from '../../../src/extension/workflow/resolve';
import type { Collection } from '../../../src/core/collections/types';

const collection: Collection = {
  version: 1,
  name: 'c',
  variables: { host: 'collection.example', port: '80', who: 'collection' },
  environments: { dev: { host: 'dev.example', port: '8080', token: '{{secret:apiToken}}' }, prod: { host: 'prod.example' } },
  requests: [
    {
      name: 'r',
      url: 'ws://{{host}}:{{port}}/{{path}}',
      variables: { path: 'chat', who: 'request' },
      headers: { 'X-Who': '{{who}}', Authorization: 'Bearer {{token}}' },
      keepAlive: { pingIntervalMs: 1000, autoPong: false },
      reconnect: { enabled: true, maxAttempts: 3, queue: true },
    },
  ],
};

describe('workflow variable resolution', () => {
  it('resolves request → collection → environment → secret, in that precedence', () => {
    const r = resolveRequest({ collection, environment: 'dev', secrets: (n) => (n === 'apiToken' ? 's3cr3t' : undefined) }, collection.requests![0]!);
    assert.deepEqual(r.unresolved, []);
    // Request variables beat collection ones; collection variables beat the environment's.
    assert.equal(r.options.url, 'ws://collection.example:80/chat');
    assert.deepEqual(r.options.headers, { 'X-Who': 'request', Authorization: 'Bearer s3cr3t' });
    assert.deepEqual(r.secretsUsed, ['apiToken']);
    assert.deepEqual(r.secretValues, ['s3cr3t']);
    assert.equal(r.options.pingIntervalMs, 1000);
    assert.equal(r.options.autoPong, false);
    assert.deepEqual(r.options.reconnect, { enabled: true, maxAttempts: 3 });
    assert.equal(r.options.queueWhileReconnecting, true);
  });

  it('falls through to the environment when request and collection do not define a name', () => {
    const c: Collection = { ...collection, variables: {} };
    const r = resolveRequest({ collection: c, environment: 'dev', secrets: () => 'x' }, c.requests![0]!);
    assert.equal(r.options.url, 'ws://dev.example:8080/chat');
  });

  it('reports unresolved variables and secrets instead of sending them literally', () => {
    const c: Collection = { ...collection, variables: {} };
    const r = resolveRequest({ collection: c, environment: 'prod', secrets: () => undefined }, c.requests![0]!);
    assert.deepEqual(r.unresolved.sort(), ['port', 'token']);
    const r2 = resolveRequest({ collection: c, environment: 'dev', secrets: () => undefined }, c.requests![0]!);
    assert.deepEqual(r2.unresolved, ['secret:apiToken']);
  });

  it('stops on self-referencing variables', () => {
    const c: Collection = { version: 1, name: 'loop', variables: { a: '{{b}}', b: '{{a}}' } };
    const v = new VariableResolver({ collection: c, secrets: () => undefined });
    v.resolve('x{{a}}');
    assert.ok(v.unresolved.size > 0);
  });

  it('finds references and redacts secret values, longest first', () => {
    assert.deepEqual(findReferences('{{a}} {{ secret:tok }} {{b.c}}'), ['a', 'secret:tok', 'b.c']);
    assert.equal(redact('token=abcdef; short=abc', ['abc', 'abcdef', '']), 'token=***; short=***');
  });

  it('builds saved message payloads', () => {
    const v = new VariableResolver({ collection, environment: 'dev', secrets: () => undefined });
    assert.deepEqual(v.message({ name: 'j', kind: 'json', data: { h: '{{host}}' } }), { text: '{"h":"collection.example"}' });
    assert.deepEqual(v.message({ name: 't', kind: 'text', data: 'hi {{port}}' }), { text: 'hi 80' });
    assert.deepEqual(v.message({ name: 'b', kind: 'binary', hex: '01 0x02 ff' }).binary, new Uint8Array([1, 2, 255]));
    assert.throws(() => hexToBytesLoose('abc'), (e: Error & { code?: string }) => e.code === 'WSWB_BAD_HEX');
  });
});
