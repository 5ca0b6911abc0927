/**
 * Activation loads only registration: the production extension bundle (built freshly into a folder
 * of the test's own, as scripts/build.mjs builds it) leaves the protocol layer, the scenario runner
 * and the JSON Schemas to chunks it requires on first use (src/core/lazy.ts), and those chunks load
 * on their own and give what their callers take from them. Each marker below is text that exists
 * only in the code that must stay out of the bundle.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-chunks-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const chunks = [
  { name: 'protocols', markers: ['the Engine.IO session is not open yet', 'not connected: send CONNECT first'] },
  { name: 'scenario', markers: ['arrived on'] },
  { name: 'schemas', markers: ['WebSocket Workbench collection', 'WebSocket Workbench mock server'] },
];

describe('production extension bundle: lazy parts stay in chunks', function () {
  this.timeout(120_000);
  let bundle = '';
  before(() => {
    execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--production', '--dist', tmp], { cwd: root, stdio: 'pipe' });
    bundle = fs.readFileSync(path.join(tmp, 'extension.js'), 'utf8');
  });

  for (const { name, markers } of chunks) {
    it(`${name}: not in extension.js, required from it as ./chunks/${name}.js, and there`, () => {
      for (const m of markers) assert.ok(!bundle.includes(m), `extension.js holds ${JSON.stringify(m)}`);
      assert.ok(bundle.includes(`require("./chunks/${name}.js")`), `extension.js requires ./chunks/${name}.js`);
      const chunk = fs.readFileSync(path.join(tmp, 'chunks', `${name}.js`), 'utf8');
      for (const m of markers) assert.ok(chunk.includes(m), `chunks/${name}.js holds ${JSON.stringify(m)}`);
    });
  }

  it('the chunks load by themselves and export what src/core/lazy.ts callers use', () => {
    const protocols = require(path.join(tmp, 'chunks/protocols.js'));
    for (const f of ['ProtocolSession', 'publicDecoded', 'createProtocolEndpoint', 'protocolRecordingToMock', 'recognise']) assert.equal(typeof protocols[f], 'function', f);
    // A Socket.IO session, made from the chunk, prepares the Engine.IO URL as the panel's does.
    const prepared = new protocols.ProtocolSession('socket.io', {}).prepare({ url: 'ws://127.0.0.1:1/' });
    assert.match(prepared.url, /\/socket\.io\/\?EIO=4/);
    assert.equal(typeof require(path.join(tmp, 'chunks/scenario.js')).runTest, 'function');
    const schemas = require(path.join(tmp, 'chunks/schemas.js'));
    assert.equal(schemas.collectionSchema.title, 'WebSocket Workbench collection');
    assert.equal(schemas.mockSchema.title, 'WebSocket Workbench mock server');
  });
});

describe('CodedError across chunks', () => {
  it('an error from another copy of src/core/errors.ts (as a chunk carries) is a CodedError; subclasses still check the prototype', async () => {
    const esbuild = await import('esbuild');
    const outfile = path.join(tmp, 'errors-copy.js');
    await esbuild.build({ entryPoints: [path.join(root, 'src/core/errors.ts')], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'error' });
    const copy = require(outfile) as typeof import('../../../src/core/errors');
    const { CodedError } = await import('../../../src/core/errors');
    const { MockError } = await import('../../../src/core/engine/mock/errors');
    assert.notEqual(copy.CodedError, CodedError, 'a separate copy');
    assert.ok(new copy.CodedError('WSWB_X', 'x') instanceof CodedError);
    assert.ok(new CodedError('WSWB_X', 'x') instanceof copy.CodedError);
    assert.ok(!(Object.assign(new Error('x'), { code: 'WSWB_X' }) instanceof CodedError), 'a plain Error with a code is not one');
    assert.ok(!(new copy.CodedError('WSWB_X', 'x') instanceof MockError), 'a subclass keeps the prototype check');
    assert.ok(new MockError('WSWB_MOCK_LISTEN_FAILED', 'x') instanceof CodedError);
  });
});
