import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { MockServer } from '../../../src/core/engine/mock/mockServer';
import { parseCollection } from '../../../src/core/collections/parse';
import { makePki, type Pki } from '../engine/tlsFixtures';
import { requestArbitrary } from '../../support/requestArbitrary';
import { panelRig, until } from './helpers';

describe('panel request model: a saved request connects from the panel as it does from the file', () => {
  let pki: Pki;
  before(function () {
    this.timeout(30_000);
    pki = makePki();
  });
  after(async () => {
    await fs.rm(pki.dir, { recursive: true, force: true });
  });

  it('loads a wss:// request with tls.caFile into the panel and connects with that CA', async () => {
    const mock = new MockServer({ name: 'secure', host: '127.0.0.1', port: 0, echo: true, tls: { certFile: 'server.crt', keyFile: 'server.key' } }, { baseDir: pki.dir });
    const { port } = await mock.start();
    // The collection sits next to the CA: caFile is relative to the collection file.
    const file = path.join(pki.dir, 'secure.websocket.json');
    await fs.writeFile(file, JSON.stringify({ version: 1, name: 'c', requests: [{ name: 'secure', url: `wss://127.0.0.1:${port}/`, tls: { caFile: 'ca.crt' }, maxRedirects: 2 }] }, null, 2));
    const { client, binding, dispose } = await panelRig({ pickRequest: async () => ({ file, request: 'secure' }) });
    try {
      // What the webview does: Load request…, then Connect with what the composer shows.
      const loaded = await client.call('loadRequest', {});
      assert.ok(loaded.request, 'the composer gets the saved request');
      await client.call('connect', { request: loaded.request });
      await until(() => binding.connection?.state === 'open' || binding.summary()?.error !== undefined, 'open or error');
      assert.equal(binding.summary()?.error, undefined, 'the CA from tls.caFile is used');
      assert.equal(binding.connection?.state, 'open');
      assert.equal(binding.connection?.options.maxRedirects, 2, 'maxRedirects survives the panel');
    } finally {
      await dispose();
      await mock.stop();
    }
  });
});

describe('panel request model: every field of the schema round-trips', () => {
  it('file → Load request… → Save request → file changes nothing (requests generated from the JSON Schema)', async function () {
    this.timeout(120_000);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wswb-roundtrip-'));
    const file = path.join(dir, 'rt.websocket.json');
    const { client, dispose } = await panelRig({ pickRequest: async () => ({ file, request: 'r' }) });
    const messages = [{ name: 'm', kind: 'text' as const, data: 'x' }];
    try {
      await fc.assert(fc.asyncProperty(requestArbitrary(), async (generated) => {
        const def = JSON.parse(JSON.stringify({ ...generated, name: 'r', messages })) as typeof generated;
        const text = JSON.stringify({ version: 1, name: 'c', requests: [def] }, null, 2);
        assert.deepEqual(parseCollection(text, file).errors, [], 'the generator makes valid requests');
        await fs.writeFile(file, text);
        const loaded = await client.call('loadRequest', {});
        await client.call('saveRequest', { request: loaded.request! });
        const back = parseCollection(await fs.readFile(file, 'utf8'), file);
        assert.deepEqual(back.errors, []);
        assert.deepEqual(back.collection!.requests![0], def);
      }), { numRuns: 80 });
    } finally {
      await dispose();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
