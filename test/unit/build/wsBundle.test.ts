/**
 * The wire stack as bundled (esbuild, as scripts/build.mjs bundles dist/extension.js and dist/cli.js):
 * there `ws` resolves to its ESM wrapper, whose WebSocket has no `Receiver` property. A protocol
 * error from the server (here a text message that is not UTF-8) must still fail the connection with
 * its code and close it, as it does unbundled; it used to throw inside the socket's data handler
 * and leave the connection open, silently (found by test/e2e/highContrast.e2e.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { WebSocketServer } from 'ws';

const root = path.resolve(__dirname, '../../..');

describe('bundled wire stack: protocol errors from the server', function () {
  this.timeout(60_000);
  let tmp = '';
  let wss: WebSocketServer;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-wsbundle-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(async () => {
    for (const c of wss?.clients ?? []) c.terminate();
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  });

  it('a text message that is not UTF-8 fails the connection with WS_ERR_INVALID_UTF8 and closes it', async () => {
    const entry = path.join(tmp, 'entry.ts');
    fs.writeFileSync(entry, `
      import { Connection } from ${JSON.stringify(path.join(root, 'src/core/engine/connection.ts'))};
      export async function run(url: string): Promise<Array<{ kind: string; code?: unknown }>> {
        const c = new Connection({ url }, { env: {} });
        const seen: Array<{ kind: string; code?: unknown }> = [];
        const closed = new Promise<void>((r) => c.onEvent((e) => { seen.push({ kind: e.kind, code: (e as { code?: unknown }).code }); if (e.kind === 'close') r(); }));
        await c.connect();
        c.sendText('please break');
        await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
        c.dispose();
        return seen;
      }
    `);
    const outfile = path.join(tmp, 'bundle.js');
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, external: ['bufferutil', 'utf-8-validate'], logLevel: 'error' });
    assert.ok(!fs.readFileSync(outfile, 'utf8').includes('node_modules/ws/index.js'), 'ws comes in through its ESM wrapper, as in dist/');

    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (s) => s.on('message', () => s.send(Buffer.from([0xff, 0xfe]), { binary: false })));
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const { run } = require(outfile) as { run(url: string): Promise<Array<{ kind: string; code?: unknown }>> };
    const seen = await run(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
    const error = seen.find((e) => e.kind === 'error');
    assert.equal(error?.code, 'WS_ERR_INVALID_UTF8', JSON.stringify(seen));
    assert.ok(seen.some((e) => e.kind === 'close'), `the connection closed: ${JSON.stringify(seen)}`);
  });
});
