/**
 * Activation loads only registration: the production extension bundle (built freshly into a folder
 * of the test's own, as scripts/build.mjs builds it) leaves the protocol layer, the codecs, the
 * socket engine (ws, Connection, MockServer), the panel, HAR and session conversions, transcripts,
 * collection edits, the scenario runner and the JSON Schemas to chunks required on first use
 * (src/core/lazy.ts, src/extension/lazy.ts), and those chunks load on their own and give what their
 * callers take from them. Each marker below is text that exists only in the code that must stay
 * out of the bundle. Then the bundle is activated against a fake `vscode`
 * (test/support/activateProbe.cjs): it registers every contributed command and view and requires no
 * chunk, until a command needs one.
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
  { name: 'codecs', markers: ['cannot encode', 'needs a .proto', 'protobuf data for'] },
  { name: 'engine', markers: ['Invalid WebSocket frame: MASK must be set', 'WSWB_MOCK_LISTEN_FAILED'] },
  { name: 'panel', markers: ['WSWB_PANEL_NO_SOURCE', 'This panel has no connection yet'] },
  { name: 'sessionTools', markers: ['WSWB_SESSION_NO_HANDSHAKE', '_webSocketMessages'] },
  { name: 'transcripts', markers: ['WSWB_TRANSCRIPT_WRITE', 'transcript worker exited'] },
  { name: 'collectionEdit', markers: ['text does not parse', 'Can not delete in empty document'] },
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
    it(`${name}: not in extension.js, required from it as ./chunks/${name}.js (or from another chunk as ./${name}.js), and there`, () => {
      for (const m of markers) assert.ok(!bundle.includes(m), `extension.js holds ${JSON.stringify(m)}`);
      const others = fs.readdirSync(path.join(tmp, 'chunks')).filter((f) => f.endsWith('.js') && f !== `${name}.js`);
      const requiredBy = [bundle.includes(`require("./chunks/${name}.js")`) ? 'extension.js' : '', ...others.filter((f) => fs.readFileSync(path.join(tmp, 'chunks', f), 'utf8').includes(`require("./${name}.js")`))].filter(Boolean);
      assert.ok(requiredBy.length > 0, `nothing requires chunks/${name}.js`);
      const chunk = fs.readFileSync(path.join(tmp, 'chunks', `${name}.js`), 'utf8');
      for (const m of markers) assert.ok(chunk.includes(m), `chunks/${name}.js holds ${JSON.stringify(m)}`);
    });
  }

  it('the codec libraries (protobufjs, cbor2, @msgpack/msgpack) are not in extension.js, only in their chunks', () => {
    const libs = [
      { chunk: 'protobufjs', marker: 'Unable to find a parent for ' },
      { chunk: 'cbor2', marker: 'Invalid CBOR encoding for half float' },
      { chunk: 'msgpack-msgpack', marker: 'The type of key must be string or number but ' },
    ];
    for (const { chunk, marker } of libs) {
      assert.ok(!bundle.includes(marker), `extension.js holds ${chunk}'s ${JSON.stringify(marker)}`);
      assert.ok(fs.readFileSync(path.join(tmp, 'chunks', `${chunk}.js`), 'utf8').includes(marker), `chunks/${chunk}.js holds ${JSON.stringify(marker)}`);
    }
  });

  it('activating it (against a fake vscode) registers every contributed command and view, and requires no chunk', () => {
    const probe = runProbe();
    assert.equal(probe.error, undefined, probe.error);
    assert.deepEqual(probe.atLoad, [path.join(tmp, 'extension.js')], 'loading requires nothing but the bundle (and Node built-ins)');
    assert.deepEqual(probe.atActivate, [], 'activate() requires nothing');
    assert.deepEqual(probe.deferred, [], 'nothing is required shortly after activation either');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string }>; views: Record<string, Array<{ id: string }>> } };
    const missing = pkg.contributes.commands.map((c) => c.command).filter((c) => !probe.commands.includes(c));
    assert.deepEqual(missing, [], 'contributed commands registered at activation');
    assert.deepEqual([...probe.treeViews, ...probe.treeDataProviders].sort(), Object.values(pkg.contributes.views).flat().map((v) => v.id).sort(), 'every view has its provider');
    assert.deepEqual(probe.redrawnWhenShown, ['websocketWorkbench.collections'], 'the Collections view redraws when it comes into view; no other view does');
    assert.ok(probe.codeLensProviders > 0, 'CodeLens providers registered');
    assert.deepEqual(probe.serializers, ['websocketWorkbench.panel'], 'panels restore after reload');
    assert.deepEqual(probe.testControllers, ['websocketWorkbench.tests']);
  });

  it('a command that needs the panel requires its chunk then (the probe sees chunk loads)', () => {
    const probe = runProbe('websocketWorkbench.openWorkbench');
    assert.deepEqual(probe.atActivate, []);
    assert.ok(probe.onCommand.includes('./chunks/panel.js'), `Open Workbench required ${JSON.stringify(probe.onCommand)}`);
  });

  it('the chunks load by themselves and export what src/core/lazy.ts callers use', () => {
    const protocols = require(path.join(tmp, 'chunks/protocols.js'));
    for (const f of ['ProtocolSession', 'publicDecoded', 'createProtocolEndpoint', 'protocolRecordingToMock', 'recognise']) assert.equal(typeof protocols[f], 'function', f);
    // A Socket.IO session, made from the chunk, prepares the Engine.IO URL as the panel's does.
    const prepared = new protocols.ProtocolSession('socket.io', {}).prepare({ url: 'ws://127.0.0.1:1/' });
    assert.match(prepared.url, /\/socket\.io\/\?EIO=4/);
    assert.equal(typeof require(path.join(tmp, 'chunks/scenario.js')).runTest, 'function');
    const codecs = require(path.join(tmp, 'chunks/codecs.js'));
    assert.deepEqual([...codecs.encodeCodecMessage({ kind: 'msgpack', data: { a: 1 } })], [0x81, 0xa1, 0x61, 0x01], 'msgpack {a:1} through the codecs chunk and its library chunk');
    const engine = require(path.join(tmp, 'chunks/engine.js'));
    for (const f of ['Connection', 'MockServer', 'TimelineStore']) assert.equal(typeof engine[f], 'function', f);
    const tools = require(path.join(tmp, 'chunks/sessionTools.js'));
    assert.deepEqual(tools.importHar('{}', {}).errors.map((e: { code: string }) => e.code), ['WSWB_HAR_INVALID']);
    const edits = require(path.join(tmp, 'chunks/collectionEdit.js'));
    assert.equal(JSON.parse(edits.newCollectionText('x')).name, 'x');
    const schemas = require(path.join(tmp, 'chunks/schemas.js'));
    assert.equal(schemas.collectionSchema.title, 'WebSocket Workbench collection');
    assert.equal(schemas.mockSchema.title, 'WebSocket Workbench mock server');
  });

  it('the transcripts chunk writes a transcript, in this thread and through its worker (chunks/transcriptWorker.js), that reads back', async () => {
    const t = require(path.join(tmp, 'chunks/transcripts.js'));
    const data = new TextEncoder().encode('hi');
    for (const mode of ['thread', 'worker']) {
      const file = path.join(tmp, `t-${mode}.ndjson`);
      const w = await t.TranscriptWriter.create(file, t.makeHeader({ createdAt: 0 }), { mode });
      assert.equal(w.mode, mode);
      w.append({ id: 1, time: 5, connection: 'c', kind: 'message', dir: 'out', binary: false, data, size: 2 });
      await w.close();
      const back = await t.readTranscript(file);
      assert.deepEqual(back.errors, []);
      assert.equal(new TextDecoder().decode(back.events[0].data), 'hi', mode);
    }
  });
});

interface Probe {
  error?: string;
  atLoad: string[];
  atActivate: string[];
  deferred: string[];
  onCommand: string[];
  commands: string[];
  treeViews: string[];
  redrawnWhenShown: string[];
  treeDataProviders: string[];
  codeLensProviders: number;
  serializers: string[];
  testControllers: string[];
}

/** Loads and activates the built bundle in a fresh Node against the fake vscode; `run`: a command to run after. */
function runProbe(run?: string): Probe {
  const out = execFileSync(process.execPath, [path.join(root, 'test/support/activateProbe.cjs'), path.join(tmp, 'extension.js')], {
    env: { ...process.env, ...(run ? { WSWB_PROBE_RUN: run } : {}) },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Probe;
}

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
