import assert from 'node:assert/strict';
import { bundleCli } from './bundle';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { validate } from '../../../src/cli/validate';
import { captureIO } from '../collections/fixtures/captureIO';

describe('cli: validate', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-validate-'));
    fs.writeFileSync(path.join(dir, 'good.websocket.json'), JSON.stringify({ version: 1, name: 'ok', requests: [{ name: 'r', url: 'ws://h' }] }, null, 2));
    fs.writeFileSync(path.join(dir, 'bad.websocket.json'), '{\n  "version": 1,\n  "name": "x",\n  "requests": [{ "name": "r", "url": "ftp://h" }]\n}\n');
    fs.writeFileSync(path.join(dir, 'broken.websocket.json'), '{\n  // comment\n  "version": 1\n}\n');
    fs.mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', 'x', 'ignored.websocket.json'), '{');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and says ok for valid files', async () => {
    const io = captureIO(dir);
    assert.equal(await validate(['good.websocket.json'], io), 0);
    assert.equal(io.out(), 'good.websocket.json: ok\n');
    assert.match(io.err(), /1 file checked, 0 invalid/);
  });

  it('prints file:line:column message for each problem and exits 1', async () => {
    const io = captureIO(dir);
    assert.equal(await validate(['good.websocket.json', 'bad.websocket.json', 'broken.websocket.json', 'missing.websocket.json'], io), 1);
    const lines = io.out().trimEnd().split('\n');
    assert.deepEqual(lines, [
      'good.websocket.json: ok',
      'bad.websocket.json:4:38 requests[0].url: must be a ws:// or wss:// URL [WSWB_COLLECTION_SCHEMA]',
      'broken.websocket.json:2:3 comments are not allowed in collection files (plain JSON) [WSWB_COLLECTION_SYNTAX]',
      'missing.websocket.json:1:1 cannot read file (ENOENT) [WSWB_FILE_READ]',
    ]);
    assert.match(io.err(), /4 files checked, 3 invalid, 3 problems/);
  });

  it('searches directories, skipping node_modules, and speaks NDJSON', async () => {
    const io = captureIO(dir);
    assert.equal(await validate(['.', '--output', 'ndjson'], io), 1);
    const objs = io.out().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(objs.map((o) => o.file ?? o.type), ['bad.websocket.json', 'broken.websocket.json', 'good.websocket.json', 'summary']);
    assert.deepEqual(objs[3], { type: 'summary', files: 3, invalid: 2, problems: 2 });
    assert.equal(objs[0]!.path, '/requests/0/url');
  });

  it('exits 2 on bad usage', async () => {
    assert.equal(await validate([], captureIO(dir)), 2);
    assert.equal(await validate(['--bogus', 'x'], captureIO(dir)), 2);
    assert.equal(await validate(['--output', 'xml', 'x'], captureIO(dir)), 2);
    const empty = fs.mkdtempSync(path.join(dir, 'empty-'));
    assert.equal(await validate([empty], captureIO(dir)), 2);
  });
});

describe('examples/ validate', () => {
  it('every examples/**/*.websocket.json is valid', async () => {
    const root = path.resolve(__dirname, '../../../examples');
    const io = captureIO(root);
    const code = await validate(['.', '--quiet'], io);
    assert.equal(io.out(), '', io.out());
    assert.equal(code, 0);
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.websocket.json')) found.push(e.name);
      }
    };
    walk(root);
    assert.ok(found.includes('echo.websocket.json'), 'examples/echo.websocket.json exists');
  });
});

describe('cli: validate and run as a bundled binary', () => {
  let tmp: string;
  let cli: string;
  before(async function () {
    this.timeout(60000);
    // Covers what esbuild makes of the schema imports and jsonc-parser (whose UMD build does not survive bundling).
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wswb-cli-bundle-'));
    cli = await bundleCli(tmp);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('validates examples/ and reports a broken file with its position', () => {
    const root = path.resolve(__dirname, '../../..');
    const ok = spawnSync(process.execPath, [cli, 'validate', 'examples'], { cwd: root, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, ['chat.websocket.json', 'codecs.websocket.json', 'echo.websocket.json', 'protocol-mocks.websocket.json', 'protocols.websocket.json'].map((f) => `${path.join('examples', f)}: ok\n`).join(''));
    const broken = path.join(tmp, 'x.websocket.json');
    fs.writeFileSync(broken, '{\n  "version": 1,\n  "name": 5\n}\n');
    const bad = spawnSync(process.execPath, [cli, 'validate', broken], { cwd: tmp, encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, 'x.websocket.json:3:11 name: must be string [WSWB_COLLECTION_SCHEMA]\n');
  });

  it('run exits 2 with the unresolved secret named', () => {
    const root = path.resolve(__dirname, '../../..');
    const r = spawnSync(process.execPath, [cli, 'run', 'examples/echo.websocket.json', '--request', 'authenticated'], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /secret "apiToken" is not set/);
    assert.match(r.stderr, /WSWB_SECRET_APITOKEN/);
  });
});
